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
    public static void main(String[] args) throws Exception {
        String ref = args[0];
        int n = Integer.parseInt(args[1]);
        Path work = Path.of(args[2]);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        List<double[]> runs = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            Path root = work.resolve("root-" + i);
            sync();
            long cpu0 = os.getProcessCpuTime(), t0 = System.nanoTime();
            new ImageService(root).pull(ref, null, ProgressListener.NONE, true);
            long t1 = System.nanoTime(), cpu1 = os.getProcessCpuTime();
            double wall = (t1 - t0) / 1e9, cpu = (cpu1 - cpu0) / 1e9;
            runs.add(new double[] {wall, cpu});
            System.out.printf("pull %2d: %6.3f s wall %6.3f s cpu%n", i, wall, cpu);
            new ProcessBuilder("rm", "-rf", "--one-file-system", root.toString()).inheritIO().start().waitFor();
        }
        // the first pulls include class loading and JIT: report the later half
        List<double[]> warm = runs.subList(n / 2, n);
        System.out.printf("warm (pulls %d-%d): median %.3f s wall, %.3f s cpu%n", n / 2 + 1, n,
                median(warm, 0), median(warm, 1));
    }

    private static double median(List<double[]> runs, int k) {
        double[] v = runs.stream().mapToDouble(r -> r[k]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void sync() throws Exception {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
    }
}
