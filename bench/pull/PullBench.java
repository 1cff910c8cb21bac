import dev.hako.image.store.ImageService;
import dev.hako.image.store.ProgressListener;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Warm-JVM pull benchmark: pulls one image N times in this JVM, each into a fresh empty root, and prints
 * each pull's wall time and this process's CPU time (user + sys) during it. Run by bench/pull-warm.sh.
 * Usage: java -cp <hako jars> PullBench.java REF N WORKDIR
 */
public final class PullBench {
    /** -Dbench.timeline=true: when each layer reached each status (ms after the pull started). */
    private static final boolean TIMELINE = Boolean.getBoolean("bench.timeline");
    /** -Dbench.skopeo=true: a skopeo copy after each pull, so both see the same machine load. */
    private static final boolean SKOPEO = Boolean.getBoolean("bench.skopeo");

    private static final class Timeline implements ProgressListener {
        private final long t0;
        private final java.util.Map<String, StringBuilder> layers = new java.util.TreeMap<>();
        private final java.util.Map<String, String> last = new java.util.HashMap<>();

        Timeline(long t0) { this.t0 = t0; }

        private long resolvedAt = -1;

        @Override public synchronized void message(String line) { if (resolvedAt < 0) resolvedAt = (System.nanoTime() - t0) / 1_000_000; }

        @Override
        public synchronized void update(String id, String status, long current, long total) {
            if (status.equals(last.put(id, status))) return;   // progress updates of the same status
            layers.computeIfAbsent(id, k -> new StringBuilder())
                    .append(String.format(" %s@%d", status.replace(" ", "_"), (System.nanoTime() - t0) / 1_000_000));
        }

        synchronized void print() {
            System.out.println("  manifest resolved@" + resolvedAt);
            layers.forEach((id, sb) -> System.out.println("  " + id + ":" + sb));
        }
    }

    public static void main(String[] args) throws Exception {
        String ref = args[0];
        int n = Integer.parseInt(args[1]);
        Path work = Path.of(args[2]);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<double[]> runs = new ArrayList<>(), skopeo = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            Path root = work.resolve("root-" + i);
            sync();
            long alloc0 = threads.getTotalThreadAllocatedBytes();
            long cpu0 = os.getProcessCpuTime(), t0 = System.nanoTime();
            Timeline timeline = new Timeline(t0);
            new ImageService(root).pull(ref, null, TIMELINE ? timeline : ProgressListener.NONE, true);
            long t1 = System.nanoTime(), cpu1 = os.getProcessCpuTime();
            long alloc = threads.getTotalThreadAllocatedBytes() - alloc0;
            double wall = (t1 - t0) / 1e9, cpu = (cpu1 - cpu0) / 1e9;
            runs.add(new double[] {wall, cpu});
            System.out.printf("pull %2d: %6.3f s wall %6.3f s cpu %5d MB allocated%n", i, wall, cpu, alloc >> 20);
            if (TIMELINE) timeline.print();
            new ProcessBuilder("rm", "-rf", "--one-file-system", root.toString()).inheritIO().start().waitFor();
            if (SKOPEO) skopeo.add(skopeo(ref, work.resolve("skopeo-" + i), i));
        }
        // the first pulls include class loading and JIT: report the later half
        List<double[]> warm = runs.subList(n / 2, n);
        System.out.printf("warm (pulls %d-%d): median %.3f s wall, %.3f s cpu%n", n / 2 + 1, n,
                median(warm, 0), median(warm, 1));
        if (SKOPEO) {
            List<double[]> sk = skopeo.subList(n / 2, n);
            System.out.printf("skopeo copy (runs %d-%d, each right after the pull of the same number): median %.3f s wall, %.3f s cpu%n",
                    n / 2 + 1, n, median(sk, 0), median(sk, 1));
            System.out.printf("ratio hako warm pull / skopeo copy: wall %.2f, cpu %.2f (< 1 = hako faster)%n",
                    median(warm, 0) / median(sk, 0), median(warm, 1) / median(sk, 1));
        }
    }

    /** skopeo copy to an OCI dir (download + verify, no unpack): wall and user+sys CPU of the process. */
    private static double[] skopeo(String ref, Path dir, int i) throws Exception {
        Path cpuFile = dir.resolveSibling(dir.getFileName() + ".cpu");
        sync();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("/usr/bin/time", "-f", "%U %S", "-o", cpuFile.toString(), "skopeo", "copy", "-q",
                "--src-tls-verify=false", "docker://" + ref, "oci:" + dir + ":bench").inheritIO().start();
        if (p.waitFor() != 0) throw new IllegalStateException("skopeo copy failed");
        double wall = (System.nanoTime() - t0) / 1e9;
        String[] us = java.nio.file.Files.readString(cpuFile).trim().split("\\s+");
        double cpu = Double.parseDouble(us[us.length - 2]) + Double.parseDouble(us[us.length - 1]);
        System.out.printf("skopeo %2d: %6.3f s wall %6.3f s cpu%n", i, wall, cpu);
        new ProcessBuilder("rm", "-rf", dir.toString(), cpuFile.toString()).inheritIO().start().waitFor();
        return new double[] {wall, cpu};
    }

    private static double median(List<double[]> runs, int k) {
        double[] v = runs.stream().mapToDouble(r -> r[k]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void sync() throws Exception {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
    }
}
