package dev.hako.kernel.exec;

import dev.hako.kernel.FdStreams;
import dev.hako.kernel.Fds;
import dev.hako.kernel.Pidfd;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.exec.LaunchPlan.IdMap;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One running executor and the container process it launches. Protocol (see kernel/src/main/c/PLAN.md):
 * the executor reports the pid, the caller does its parent-side work and calls {@link #proceed()},
 * then {@link #awaitReady()}. Not thread-safe except {@link #signal(int)}.
 *
 * <p>{@link #close()} releases the sync socket and, if the launch never became ready (or is a
 * FOREGROUND launch still running), kills the container process and the executor. Streams of
 * {@link Stdio.Pipe} belong to the caller, who closes them.
 */
public final class Launch implements AutoCloseable {
    private static final int SIGKILL = 9;

    private final LaunchPlan plan;
    private final Supervision supervision;
    private final int executorPid;
    private final Pidfd executor;
    private int sync;
    private int pid = -1;
    private Pidfd process;
    private boolean proceeded, ready, executorReaped, failed;
    private Integer exitCode;
    private int executorStatus = -1;
    private final int[] pipes;
    private final Spawner spawner;
    private OutputStream stdin;
    private InputStream stdout, stderr;

    Launch(LaunchPlan plan, Supervision supervision, int executorPid, int sync, int[] pipes, Spawner spawner) {
        this.spawner = spawner;
        this.plan = plan;
        this.supervision = plan.mode() == LaunchPlan.Mode.CREATE ? Supervision.DETACH : supervision;
        this.executorPid = executorPid;
        this.sync = sync;
        this.pipes = pipes;
        Pidfd p = null;
        try {
            p = Pidfd.open(executorPid);
        } catch (SyscallException ignored) {
            // cannot happen for an unreaped child (ours or the remote spawner's); without it close() still reaps
        }
        this.executor = p;
    }

    public LaunchPlan plan() { return plan; }

    public Supervision supervision() { return supervision; }

    /** Host pid of the container process: the init for CREATE/RUN, the new process for EXEC. */
    public int pid() { return pid; }

    /** A pidfd of the container process, open from the pid report on; owned by this Launch. */
    public Pidfd pidfd() { return process; }

    /** Host pid of the executor process (a child of this JVM, or of the remote {@link Spawner}'s process). */
    public int executorPid() { return executorPid; }

    /** The JVM's end of a {@link Stdio.Pipe} stdin; null if stdin is not a pipe. */
    public synchronized OutputStream stdin() {
        if (stdin == null && pipes[0] >= 0) stdin = FdStreams.output(pipes[0]);
        return stdin;
    }

    /** The JVM's end of a {@link Stdio.Pipe} stdout; null if stdout is not a pipe. */
    public synchronized InputStream stdout() {
        if (stdout == null && pipes[1] >= 0) stdout = FdStreams.input(pipes[1]);
        return stdout;
    }

    /** The JVM's end of a {@link Stdio.Pipe} stderr; null if stderr is not a pipe. */
    public synchronized InputStream stderr() {
        if (stderr == null && pipes[2] >= 0) stderr = FdStreams.input(pipes[2]);
        return stderr;
    }

    /**
     * Writes the plan's uid/gid mappings (and "deny" to setgroups when the plan says so) for the new
     * user namespace of {@link #pid()}. Nothing when the plan has no mappings.
     */
    public void writeIdMappings() {
        requirePid();
        try {
            Path proc = Path.of("/proc", Integer.toString(pid));
            if (plan.denySetgroups()) Files.writeString(proc.resolve("setgroups"), "deny");
            if (plan.uidMappings() != null && !plan.uidMappings().isEmpty())
                Files.writeString(proc.resolve("uid_map"), mapText(plan.uidMappings()));
            if (plan.gidMappings() != null && !plan.gidMappings().isEmpty())
                Files.writeString(proc.resolve("gid_map"), mapText(plan.gidMappings()));
        } catch (IOException e) {
            throw new UncheckedIOException("writing id mappings of pid " + pid + ": " + e.getMessage(), e);
        }
    }

    private static String mapText(List<IdMap> maps) {
        StringBuilder b = new StringBuilder();
        for (IdMap m : maps) b.append(m.containerId()).append(' ').append(m.hostId()).append(' ').append(m.size()).append('\n');
        return b.toString();
    }

    /** Tells the executor the parent-side work is done: it runs the plan's steps now. */
    public void proceed() {
        requirePid();
        if (proceeded) return;
        proceeded = true;
        try {
            Fds.send(sync, "go".getBytes(StandardCharsets.US_ASCII));
        } catch (SyscallException e) {
            fail(new LaunchException("proceed", null, e.errno(), "the executor is gone"));
        }
    }

    /**
     * Blocks until the container process is ready: CREATE, blocked opening the exec fifo (until
     * {@code start}); RUN and EXEC, exec'ed. In DETACH mode the executor has exited when this returns.
     *
     * @throws LaunchException with the executor's step, path and errno; the container process and the
     *         executor are dead and reaped by then
     */
    public void awaitReady() {
        if (ready) return;
        if (!proceeded) proceed();
        while (true) {
            String[] m = receive();
            if (m == null) fail(new LaunchException("launch", null, 0, "the executor exited before the container was ready ("
                    + describeStatus(reapExecutor()) + ")"));
            switch (m[0]) {
                case "ready" -> {
                    ready = true;
                    if (supervision == Supervision.DETACH) reapExecutor();
                    return;
                }
                case "error" -> fail(error(m));
                default -> { /* unknown notices are ignored: newer executor, older Java is impossible (same jar) */ }
            }
        }
    }

    /**
     * FOREGROUND only: waits until the container process exits and returns its exit code (128+n when
     * killed by signal n), as the executor relays it.
     */
    public int waitFor() {
        if (supervision != Supervision.FOREGROUND) throw new IllegalStateException("waitFor needs a FOREGROUND launch");
        if (exitCode != null) return exitCode;
        awaitReady();
        while (true) {
            String[] m = receive();
            if (m == null) {
                exitCode = Pidfd.exitCode(reapExecutor());
                return exitCode;
            }
            if (m[0].equals("exit")) {
                exitCode = Integer.parseInt(m[1]);
                reapExecutor();
                return exitCode;
            }
        }
    }

    /** Sends a signal to the container process (through its pidfd); false if it has exited. */
    public boolean signal(int signal) {
        Pidfd p = process;
        return p != null && p.signal(signal);
    }

    @Override
    public void close() {
        boolean running = !failed && (!ready || (supervision == Supervision.FOREGROUND && exitCode == null));
        if (running) {
            if (process != null) process.signal(SIGKILL);
            if (executor != null) executor.signal(SIGKILL);
        }
        reapExecutor();
        if (process != null) process.close();
        if (executor != null) executor.close();
        if (sync >= 0) {
            Fds.close(sync);
            sync = -1;
        }
    }

    // ---- internals ----

    void awaitPid() {
        String[] m = receive();
        if (m == null) fail(new LaunchException("launch", null, 0, "the executor exited before reporting a pid ("
                + describeStatus(reapExecutor()) + ")"));
        if (m[0].equals("error")) fail(error(m));
        if (!m[0].equals("pid")) fail(new LaunchException("launch", null, 0, "unexpected executor message: " + String.join(" ", m)));
        pid = Integer.parseInt(m[1]);
        try {
            process = Pidfd.open(pid);
        } catch (SyscallException e) {
            fail(new LaunchException("launch", null, e.errno(), "container process " + pid + " vanished"));
        }
    }

    private void requirePid() {
        if (pid < 0) throw new IllegalStateException("no pid reported");
        if (failed) throw new IllegalStateException("launch failed");
    }

    /** One message from the executor, decoded into fields; null at end of stream (executor gone). */
    private String[] receive() {
        Fds.Message msg = Fds.receive(sync, 1 << 16);
        for (int fd : msg.fds()) Fds.close(fd);
        if (msg.data().length == 0) return null;
        String[] raw = new String(msg.data(), StandardCharsets.ISO_8859_1).split(" ", -1);
        String[] out = new String[raw.length];
        out[0] = raw[0];
        for (int i = 1; i < raw.length; i++) out[i] = PlanCodec.decodeField(raw[i]);
        return out;
    }

    private static LaunchException error(String[] m) {
        // error <step> <path> <errno> <detail>
        String step = m.length > 1 ? m[1] : "launch";
        String path = m.length > 2 ? m[2] : null;
        int errno = m.length > 3 ? Integer.parseInt(m[3]) : 0;
        String detail = m.length > 4 ? m[4] : null;
        return new LaunchException(step, path, errno, detail);
    }

    /** Kills what is left, reaps the executor, and throws {@code e}. */
    private void fail(LaunchException e) {
        failed = true;
        if (process != null) process.signal(SIGKILL);
        if (executor != null && !executorReaped) {
            // the executor reaps the container process before it exits; give it the chance, then insist
            if (!executor.awaitExit(java.time.Duration.ofSeconds(5))) executor.signal(SIGKILL);
        }
        reapExecutor();
        throw e;
    }

    private int reapExecutor() {
        if (!executorReaped) {
            executorStatus = spawner.waitChild(executorPid);
            executorReaped = true;
        }
        return executorStatus;
    }

    private static String describeStatus(int status) {
        int sig = status & 0x7f;
        return sig == 0 ? "exit status " + ((status >> 8) & 0xff) : "killed by signal " + sig;
    }
}
