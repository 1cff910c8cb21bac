package dev.hako.runtime.cgroups;

import dev.hako.kernel.Errno;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Helpers shared by the managers: directory create/remove, pid files, value parsing. */
final class CgroupFiles {
    private CgroupFiles() {}

    /** mkdir -p below {@code root} for {@code path} ("/a/b"); returns the directories that were newly made. */
    static List<Path> mkdirs(Path root, String path) {
        List<Path> made = new ArrayList<>();
        Path dir = root;
        for (String part : path.split("/")) {
            if (part.isEmpty()) continue;
            dir = dir.resolve(part);
            int e = CgroupFs.mkdir(dir);
            if (e == 0) made.add(dir);
            else if (e != Errno.EEXIST) throw CgroupException.syscall("mkdir", dir.toString(), e, null);
        }
        return made;
    }

    /** The directories from {@code root}'s child down to {@code path}'s leaf. */
    static List<Path> chain(Path root, String path) {
        List<Path> out = new ArrayList<>();
        Path dir = root;
        for (String part : path.split("/")) {
            if (part.isEmpty()) continue;
            dir = dir.resolve(part);
            out.add(dir);
        }
        return out;
    }

    static String read(Path file) {
        return CgroupFs.read(file).trim();
    }

    /** Parses a number; "max" (and v1's huge "unlimited" values stay as read) → -1. */
    static long parseLong(String s) {
        String t = s.trim();
        if (t.equals("max")) return -1;
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            try {
                return Long.parseUnsignedLong(t);
            } catch (NumberFormatException e2) {
                throw new CgroupException("unexpected number \"" + t + "\"");
            }
        }
    }

    static long readLong(Path file) {
        String s = read(file);
        try {
            return parseLong(s);
        } catch (CgroupException e) {
            throw new CgroupException("parse " + file + ": " + e.getMessage());
        }
    }

    /** readLong, or 0 when the file does not exist (optional counters). */
    static long readLongOr0(Path file) {
        if (!Files.exists(file)) return 0;
        return readLong(file);
    }

    /** A flat keyed file ("key value" per line), e.g. memory.stat, cpu.stat, cgroup.events. */
    static Map<String, Long> readKeyed(Path file) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (!Files.exists(file)) return out;
        for (String line : read(file).split("\n")) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length == 2) {
                try {
                    out.put(kv[0], parseLong(kv[1]));
                } catch (CgroupException ignored) {
                    // non-numeric value: not a counter
                }
            }
        }
        return out;
    }

    static List<Long> parseLongs(String s) {
        List<Long> out = new ArrayList<>();
        for (String t : s.trim().split("\\s+")) if (!t.isEmpty()) out.add(parseLong(t));
        return out;
    }

    /** "0-2,4" → [0,1,2,4]. */
    static List<Integer> parseCpuList(String s) {
        List<Integer> out = new ArrayList<>();
        for (String part : s.trim().split(",")) {
            if (part.isEmpty()) continue;
            int dash = part.indexOf('-');
            if (dash < 0) out.add(Integer.parseInt(part));
            else for (int i = Integer.parseInt(part.substring(0, dash)); i <= Integer.parseInt(part.substring(dash + 1)); i++) out.add(i);
        }
        return out;
    }

    /** Writes a pid to cgroup.procs; EINVAL can mean the task is still TASK_NEW, so retry briefly (as runc). */
    static void writePid(Path procs, long pid) {
        int e = 0;
        for (int i = 0; i < 5; i++) {
            e = CgroupFs.tryWrite(procs, Long.toString(pid));
            if (e == 0) return;
            if (e != Errno.EINVAL) break;
            sleep(30);
        }
        throw CgroupException.syscall("write", procs.toString(), e, "pid " + pid);
    }

    /** Pids in {@code dir}'s cgroup.procs and every descendant's. Missing dir → empty. */
    static List<Long> pidsRecursive(Path dir) {
        List<Long> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        for (Path d : subtreeBottomUp(dir)) {
            Path procs = d.resolve("cgroup.procs");
            String text;
            try {
                text = CgroupFs.read(procs);
            } catch (CgroupException e) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENODEV) continue; // removed meanwhile
                throw e;
            }
            for (String line : text.split("\n")) if (!line.isBlank()) out.add(Long.parseLong(line.trim()));
        }
        return out;
    }

    /** {@code dir} and all cgroup directories below it, children before parents. */
    static List<Path> subtreeBottomUp(Path dir) {
        List<Path> out = new ArrayList<>();
        collect(dir, out);
        return out;
    }

    private static void collect(Path dir, List<Path> out) {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) collect(p, out);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new CgroupException("list " + dir + ": " + e.getMessage(), 0, e);
        }
        out.add(dir);
    }

    /**
     * rmdir the subtree bottom-up. EBUSY right after the last process exited is transient (the
     * kernel still tears the css down), so retry for a short while before reporting it.
     */
    static void removeTree(Path dir) {
        if (!Files.isDirectory(dir)) return;
        for (Path d : subtreeBottomUp(dir)) {
            long delay = 5;
            for (int attempt = 0; ; attempt++) {
                int e = CgroupFs.rmdir(d);
                if (e == 0 || e == Errno.ENOENT) break;
                // Busy with live processes is not transient: report it at once.
                if (e == Errno.EBUSY && attempt < 8 && pidsRecursive(d).isEmpty()) {
                    sleep(delay);
                    delay = Math.min(delay * 2, 200);
                    continue;
                }
                throw CgroupException.syscall("rmdir", d.toString(), e,
                        e == Errno.EBUSY ? "processes remain: " + pidsRecursive(d) : null);
            }
        }
    }

    /** /sys/kernel/mm/hugepages/hugepages-2048kB → "2MB" (the names cgroup files and the spec use). */
    static List<String> hugePageSizes() {
        List<String> out = new ArrayList<>();
        Path dir = Path.of("/sys/kernel/mm/hugepages");
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("hugepages-") && n.endsWith("kB")) {
                    out.add(hugePageName(Long.parseLong(n.substring("hugepages-".length(), n.length() - 2)) * 1024));
                }
            }
        } catch (IOException e) {
            throw new CgroupException("list " + dir + ": " + e.getMessage(), 0, e);
        }
        return out;
    }

    static String hugePageName(long bytes) {
        String[] units = {"B", "KB", "MB", "GB", "TB", "PB"};
        int u = 0;
        double v = bytes;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return ((long) v == v ? Long.toString((long) v) : Double.toString(v)) + units[u];
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CgroupException("interrupted");
        }
    }
}
