package dev.hako.oci;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Crash-safe file replacement: write a temp file beside the target, fsync it, rename over. */
public final class AtomicFiles {
    private AtomicFiles() {}

    public static void write(Path target, byte[] content) { write(target, content, null); }

    /**
     * As {@link #write(Path, byte[])}, the new file created with {@code permissions} (under the umask) from the
     * start, so it is never more open than that, not even for a moment (credentials); null: the default mode.
     */
    public static void write(Path target, byte[] content, Set<PosixFilePermission> permissions) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid()
                + "-" + Thread.currentThread().threadId());
        try {
            Files.createDirectories(dir);
            FileAttribute<?>[] attrs = {};
            if (permissions != null) {
                Files.deleteIfExists(tmp);   // a leftover would keep its own mode
                attrs = new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)};
            }
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING), attrs)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try { Files.deleteIfExists(tmp); } catch (IOException ignored) { }
            throw new UncheckedIOException("write " + target + ": " + e.getMessage(), e);
        }
    }
}
