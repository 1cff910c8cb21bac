package dev.hako.engine.lifecycle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

/**
 * hako-init (kernel/src/main/c/hako-init.c), the PID 1 of {@code --init}: shipped in the kernel jar beside the
 * executor (or named by -Dhako.init), installed once under {@code <root>/libexec/} to be bind-mounted read-only.
 * A changed binary replaces the file by rename, so running containers keep the one they have.
 */
public final class InitBinary {
    public static final String PROPERTY = "hako.init", CONTAINER_PATH = "/sbin/docker-init";

    private InitBinary() {}

    public static Path install(Path root) {
        byte[] content = content();
        Path dir = root.resolve("libexec");
        Path target = dir.resolve("hako-init");
        try {
            if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), content)) return target;
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".hako-init", ".tmp");
            try {
                Files.write(tmp, content);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r-xr-xr-x"));
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("install " + target + ": " + e.getMessage(), e);
        }
    }

    private static byte[] content() {
        String file = System.getProperty(PROPERTY);
        try {
            if (file != null && !file.isEmpty()) return Files.readAllBytes(Path.of(file));
            try (InputStream in = InitBinary.class.getResourceAsStream("/dev/hako/kernel/hako-init")) {
                if (in == null) throw new IllegalStateException("the init binary is missing: no resource dev/hako/kernel/hako-init and no -D" + PROPERTY);
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("read the init binary: " + e.getMessage(), e);
        }
    }
}
