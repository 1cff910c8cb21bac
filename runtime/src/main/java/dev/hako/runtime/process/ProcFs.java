package dev.hako.runtime.process;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading /proc files: some report size 0 and Files.readString returns them cut short, so stream them. */
public final class ProcFs {
    private ProcFs() {}

    public static String read(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * The start time of a process (field 22 of /proc/PID/stat, clock ticks since boot), or -1 if it is gone.
     * With the pid it identifies a process for good: a recycled pid has a later start time.
     */
    public static long startTime(long pid) {
        try {
            String stat = read(Path.of("/proc/" + pid + "/stat"));
            // comm (field 2) may contain spaces and parentheses: fields after it start after the last ')'.
            String rest = stat.substring(stat.lastIndexOf(')') + 2);
            String[] f = rest.split(" ");
            return Long.parseLong(f[19]); // rest starts at field 3 (state); field 22 is index 19
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The state letter of a process (R, S, D, Z, X, T, ...), or 0 if it is gone. */
    public static char state(long pid) {
        try {
            String stat = read(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
