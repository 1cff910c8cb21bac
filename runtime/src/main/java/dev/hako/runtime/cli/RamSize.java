package dev.hako.runtime.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as runc's update takes them (docker/go-units RAMInBytes): "1024", "512k", "1.5g", "64MiB"; binary units. */
public final class RamSize {
    private RamSize() {}

    private static final Pattern SIZE = Pattern.compile("^(\\d+(?:\\.\\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$");

    public static long parse(String s) {
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) throw new IllegalArgumentException("invalid size: '" + s + "'");
        double v;
        try {
            v = Double.parseDouble(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid size: '" + s + "'");
        }
        String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
        long mult = switch (unit) {
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            case "t" -> 1L << 40;
            case "p" -> 1L << 50;
            default -> 1;
        };
        return (long) (v * mult);
    }

    /** runc's memory flags: "-1" means unlimited, else a size. */
    public static long parseMemory(String s) {
        return s.equals("-1") ? -1 : parse(s);
    }
}
