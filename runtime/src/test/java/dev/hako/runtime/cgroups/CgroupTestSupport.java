package dev.hako.runtime.cgroups;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Test processes that wait for "go" on stdin, so they can be put into a cgroup before they act. */
final class CgroupTestSupport implements AutoCloseable {
    final List<Process> processes = new ArrayList<>();
    final List<CgroupManager> managers = new ArrayList<>();

    static String uniqueName() {
        return "hako-test-cgroups-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
    }

    /** Starts {@code sh -c 'read go; <script>'}; call {@link #go} after adding it to the cgroup. */
    Process start(String script) throws IOException {
        Process p = new ProcessBuilder("/bin/sh", "-c", "read go; " + script)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        return p;
    }

    static void go(Process p) throws IOException {
        OutputStream in = p.getOutputStream();
        in.write("go\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    CgroupManager track(CgroupManager m) {
        managers.add(m);
        return m;
    }

    static String read(Path p) throws IOException {
        return Files.readString(p).trim();
    }

    /** Polls until the condition holds; fails after {@code seconds} (a bound, not a timing assertion). */
    static void await(String what, int seconds, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    @Override
    public void close() throws Exception {
        for (Process p : processes) p.destroyForcibly();
        for (CgroupManager m : managers) {
            try {
                m.thaw();
            } catch (RuntimeException ignored) {
                // not frozen / no freezer
            }
            m.destroy(true);
        }
        for (Process p : processes) p.waitFor(10, TimeUnit.SECONDS);
    }
}
