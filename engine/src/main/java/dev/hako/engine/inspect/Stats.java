package dev.hako.engine.inspect;

import dev.hako.runtime.cgroups.CgroupStats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One reading of a container's resource use, as docker stats computes its columns: memory usage without the
 * inactive page cache, the limit capped at the host's memory, network bytes of the container's network
 * namespace (its interfaces but lo), block I/O bytes from blkio. CPU % needs two readings ({@link #cpuPercent}).
 *
 * @param cpuTotal    the container's CPU time, ns
 * @param systemCpu   the host's CPU time (all CPUs, /proc/stat), ns
 * @param onlineCpus  CPUs online on the host
 */
public record Stats(String id, String name, boolean running, long cpuTotal, long systemCpu, int onlineCpus,
                    long memUsage, long memLimit, long netRx, long netTx, long blockRead, long blockWrite, long pids) {

    /** A stopped container's row (docker stats -a). */
    public static Stats stopped(String id, String name) {
        return new Stats(id, name, false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** A reading from the cgroup counters and the netns of {@code pid} (the container's init). */
    public static Stats read(String id, String name, CgroupStats c, long pid) {
        long usage = c.memory().usage().usage();
        // docker (cgroup v1): usage minus total_inactive_file; v2: minus inactive_file
        Long inactive = c.memory().raw().get("total_inactive_file");
        if (inactive == null) inactive = c.memory().raw().get("inactive_file");
        if (inactive != null && inactive < usage) usage -= inactive;
        long limit = c.memory().usage().limit();
        long host = hostMemory();
        if (limit <= 0 || (host > 0 && Long.compareUnsigned(limit, host) > 0)) limit = host;
        long read = 0, write = 0;
        for (CgroupStats.BlkioEntry e : c.blkio().ioServiceBytesRecursive()) {
            if (e.op() == null) continue;
            if (e.op().equalsIgnoreCase("read")) read += e.value();
            else if (e.op().equalsIgnoreCase("write")) write += e.value();
        }
        long[] net = netDev(pid);
        return new Stats(id, name, true, c.cpu().usage().total(), readSystemCpu(), readOnlineCpus(), usage, limit,
                net[0], net[1], read, write, c.pids().current());
    }

    /** docker's calculateCPUPercentUnix: container CPU delta over host CPU delta, times the CPUs, in percent. */
    public static double cpuPercent(Stats before, Stats now) {
        if (before == null || !now.running() || !before.running()) return 0;
        double cpuDelta = now.cpuTotal() - before.cpuTotal();
        double systemDelta = now.systemCpu() - before.systemCpu();
        if (cpuDelta <= 0 || systemDelta <= 0) return 0;
        return cpuDelta / systemDelta * now.onlineCpus() * 100.0;
    }

    public double memPercent() { return memLimit == 0 ? 0 : memUsage * 100.0 / memLimit; }

    /** The host's CPU time in ns: the first line of /proc/stat (user … steal), in clock ticks of 1/100 s. */
    static long readSystemCpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (!line.startsWith("cpu ")) continue;
                String[] f = line.trim().split("\\s+");
                long ticks = 0;
                for (int i = 1; i < Math.min(f.length, 9); i++) ticks += Long.parseLong(f[i]);
                return ticks * (1_000_000_000L / 100);
            }
        } catch (IOException | NumberFormatException e) {
            // no reading: CPU % shows 0
        }
        return 0;
    }

    /** sysconf(_SC_NPROCESSORS_ONLN): the ranges in /sys/devices/system/cpu/online ("0-3,6"). */
    static int readOnlineCpus() {
        try {
            int n = 0;
            for (String range : Files.readString(Path.of("/sys/devices/system/cpu/online")).trim().split(",")) {
                String[] ab = range.split("-");
                n += ab.length == 1 ? 1 : Integer.parseInt(ab[1]) - Integer.parseInt(ab[0]) + 1;
            }
            return n;
        } catch (IOException | NumberFormatException e) {
            return java.lang.Runtime.getRuntime().availableProcessors();
        }
    }

    static long hostMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
        } catch (IOException | NumberFormatException e) {
            // unknown: the cgroup's limit stays
        }
        return 0;
    }

    /** Received and transmitted bytes of every interface but lo in the network namespace of {@code pid}. */
    static long[] netDev(long pid) {
        long rx = 0, tx = 0;
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/" + pid + "/net/dev"));
            for (String line : lines.subList(Math.min(2, lines.size()), lines.size())) {
                int colon = line.indexOf(':');
                if (colon < 0 || line.substring(0, colon).trim().equals("lo")) continue;
                String[] f = line.substring(colon + 1).trim().split("\\s+");
                if (f.length < 9) continue;
                rx += Long.parseLong(f[0]);
                tx += Long.parseLong(f[8]);
            }
        } catch (IOException | NumberFormatException e) {
            // the container just exited: no network figures
        }
        return new long[] {rx, tx};
    }
}
