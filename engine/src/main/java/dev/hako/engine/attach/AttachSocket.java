package dev.hako.engine.attach;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a container's monitor listens for attach clients, and what it is told at start: {@code attach.conf} in the
 * container's directory ({@code stdin 1}: docker's OpenStdin, the monitor keeps a pipe as the container's stdin).
 * The socket is {@code attach/socket}, a path socket in a 0700 directory the monitor makes.
 */
public final class AttachSocket {
    private AttachSocket() {}

    public static Path path(Path containerDir) { return containerDir.resolve("attach").resolve("socket"); }

    /** Written before each start: the monitor reads it once, before the container process exists. */
    public static void writeConfig(Path containerDir, boolean openStdin) {
        Path conf = containerDir.resolve("attach.conf");
        try {
            Path tmp = containerDir.resolve("attach.conf.tmp");
            Files.writeString(tmp, "stdin " + (openStdin ? 1 : 0) + "\n");
            Files.move(tmp, conf, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("write " + conf + ": " + e.getMessage(), e);
        }
    }
}
