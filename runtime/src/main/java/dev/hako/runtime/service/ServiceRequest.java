package dev.hako.runtime.service;

import dev.hako.kernel.FdStreams;
import dev.hako.kernel.Fds;
import dev.hako.kernel.exec.Spawner;
import dev.hako.runtime.cli.Caller;
import dev.hako.runtime.cli.Main;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One command from a front-end: checks the peer, reads argv/cwd/env and fds 0-2, acknowledges, runs the
 * very CLI code of the plain path ({@link Main#run}) with those streams and that caller, and sends the exit
 * code. The executor is spawned through the front-end ({@link RemoteSpawner}). If the front-end goes away
 * (killed), the command's thread is interrupted, as the plain JVM would have died.
 */
final class ServiceRequest {
    static final String MAGIC = "hako-runtime/1";
    private static final int MAX_REQUEST = 256 * 1024;

    private final int conn;
    private final int uid;

    ServiceRequest(int conn, int uid) {
        this.conn = conn;
        this.uid = uid;
    }

    void handle() {
        int[] stdio = new int[0];
        try {
            var cred = ServiceSockets.peerCred(conn);
            if (cred.uid() != uid) return;   // only our own uid's processes may run commands here
            Fds.Message m = Fds.receive(conn, MAX_REQUEST);
            stdio = m.fds();
            List<String> f = ServiceSockets.decode(m.data());
            Request r = f == null || stdio.length != 3 ? null : Request.parse(f, cred.pid());
            if (r == null) return;
            Fds.send(conn, ServiceSockets.encode("ack"));
            int code = run(r, stdio);
            stdio = new int[0];   // closed by run
            Fds.send(conn, ServiceSockets.encode("exit", Integer.toString(code)));
        } catch (RuntimeException e) {
            // the front-end is gone or broke the protocol: nothing to report to
        } finally {
            for (int fd : stdio) closeQuietly(fd);
            closeQuietly(conn);
        }
    }

    private int run(Request r, int[] stdio) {
        PrintStream out = new PrintStream(FdStreams.output(stdio[1]), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(FdStreams.output(stdio[2]), false, StandardCharsets.UTF_8);
        InputStream in = FdStreams.input(stdio[0]);
        Thread command = Thread.currentThread();
        var done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread watcher = Thread.ofPlatform().daemon().name("hako-runtime-hangup").start(() -> {
            while (!done.get()) {
                if (ServiceSockets.awaitHangup(conn, 1000)) {
                    if (!done.get()) command.interrupt();
                    return;
                }
            }
        });
        int code;
        try {
            code = ScopedValue.where(Spawner.CURRENT, new RemoteSpawner(conn))
                    .call(() -> Main.run(r.args().toArray(String[]::new), out, err, in, r.caller()));
        } catch (Throwable t) {
            // what Main.run does not turn into an exit code (an Error): reported as the JVM would
            err.println("hako-runtime: " + t);
            code = 1;
        } finally {
            done.set(true);
            watcher.interrupt();
            Thread.interrupted();
        }
        out.flush();
        err.flush();
        // our copies of the caller's stdio go before the exit code does: whoever reads its stdout to EOF is not held up
        out.close();
        err.close();
        try { in.close(); } catch (java.io.IOException ignored) { }
        return code;
    }

    private static void closeQuietly(int fd) {
        try {
            Fds.close(fd);
        } catch (RuntimeException ignored) {
            // already closed
        }
    }

    /** A parsed request: the arguments after argv[0], and who asked. */
    record Request(List<String> args, Caller caller) {
        static Request parse(List<String> f, int pid) {
            try {
                if (!f.getFirst().equals(MAGIC)) return null;
                String cwd = f.get(1);
                int argc = Integer.parseInt(f.get(2));
                List<String> args = List.copyOf(f.subList(3, 3 + argc));
                int envc = Integer.parseInt(f.get(3 + argc));
                if (f.size() != 4 + argc + envc || !cwd.startsWith("/")) return null;
                Map<String, String> env = new HashMap<>();
                for (String e : f.subList(4 + argc, f.size())) {
                    int eq = e.indexOf('=');
                    if (eq > 0) env.put(e.substring(0, eq), e.substring(eq + 1));
                }
                return new Request(args, new Caller(Path.of(cwd), Map.copyOf(env), pid));
            } catch (RuntimeException e) {
                return null;
            }
        }
    }
}
