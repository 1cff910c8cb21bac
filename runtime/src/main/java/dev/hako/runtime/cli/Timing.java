package dev.hako.runtime.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Phase timings of one command, printed to stderr when HAKO_TRACE_TIMING is set (start-up is what a
 * runtime CLI is judged by). bin/hako-runtime passes its own start time in HAKO_TRACE_T0 (bash's
 * $EPOCHREALTIME), so the JVM's start-up shows too. Off, it costs one getenv.
 */
final class Timing {
    static final boolean ON = System.getenv("HAKO_TRACE_TIMING") != null;
    private static final List<String> names = new ArrayList<>();
    private static final List<Long> times = new ArrayList<>();
    private static long startNanos;
    private static long startMillis;
    /** Main.main's thread: the runtime service's command threads (Main.run without main) record nothing. */
    private static Thread owner;

    private Timing() {}

    /** Records the end of a phase, named by what just finished. */
    static void mark(String phase) {
        if (!ON) return;
        if (names.isEmpty()) {
            if (!phase.equals("main")) return;
            owner = Thread.currentThread();
            startNanos = System.nanoTime();
            startMillis = System.currentTimeMillis();
        }
        if (owner != Thread.currentThread()) return;
        names.add(phase);
        times.add(System.nanoTime());
    }

    static void report(PrintStream err) {
        if (!ON || names.isEmpty()) return;
        StringBuilder sb = new StringBuilder("hako-runtime timing:");
        String t0 = System.getenv("HAKO_TRACE_T0");
        if (t0 != null) {
            try {
                double launcherMs = Double.parseDouble(t0.replace(',', '.')) * 1000;
                sb.append(String.format(" jvm-start %.1f ms,", startMillis - launcherMs));
            } catch (NumberFormatException ignored) {
                // not set by our launcher
            }
        }
        long prev = startNanos;
        for (int i = 1; i < names.size(); i++) {
            sb.append(String.format(" %s %.1f ms,", names.get(i), (times.get(i) - prev) / 1e6));
            prev = times.get(i);
        }
        sb.append(String.format(" in-java %.1f ms", (prev - startNanos) / 1e6));
        err.println(sb);
        err.flush();
    }
}
