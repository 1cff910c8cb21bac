package dev.hako.kernel.exec;

import java.util.List;

/**
 * Who starts the executor process and reaps it. {@link #LOCAL}: this JVM, with posix_spawn (the plain
 * `hako-runtime` CLI, the engine). The runtime service binds {@link #CURRENT} to a spawner that asks the
 * calling front-end process to do it, so the executor (and the container init after it) descends from the
 * process podman or conmon ran, exactly as with a one-shot CLI: they make themselves subreapers and expect it.
 */
public interface Spawner {
    /** The spawner of this thread's launches; {@link #LOCAL} when unbound. */
    ScopedValue<Spawner> CURRENT = ScopedValue.newInstance();

    Spawner LOCAL = new Spawner() {
        @Override
        public int spawn(String path, List<String> argv, List<FdAction> actions, int closeFrom) {
            return Spawn.spawn(path, argv, actions, closeFrom);
        }

        @Override
        public int waitChild(int pid) { return dev.hako.kernel.Pidfd.waitChild(pid); }

        @Override
        public boolean local() { return true; }
    };

    static Spawner current() { return CURRENT.orElse(LOCAL); }

    /**
     * Starts {@code path} with {@code argv}, an empty environment, default signal dispositions and an empty
     * mask; the child has exactly the fds of {@code actions} (everything from {@code closeFrom} up closed).
     * Returns its pid; it must be reaped with {@link #waitChild}.
     */
    int spawn(String path, List<String> argv, List<FdAction> actions, int closeFrom);

    /** waitpid of a process this spawner started: the raw wait status. */
    int waitChild(int pid);

    /** True when the child is this JVM's own: {@link FdAction.Kind#CALLER} fds are then this JVM's fds. */
    boolean local();

    /**
     * One fd of the child, installed at {@code target}: {@code LOCAL} a dup of this JVM's {@code fd};
     * {@code NULL} /dev/null opened read-write; {@code CALLER} a dup of fd {@code fd} of the process that ran
     * the command (stdio, --preserve-fds), which for a remote spawner is that process's own.
     */
    record FdAction(int target, Kind kind, int fd) {
        public enum Kind { LOCAL, NULL, CALLER }
    }
}
