package dev.hako.runtime.cli;

import dev.hako.kernel.Native;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The process a command was run by: relative paths are resolved against its working directory, and paths
 * naming "this process" ({@code /proc/self/...}, {@code /dev/stdout}, {@code /dev/fd/N}) mean it, not the JVM
 * serving the command (the runtime service runs commands for other processes).
 *
 * @param pid   the caller's pid, or -1 when it is this JVM (the plain CLI)
 * @param umask the caller's umask: files made for it get {@code mode & ~umask}, set explicitly, since a service's
 *              own umask is process-wide and shared by the commands it runs at once
 */
public record Caller(Path cwd, Map<String, String> env, long pid, int umask) {

    public Caller {
        if ((umask & ~0777) != 0) throw new IllegalArgumentException("umask " + Integer.toOctalString(umask));
    }

    /** This JVM as its own caller: the plain `hako-runtime` path and in-process tests. */
    public static Caller self() {
        return new Caller(Path.of("").toAbsolutePath(), System.getenv(), -1, OwnUmask.VALUE);
    }

    /** {@code mode} with the caller's umask applied, as its own open(2) or mkdir(2) would create it. */
    public int mode(int mode) { return mode & ~umask; }

    /** This process's umask, read once: from /proc (no window in which it is changed), else by setting it back. */
    private static final class OwnUmask {
        static final int VALUE = read();

        private static int read() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("Umask:")) return Integer.parseInt(line.substring(6).strip(), 8) & 0777;
                }
            } catch (IOException | NumberFormatException e) {
                // no procfs: ask the kernel
            }
            try {
                MethodHandle umask = Native.plainFunction("umask", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
                int old = (int) umask.invokeExact(022);
                int ignored = (int) umask.invokeExact(old);
                return old & 0777;
            } catch (Throwable t) {
                return 022;
            }
        }
    }

    /** {@code path} as the caller means it: absolute, and about the caller's own fds and /proc entry. */
    public Path resolve(String path) {
        if (pid > 0) {
            String fds = "/proc/" + pid + "/fd/";
            switch (path) {
                case "/dev/stdin" -> { return Path.of(fds + "0"); }
                case "/dev/stdout" -> { return Path.of(fds + "1"); }
                case "/dev/stderr" -> { return Path.of(fds + "2"); }
                default -> { }
            }
            if (path.startsWith("/dev/fd/")) return Path.of(fds + path.substring("/dev/fd/".length()));
            if (path.equals("/proc/self") || path.startsWith("/proc/self/")) return Path.of("/proc/" + pid + path.substring("/proc/self".length()));
        }
        return cwd.resolve(path);
    }
}
