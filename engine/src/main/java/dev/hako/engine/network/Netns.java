package dev.hako.engine.network;

import dev.hako.engine.EngineException;
import dev.hako.kernel.fs.Fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Persistent network namespaces, as `ip netns add` makes them: an empty file with the namespace's nsfs inode
 * bind-mounted on it, so it outlives every process in it and CNI plugins can enter it by path. The namespace is
 * made by util-linux unshare(1) in a child process (a JVM thread can't safely unshare), which also brings lo up.
 */
public final class Netns {
    private Netns() {}

    /** Makes a new network namespace bound at {@code path} with lo up. */
    public static void create(Path path) {
        try {
            Files.createDirectories(path.getParent());
            if (Files.exists(path)) remove(path);
            Files.createFile(path);
        } catch (IOException e) {
            throw new EngineException("create network namespace " + path + ": " + e.getMessage(), e);
        }
        String out;
        int code;
        try {
            Process p = new ProcessBuilder("unshare", "--net=" + path, "ip", "link", "set", "lo", "up")
                    .redirectErrorStream(true).start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                out = "timed out";
            }
            code = p.isAlive() ? -1 : p.exitValue();
        } catch (IOException e) {
            out = e.getMessage();
            code = -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out = "interrupted";
            code = -1;
        }
        if (code != 0) {
            remove(path);
            throw new EngineException("create network namespace " + path + ": unshare: " + out);
        }
    }

    /** Unmounts (lazily: a plugin may still hold it open) and deletes; nothing if it is not there. */
    public static void remove(Path path) {
        try {
            Fs.umount2(path.toString(), Fs.MNT_DETACH);
        } catch (RuntimeException e) {
            // not mounted (EINVAL) or gone (ENOENT)
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new EngineException("remove network namespace " + path + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code path} has a namespace bound on it (its device differs from its directory's). */
    public static boolean mounted(Path path) {
        try {
            return !Files.getAttribute(path, "unix:dev").equals(Files.getAttribute(path.getParent(), "unix:dev"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
