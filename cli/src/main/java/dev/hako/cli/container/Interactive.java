package dev.hako.cli.container;

import dev.hako.cli.Main;
import dev.hako.engine.Engine;
import dev.hako.engine.EngineException;
import dev.hako.engine.attach.AttachClient;
import dev.hako.engine.attach.AttachSession;
import dev.hako.engine.attach.DetachKeys;
import dev.hako.kernel.Tty;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The caller's side of an interactive container (run -i/-t, attach, start -a): raw mode on the caller's terminal
 * (always restored, also on errors and on a kill), the window size and its changes, the detach keys, the
 * container's output on the caller's streams.
 */
final class Interactive {
    private Interactive() {}

    /** Whether the caller's stdin is a terminal (tests pass streams of their own, never a terminal). */
    static boolean stdinIsTty(Main.Terminal term) { return term.host().inFd() >= 0 && Tty.isatty(term.host().inFd()); }

    /** docker: `-it` (and attach with stdin to a tty container) needs a terminal as stdin. */
    static void requireTty(Main.Terminal term) {
        if (!stdinIsTty(term)) throw new EngineException("the input device is not a TTY", 1, null);
    }

    static DetachKeys detachKeys(String spec) {
        try {
            return DetachKeys.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new EngineException(e.getMessage(), 125, e);
        }
    }

    static AttachClient connect(Engine engine, String id) {
        try {
            return AttachClient.connect(engine.attachSocket(id));
        } catch (IOException e) {
            throw new EngineException("attach to container " + id + ": " + e.getMessage(), 1, e);
        }
    }

    /**
     * Runs the session until the container exits or the caller detaches.
     *
     * @param tty   the container has a terminal: raw mode, window size, detach keys; one output stream
     * @param stdin send the caller's stdin
     */
    static AttachSession.Outcome session(Engine engine, String id, AttachClient client, Main.Terminal term, boolean tty,
                                         boolean stdin, boolean stdinOnce, DetachKeys keys, boolean sigProxy) {
        return session(engine, id, client, term, tty, stdin, stdinOnce, keys, sigProxy, null);
    }

    /** @param streams run -a: the output streams attached (null: both) */
    static AttachSession.Outcome session(Engine engine, String id, AttachClient client, Main.Terminal term, boolean tty,
                                         boolean stdin, boolean stdinOnce, DetachKeys keys, boolean sigProxy,
                                         AttachStreams streams) {
        boolean raw = tty && stdin && stdinIsTty(term);
        Tty.Raw mode = null;
        AutoCloseable restore = null;
        byte[] pending = new byte[0];
        try (client) {
            if (raw) {
                pending = Tty.takePendingInput(term.host().inFd()); // an EOF typed before raw mode: not a NUL
                Tty.Raw m = mode = Tty.raw(term.host().inFd());
                restore = term.host().signals().onKill(m::close); // a kill of hako must not leave the terminal raw
            }
            if (tty) {
                sendSize(term, client);
                term.host().signals().onSignal("WINCH", () -> sendSize(term, client));
            } else if (sigProxy) {
                ContainerCommands.proxySignals(term, engine, id);
            }
            InputStream in = stdin ? term.in() : InputStream.nullInputStream();
            if (pending.length > 0) in = new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(pending), in);
            var o = new AttachSession.Options(stdin, stdinOnce, tty ? keys : null);
            if (streams == null) return AttachSession.run(client, in, term.out(), tty ? term.out() : term.err(), o);
            return AttachSession.run(client, in, streams.out(term.out()), streams.err(term.out(), term.err(), tty), o);
        } catch (IOException e) {
            throw new UncheckedIOException("attach to container " + id + ": " + e.getMessage(), e);
        } finally {
            if (mode != null) mode.close();
            closeQuietly(restore);
            term.out().flush();
            term.err().flush();
        }
    }

    /** The caller's window size: stdout's terminal, else stdin's; null without one (or with a 0x0 one). */
    private static Tty.Size callerSize(Main.Terminal term) {
        Tty.Size size = term.host().outFd() >= 0 ? Tty.size(term.host().outFd()) : null;
        if (size == null && term.host().inFd() >= 0) size = Tty.size(term.host().inFd());
        return size == null || size.rows() == 0 ? null : size;
    }

    /**
     * Before a tty container starts attached: the caller's size becomes its console size, on the pty before the
     * process runs (docker's HostConfig.ConsoleSize); a resize sent once it runs would come too late for `stty size`.
     */
    static void initialSize(Engine engine, String id, Main.Terminal term) {
        Tty.Size size = callerSize(term);
        if (size != null) engine.consoleSize(id, size.rows(), size.cols());
    }

    /** exec -t: the caller's size for the exec'd process's pty, set before it runs; null without a terminal. */
    static dev.hako.oci.runtime.Process.ConsoleSize consoleSize(Main.Terminal term) {
        Tty.Size size = callerSize(term);
        return size == null ? null : new dev.hako.oci.runtime.Process.ConsoleSize(size.rows(), size.cols());
    }

    /** The caller's window size to the container's pty. */
    private static void sendSize(Main.Terminal term, AttachClient client) {
        Tty.Size size = callerSize(term);
        if (size == null) return;
        try {
            client.resize(size.rows(), size.cols());
        } catch (IOException e) {
            // the session is ending
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception e) {
            // only a hook being removed
        }
    }

    /** exec -t: the executor proxies the pty to our stdio; raw mode on the caller's terminal meanwhile. */
    static int exec(Main.Terminal term, boolean stdin, java.util.function.IntSupplier run) {
        Tty.Raw mode = null;
        AutoCloseable restore = null;
        try {
            if (stdin && stdinIsTty(term)) {
                Tty.Raw m = mode = Tty.raw(term.host().inFd());
                restore = term.host().signals().onKill(m::close);
            }
            return run.getAsInt();
        } finally {
            if (mode != null) mode.close();
            closeQuietly(restore);
        }
    }
}
