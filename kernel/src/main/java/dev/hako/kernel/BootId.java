package dev.hako.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The kernel's random id of the current boot (/proc/sys/kernel/random/boot_id): tells state left by an earlier boot. */
public final class BootId {
    private static final String ID = read();

    private BootId() {}

    /** This boot's id, e.g. "3f1c…-…"; constant for the life of the process. */
    public static String current() { return ID; }

    private static String read() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/sys/kernel/random/boot_id: " + e.getMessage(), e);
        }
    }
}
