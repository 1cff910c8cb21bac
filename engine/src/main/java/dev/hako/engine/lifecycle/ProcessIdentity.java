package dev.hako.engine.lifecycle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A process named by pid and start time (field 22 of /proc/PID/stat), so a reused pid is not mistaken for it. */
final class ProcessIdentity {
    private ProcessIdentity() {}

    static boolean alive(int pid, long startTime) {
        if (pid <= 0) return false;
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // f[0] is field 3 (state): a zombie has exited already
            return !f[0].equals("Z") && Long.parseLong(f[19]) == startTime;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
