package dev.hako.engine.attach;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One attached session, as `docker run -i/-t`, `attach` and `start -a` have it: the caller's stdin goes to the
 * container (scanned for the detach keys when there is a terminal), its output comes back, until the container
 * exits or the caller detaches. Raw mode and window sizes are the caller's (the CLI's) business.
 */
public final class AttachSession {
    private AttachSession() {}

    /**
     * @param stdin     send the caller's stdin
     * @param stdinOnce close the container's stdin when the caller's ends (docker's StdinOnce: `run -i` in the foreground)
     * @param keys      the detach sequence, or null for none (docker scans for it only with a terminal)
     */
    public record Options(boolean stdin, boolean stdinOnce, DetachKeys keys) {}

    /** @param exitCode the container's, when it ended while attached; -1 when detached or the monitor went away */
    public record Outcome(boolean detached, int exitCode) {}

    public static Outcome run(AttachClient client, InputStream in, OutputStream out, OutputStream err, Options o) throws IOException {
        AtomicBoolean detached = new AtomicBoolean();
        if (o.stdin()) {
            // a platform daemon thread: a read of the caller's stdin cannot be interrupted, the process exit ends it
            Thread.ofPlatform().daemon().name("hako-attach-stdin").start(() -> {
                byte[] buf = new byte[8192];
                DetachKeys.Matcher m = o.keys() == null ? null : o.keys().matcher();
                try {
                    int r;
                    while ((r = in.read(buf)) >= 0) {
                        if (m == null) {
                            client.sendStdin(buf, 0, r);
                            continue;
                        }
                        byte[] pass = m.feed(buf, r);
                        if (pass.length > 0) client.sendStdin(pass, 0, pass.length);
                        if (m.detached()) {
                            detached.set(true);
                            client.close(); // ends copyOutput below
                            return;
                        }
                    }
                    if (o.stdinOnce()) client.closeStdin();
                } catch (IOException | RuntimeException e) {
                    // the container or the connection is gone: the output side sees it too
                }
            });
        }
        int code = client.copyOutput(out, err);
        return new Outcome(code < 0 && detached.get(), code);
    }
}
