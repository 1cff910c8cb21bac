package dev.hako.cli.progress;

import dev.hako.cli.format.Units;
import dev.hako.image.store.ProgressListener;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders pull/push progress like docker: on a terminal one line per layer, redrawn in place
 * ("abc123def456: Downloading [=====>     ]  12.3MB/45.6MB 8.1MB/s 4s"); otherwise one plain line
 * per status change, no bars.
 */
public final class ProgressPrinter implements ProgressListener {
    private final PrintStream out;
    private final boolean tty;
    private final int width;
    private final List<String> ids = new ArrayList<>();
    private final Map<String, Layer> layers = new HashMap<>();

    private static final class Layer {
        String status;
        long startNanos;
        long lastDrawNanos;
    }

    public ProgressPrinter(PrintStream out, boolean tty, int width) {
        this.out = out;
        this.tty = tty;
        this.width = width;
    }

    @Override
    public synchronized void message(String line) {
        out.println(line);
        ids.clear();   // lines above this one are not redrawn any more
        out.flush();
    }

    @Override
    public synchronized void update(String id, String status, long current, long total) {
        Layer l = layers.computeIfAbsent(id, k -> new Layer());
        long now = System.nanoTime();
        boolean changed = !status.equals(l.status);
        if (changed) {
            l.status = status;
            l.startNanos = now;
        }
        if (!tty) {
            if (changed) out.println(id + ": " + status);
            out.flush();
            return;
        }
        // redraw at most ~10 times a second per layer, but always on a status change
        if (!changed && now - l.lastDrawNanos < 100_000_000L && current < total) return;
        l.lastDrawNanos = now;
        String text = id + ": " + status + bar(current, total, Duration.ofNanos(now - l.startNanos));
        int index = ids.indexOf(id);
        if (index < 0) {
            ids.add(id);
            out.print(text + "\n");
        } else {
            int up = ids.size() - index;
            out.print("\033[" + up + "A\r\033[2K" + text + "\033[" + up + "B\r");
        }
        out.flush();
    }

    /** docker's JSONProgress.String(): bar when wide enough, current/total, then speed and time left. */
    String bar(long current, long total, Duration elapsed) {
        if (current < 0 || (current <= 0 && total <= 0)) return "";
        if (total <= 0) return " " + String.format("%8s", Units.humanSize(current));
        StringBuilder b = new StringBuilder(" ");
        int percent = (int) Math.min(50, (current * 100.0 / total) / 2);
        if (width > 110) b.append('[').append("=".repeat(percent)).append('>').append(" ".repeat(50 - percent)).append("] ");
        String cur = Units.humanSize(current);
        b.append(current > total ? String.format("%8s", cur) : String.format("%8s/%s", cur, Units.humanSize(total)));
        double seconds = elapsed.toNanos() / 1e9;
        if (current > 0 && seconds > 0.2 && percent < 50) {
            double rate = current / seconds;
            b.append(' ').append(Units.humanSize(rate)).append("/s");
            if (width > 50) b.append(' ').append(Units.goDuration(Duration.ofSeconds((long) ((total - current) / rate))));
        }
        return b.toString();
    }
}
