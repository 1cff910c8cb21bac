package dev.hako.runtime.cgroups;

/** OCI (v1-shaped) values → cgroup v2 values, with the formulas runc uses. */
public final class Conversions {
    private Conversions() {}

    /**
     * cpu.shares [2..262144] → cpu.weight [1..10000]. The quadratic-in-log2 curve that current
     * runc/crun use: it maps 2→1, 1024→100 (both defaults) and 262144→10000; the older linear
     * formula put the default 1024 at weight 39.
     */
    public static long sharesToWeight(long shares) {
        if (shares == 0) return 0;
        if (shares <= 2) return 1;
        if (shares >= 262144) return 10000;
        double l = Math.log(shares) / Math.log(2);
        double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
        return (long) Math.ceil(Math.pow(10, exponent));
    }

    /**
     * OCI memory.swap is the memory+swap limit; v2's memory.swap.max is swap alone.
     * 0 = unset, -1 = unlimited; unlimited memory with unset swap means unlimited swap.
     */
    public static long swapToV2(long swap, long memory) {
        if (memory == -1 && swap == 0) return -1;
        if (swap == -1 || swap == 0) return swap;
        if (memory == 0 || memory == -1) throw new CgroupException("linux.resources.memory.swap needs a memory limit on cgroup v2");
        if (memory < 0) throw new CgroupException("invalid linux.resources.memory.limit " + memory);
        if (swap < memory) {
            throw new CgroupException("linux.resources.memory.swap " + swap + " (memory+swap) is below the memory limit " + memory);
        }
        return swap - memory;
    }

    /** blkio weight [10..1000] → io.weight [1..10000]. */
    public static long blkioWeightToIoWeight(long weight) {
        if (weight == 0) return 0;
        return 1 + (weight - 10) * 9999 / 990;
    }
}
