package dev.hako.cli.format;

import java.util.ArrayList;
import java.util.List;

/**
 * Aligns tab-separated cells into columns like Go's text/tabwriter with docker's settings
 * (minwidth 10, padding 3, pad with spaces). Text after a line's last tab is not padded.
 */
public final class TabWriter {
    private final int minWidth;
    private final int padding;
    private final List<String[]> rows = new ArrayList<>();

    public TabWriter() { this(10, 3); }

    public TabWriter(int minWidth, int padding) {
        this.minWidth = minWidth;
        this.padding = padding;
    }

    /** Adds text that may hold several lines; each line is split at tabs. */
    public TabWriter add(String text) {
        for (String line : text.split("\n", -1)) rows.add(line.split("\t", -1));
        if (text.endsWith("\n")) rows.removeLast();
        return this;
    }

    public String render() {
        int columns = 0;
        for (String[] r : rows) columns = Math.max(columns, r.length - 1);
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int c = 0; c < r.length - 1; c++) width[c] = Math.max(width[c], len(r[c]) + padding);
        }
        StringBuilder out = new StringBuilder();
        for (String[] r : rows) {
            for (int c = 0; c < r.length; c++) {
                out.append(r[c]);
                if (c < r.length - 1) out.repeat(' ', Math.max(minWidth, width[c]) - len(r[c]));
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static int len(String s) { return s.codePointCount(0, s.length()); }
}
