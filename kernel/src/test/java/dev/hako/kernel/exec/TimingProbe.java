package dev.hako.kernel.exec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;

class TimingProbe {
    @TempDir Path tmp;
    @Test
    void time() {
        String rootfs = Containers.busyboxRootfs(tmp.resolve("r")).toString();
        LaunchPlan plan = PlanBuilder.typical(rootfs, "true").build();
        for (int i = 0; i < 5; i++) Containers.run(plan);
        int n = 30;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) Containers.run(plan);
        long t1 = System.nanoTime();
        System.out.println("TIMING run true: " + (t1 - t0) / n / 1000 + " us");
        t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (Launch l = Executor.launch(plan, Stdio.nulls(), Supervision.FOREGROUND)) { l.proceed(); l.awaitReady(); l.waitFor(); }
        }
        t1 = System.nanoTime();
        System.out.println("TIMING run true nulls: " + (t1 - t0) / n / 1000 + " us");
    }
}
