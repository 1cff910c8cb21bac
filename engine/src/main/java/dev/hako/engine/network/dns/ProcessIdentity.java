package dev.hako.engine.network.dns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A process named by pid and its kernel start time (field 22 of /proc/PID/stat), so a recycled pid is never
 * mistaken for the responder. Stored as one line "PID STARTTIME" in a pid file.
 */
record ProcessIdentity(long pid, long startTime) {

    /** The identity of a live process, or null if there is no such process. */
    static ProcessIdentity of(long pid) {
        long st = startTime(pid);
        return st < 0 ? null : new ProcessIdentity(pid, st);
    }

    /** The identity in a pid file, or null if the file is missing or unreadable. */
    static ProcessIdentity read(Path pidFile) {
        try {
            String[] f = Files.readString(pidFile, StandardCharsets.UTF_8).trim().split("\\s+");
            return f.length == 2 ? new ProcessIdentity(Long.parseLong(f[0]), Long.parseLong(f[1])) : null;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    boolean alive() { return startTime(pid) == startTime; }

    void write(Path pidFile) throws IOException {
        Path tmp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp" + pid);
        Files.writeString(tmp, pid + " " + startTime + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, pidFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Field 22 of /proc/PID/stat, or -1 if the process is gone (zombies count as gone). */
    static long startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            if (f[0].equals("Z") || f[0].equals("X")) return -1;
            return Long.parseLong(f[19]); // fields after "(comm)" start at field 3 (state)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
