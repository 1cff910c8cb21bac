package dev.hako.kernel.exec;

import org.junit.jupiter.api.Test;

class TimingProbe {
    @Test
    void time() {
        String rootfs = Containers.sharedRootfs();
        LaunchPlan plan = PlanBuilder.typical(rootfs, "true").build();
        for (int i = 0; i < 5; i++) Containers.run(plan);
        int n = 20;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (Launch l = Executor.launch(plan, Stdio.nulls(), Supervision.FOREGROUND)) { l.proceed(); l.awaitReady(); l.waitFor(); }
        }
        long t1 = System.nanoTime();
        System.out.println("TIMING run true nulls: " + (t1 - t0) / n / 1000 + " us");
        PlanBuilder b = PlanBuilder.typical(rootfs, "true");
        b.cwd = "/proc/self/fd/5";
        LaunchPlan bad = b.build();
        for (int i = 0; i < 5; i++) {
            long a = System.nanoTime();
            Launch l = Executor.launch(bad, Stdio.nulls(), Supervision.FOREGROUND);
            long c = System.nanoTime();
            l.proceed();
            try { l.awaitReady(); } catch (LaunchException e) { }
            long d = System.nanoTime();
            l.close();
            long f = System.nanoTime();
            System.out.println("TIMING fail: launch " + (c - a) / 1000 + " ready " + (d - c) / 1000 + " close " + (f - d) / 1000);
        }
    }
}
