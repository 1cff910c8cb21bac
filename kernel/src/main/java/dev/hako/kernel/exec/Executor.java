package dev.hako.kernel.exec;

import dev.hako.kernel.Errno;
import dev.hako.kernel.Fds;
import dev.hako.kernel.SyscallException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Spawns the executor, the small C program that does what must happen between clone() and execve()
 * (kernel/src/main/c). Typical use by the runtime:
 *
 * <pre>
 *   try (Launch l = Executor.launch(plan, Stdio.inherit(), Supervision.FOREGROUND)) {
 *       int pid = l.pid();          // host pid of the container init (EXEC: of the new process)
 *       l.writeIdMappings();        // when the plan creates a user namespace
 *       cgroups.join(pid);          // parent-side work: cgroups, createRuntime/prestart hooks, state file
 *       l.proceed();                // "go": the executor runs the plan's steps
 *       l.awaitReady();             // CREATE: blocked on the exec fifo; RUN/EXEC: exec'ed. Or LaunchException.
 *       return l.waitFor();         // FOREGROUND only: the exit code (128+n for signal n)
 *   }
 * </pre>
 *
 * The binary is copied once per JVM from the jar resource {@code dev/hako/kernel/hako-executor} (or the
 * file named by the system property {@code hako.executor}) into a memfd sealed against every change,
 * and always run from there, so no process in a container can overwrite it (CVE-2019-5736).
 *
 * <p>File descriptors of the spawned executor: 0-2 as {@link Stdio} says; 3..3+n-1 are this JVM's fds
 * 3..3+n-1 when the plan preserves n fds (runc's --preserve-fds); then the sync socket and the plan; with
 * {@link Supervision#MONITOR} also this JVM's sealed memfd of hako-monitor, the monitor the executor becomes.
 * Nothing else: the JVM's other fds are closed in the child before exec.
 */
public final class Executor {
    /** System property naming an executor binary on disk to use instead of the jar resource. */
    public static final String BINARY_PROPERTY = "hako.executor";

    private Executor() {}

    /** {@link #launch(LaunchPlan, Stdio, Supervision)} with {@link Supervision#DETACH}. */
    public static Launch launch(LaunchPlan plan, Stdio stdio) { return launch(plan, stdio, Supervision.DETACH); }

    /**
     * Spawns the executor for {@code plan} and returns once it has reported the host pid of the
     * container process, which then waits for {@link Launch#proceed()}.
     *
     * @throws LaunchException when the executor fails before that (e.g. setns to a namespace path);
     *         nothing is left running then
     */
    public static Launch launch(LaunchPlan plan, Stdio stdio, Supervision supervision) {
        byte[] encoded = PlanCodec.encode(plan);
        int n = Math.max(0, plan.preserveFds());
        int syncTarget = 3 + n, planTarget = 4 + n, exeTarget = 5 + n, monitorTarget = 6 + n, high = 7 + n;
        List<Integer> toClose = new ArrayList<>();
        int[] sync = null;
        int[] parentPipe = {-1, -1, -1};
        boolean ok = false;
        try {
            int planFd = Fds.memfdCreate("hako-plan", Fds.MFD_CLOEXEC);
            toClose.add(planFd);
            Fds.writeFully(planFd, encoded);
            Fds.lseek(planFd, 0, 0);
            sync = Fds.socketpair(Fds.SOCK_SEQPACKET);
            toClose.add(sync[1]);

            // Every source is first duplicated above all targets, so the dup2 actions cannot clobber each other.
            Spawner spawner = Spawner.current();
            List<Spawner.FdAction> actions = new ArrayList<>();
            Stdio.Stream[] streams = {stdio.in(), stdio.out(), stdio.err()};
            for (int t = 0; t < 3; t++) {
                switch (streams[t]) {
                    case Stdio.Inherit i -> actions.add(callerFd(spawner, t, t, high, toClose));
                    case Stdio.Fd f -> actions.add(local(t, dupHigh(f.fd(), high, toClose)));
                    case Stdio.Null x -> actions.add(new Spawner.FdAction(t, Spawner.FdAction.Kind.NULL, -1));
                    case Stdio.Pipe p -> {
                        int[] pipe = Fds.pipe();
                        int childEnd = t == 0 ? pipe[0] : pipe[1];
                        parentPipe[t] = t == 0 ? pipe[1] : pipe[0];
                        toClose.add(childEnd);
                        actions.add(local(t, dupHigh(childEnd, high, toClose)));
                    }
                }
            }
            for (int fd = 3; fd < 3 + n; fd++) actions.add(callerFd(spawner, fd, fd, high, toClose));
            actions.add(local(syncTarget, dupHigh(sync[1], high, toClose)));
            actions.add(local(planTarget, dupHigh(planFd, high, toClose)));
            // the sealed binary is exec'ed through /proc/self/fd of the child, so it must survive closefrom
            actions.add(local(exeTarget, dupHigh(Binary.fd(), high, toClose)));

            List<String> argv = new ArrayList<>(List.of("hako-executor", "--sync", Integer.toString(syncTarget), "--plan",
                    Integer.toString(planTarget), "--supervision", supervision.name().toLowerCase(java.util.Locale.ROOT)));
            // the monitors this JVM starts exec one shared copy of hako-monitor (the executor checks it is its own)
            if (supervision == Supervision.MONITOR && MonitorBinary.fd() >= 0) {
                actions.add(local(monitorTarget, dupHigh(MonitorBinary.fd(), high, toClose)));
                argv.addAll(List.of("--monitor-exe", Integer.toString(monitorTarget)));
            }
            int pid = spawner.spawn("/proc/self/fd/" + exeTarget, argv, actions, high);
            Launch launch = new Launch(plan, supervision, pid, sync[0], parentPipe, spawner);
            ok = true;
            launch.awaitPid();
            return launch;
        } finally {
            for (int fd : toClose) closeQuietly(fd);
            if (!ok) {
                if (sync != null) closeQuietly(sync[0]);
                for (int fd : parentPipe) closeQuietly(fd);
            }
        }
    }

    private static Spawner.FdAction local(int target, int fd) {
        return new Spawner.FdAction(target, Spawner.FdAction.Kind.LOCAL, fd);
    }

    /** The caller's fd {@code fd}: this JVM's own when it spawns locally, else the remote spawner's. */
    private static Spawner.FdAction callerFd(Spawner spawner, int target, int fd, int high, List<Integer> toClose) {
        if (spawner.local()) return local(target, dupHigh(fd, high, toClose));
        return new Spawner.FdAction(target, Spawner.FdAction.Kind.CALLER, fd);
    }

    private static int dupHigh(int fd, int min, List<Integer> toClose) {
        try {
            int d = Fds.dupCloexec(fd, min);
            toClose.add(d);
            return d;
        } catch (SyscallException e) {
            if (e.errno() == Errno.EBADF) throw new LaunchException("spawn", "fd " + fd, Errno.EBADF, "fd to pass to the executor is not open");
            throw e;
        }
    }

    private static void closeQuietly(int fd) {
        try {
            Fds.close(fd);
        } catch (RuntimeException ignored) {
            // best effort on cleanup paths
        }
    }

    /** The sealed memfd holding the executor binary, made once per JVM. */
    private static final class Binary {
        private static final int FD = load();

        static int fd() { return FD; }

        private static int load() {
            byte[] bytes;
            try {
                String override = System.getProperty(BINARY_PROPERTY);
                if (override != null && !override.isBlank() && Files.isRegularFile(Path.of(override))) {
                    bytes = Files.readAllBytes(Path.of(override));
                } else {
                    try (InputStream in = Executor.class.getResourceAsStream("/dev/hako/kernel/hako-executor")) {
                        if (in == null) throw new IllegalStateException("the executor binary is missing: no resource "
                                + "dev/hako/kernel/hako-executor and no -D" + BINARY_PROPERTY);
                        bytes = in.readAllBytes();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the executor binary", e);
            }
            return Fds.sealedMemfd("hako-executor", bytes);
        }
    }

    /**
     * A sealed memfd of hako-monitor (what the executor execs as a container's monitor once it is ready), made once per
     * JVM so its monitors share the pages; beside the {@code hako.executor} file or from the jar. -1 if there is none:
     * the executor then uses the copy it embeds (it uses this one only when it is byte for byte that copy).
     */
    private static final class MonitorBinary {
        private static final int FD = load();

        static int fd() { return FD; }

        private static int load() {
            byte[] bytes;
            try {
                String override = System.getProperty(BINARY_PROPERTY);
                Path beside = override == null || override.isBlank() ? null : Path.of(override).resolveSibling("hako-monitor");
                if (beside != null && Files.isRegularFile(beside)) {
                    bytes = Files.readAllBytes(beside);
                } else {
                    try (InputStream in = Executor.class.getResourceAsStream("/dev/hako/kernel/hako-monitor")) {
                        if (in == null) return -1;
                        bytes = in.readAllBytes();
                    }
                }
            } catch (IOException e) {
                return -1;
            }
            return Fds.sealedMemfd("hako-monitor", bytes);
        }
    }

    /** The sealed memfd this JVM spawns the executor from, for tests and diagnostics. */
    public static int binaryFd() { return Binary.fd(); }
}
