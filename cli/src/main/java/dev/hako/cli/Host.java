package dev.hako.cli;

import dev.hako.runtime.cli.Caller;

import java.nio.file.Path;

/**
 * The process a command runs for, as the CLI needs to know it: where relative paths start, the environment and
 * the umask of the files written for it (the {@link Caller}; see {@link CallerFiles}), its stdin and stdout fds
 * when they are real (for terminals: raw mode, window size), and its signals. The plain JVM is its own host; the
 * CLI service ({@link dev.hako.cli.service.CliService}) runs commands for front-end processes, so nothing here may
 * be taken from this JVM's own process.
 *
 * @param inFd  the caller's stdin as an fd of this process, or -1 when stdin is not a real fd (tests)
 * @param outFd the caller's stdout likewise
 */
public record Host(Caller caller, int inFd, int outFd, Signals signals) {

    /** The caller's signals: docker's sig-proxy, window changes, and clean-up when the caller is killed. */
    public interface Signals {
        /** Runs {@code action} on each delivery of the signal NAME ("INT", "WINCH") instead of its default action. */
        void onSignal(String name, Runnable action);

        /** Runs {@code action} if the caller is killed before the returned handle is closed (a terminal left raw). */
        AutoCloseable onKill(Runnable action);
    }

    /** This JVM as the caller: the plain `hako` process. */
    public static Host process() { return new Host(Caller.self(), 0, 1, JVM_SIGNALS); }

    /** In-process callers with streams of their own (tests, embedding): no terminal fds. */
    public static Host inProcess() { return new Host(Caller.self(), -1, -1, JVM_SIGNALS); }

    /** A path argument as the caller means it (relative to its working directory). */
    public Path path(String path) { return caller.resolve(path); }

    /** A variable of the caller's environment, or null. */
    public String env(String name) { return caller.env().get(name); }

    /** This JVM's own signals and shutdown hooks. */
    static final Signals JVM_SIGNALS = new Signals() {
        @Override
        public void onSignal(String name, Runnable action) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> action.run());
            } catch (IllegalArgumentException e) {
                // the JVM reserves this signal here (e.g. -Xrs): leave it alone
            }
        }

        @Override
        public AutoCloseable onKill(Runnable action) {
            Thread hook = new Thread(action);
            Runtime.getRuntime().addShutdownHook(hook);
            return () -> {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // shutting down: the hook runs
                }
            };
        }
    };
}
