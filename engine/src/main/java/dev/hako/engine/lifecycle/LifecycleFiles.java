package dev.hako.engine.lifecycle;

import dev.hako.kernel.fs.LockFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;

/**
 * The files through which hako commands and the container's monitor (kernel/src/main/c/lifecycle.c) share a
 * container's life, in its directory:
 * <ul>
 * <li>{@code restart}: "POLICY MAX COUNT TIMEOUT_MS": written at each user start (count 0), then the monitor's</li>
 * <li>{@code restart.cmd}: the command line the monitor execs to start the container again (NUL-separated)</li>
 * <li>{@code stopped}: the user stopped, killed or removed it; written before the signal, so the monitor that
 *     sees the death also sees the mark</li>
 * <li>{@code restarting}: "PID STARTTIME EXITCODE" while the monitor waits its backoff or runs the restart</li>
 * <li>{@code monitor}: "PID STARTTIME" of the live monitor</li>
 * <li>{@code lifecycle.lock}: held by a stop while marking and by a restart while checking and starting</li>
 * </ul>
 */
public final class LifecycleFiles {
    public static final String RESTART = "restart", CMD = "restart.cmd", STOPPED = "stopped", RESTARTING = "restarting",
            MONITOR = "monitor", LOCK = "lifecycle.lock";

    private final Path dir;

    public LifecycleFiles(Path containerDir) { this.dir = containerDir; }

    /** Held while a stop marks the container or a monitor-driven restart checks the mark and starts it. */
    public LockFile lock() {
        // an flock: a stop in another command of this JVM waits like one in another process
        return LockFile.exclusive(dir.resolve(LOCK));
    }

    /** At a user start: the policy with a fresh count, and how the monitor brings the container back. */
    public void writePolicy(RestartPolicy p, List<String> command) {
        writeAtomic(RESTART, (p.name() + " " + p.maxRetries() + " 0 0\n").getBytes(StandardCharsets.US_ASCII));
        if (p.none()) {
            delete(CMD);
            return;
        }
        StringBuilder b = new StringBuilder();
        for (String a : command) b.append(a).append('\0');
        writeAtomic(CMD, b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** docker's RestartCount: restarts by the policy since the last user start. */
    public int restartCount() {
        String[] f = fields(RESTART);
        try {
            return f.length >= 3 ? Integer.parseInt(f[2]) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public void markStopped() { writeAtomic(STOPPED, new byte[0]); }

    public void clearStopped() { delete(STOPPED); }

    public boolean stopped() { return Files.exists(dir.resolve(STOPPED)); }

    /** While the monitor waits its backoff (or the restart it execs runs): the exit code and when, else null. */
    public Restarting restarting() {
        String[] f = fields(RESTARTING);
        if (f.length < 3) return null;
        try {
            if (!ProcessIdentity.alive(Integer.parseInt(f[0]), Long.parseLong(f[1]))) return null;
            return new Restarting(Integer.parseInt(f[2]), Files.getLastModifiedTime(dir.resolve(RESTARTING)).toInstant());
        } catch (NumberFormatException | IOException e) {
            return null;
        }
    }

    public record Restarting(int exitCode, Instant since) {}

    public void clearRestarting() { delete(RESTARTING); }

    /** Removes the marker if process {@code pid} wrote it. */
    public void clearRestartingOf(long pid) {
        String[] f = fields(RESTARTING);
        if (f.length >= 1 && f[0].equals(Long.toString(pid))) clearRestarting();
    }

    /**
     * Ends a monitor waiting its backoff (or the restart command it became, before it took the lock the caller
     * holds) and its marker: the container stays exited. The monitor already wrote the exit file.
     */
    public void cancelRestart() {
        String[] f = fields(RESTARTING);
        if (f.length >= 2) {
            try (var p = dev.hako.kernel.Pidfd.open(Integer.parseInt(f[0]))) {
                if (ProcessIdentity.alive(p.pid(), Long.parseLong(f[1]))) {
                    p.signal(9);
                    p.awaitExit(java.time.Duration.ofSeconds(5));
                }
            } catch (RuntimeException e) {
                // gone already
            }
        }
        clearRestarting();
    }

    /**
     * Whether this run's monitor (recorded in {@code monitor}) still runs; null when that is not known: no file yet
     * (the new monitor writes it when the container is ready; start removes the previous run's).
     */
    public Boolean monitorAlive() {
        String[] f = fields(MONITOR);
        if (f.length < 2) return null;
        try {
            return ProcessIdentity.alive(Integer.parseInt(f[0]), Long.parseLong(f[1]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public void clearMonitor() { delete(MONITOR); }

    private String[] fields(String name) {
        try {
            String s = Files.readString(dir.resolve(name), StandardCharsets.US_ASCII).trim();
            return s.isEmpty() ? new String[0] : s.split("\\s+");
        } catch (NoSuchFileException e) {
            return new String[0];
        } catch (IOException e) {
            throw new UncheckedIOException("read " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    private void writeAtomic(String name, byte[] content) {
        Path tmp = dir.resolve(name + ".tmp");
        try {
            Files.write(tmp, content);
            Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("write " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    private void delete(String name) {
        try {
            Files.deleteIfExists(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("remove " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
    }
}
