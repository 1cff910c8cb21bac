package dev.hako.runtime.cli;

import dev.hako.kernel.fs.ExactModeFile;

import java.nio.file.Path;
import java.util.Map;

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
        return new Caller(Path.of("").toAbsolutePath(), System.getenv(), -1, ExactModeFile.processUmask());
    }

    /** {@code mode} with the caller's umask applied, as its own open(2) or mkdir(2) would create it. */
    public int mode(int mode) { return mode & ~umask; }

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
