package dev.hako.engine.lifecycle;

import dev.hako.engine.EngineException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --log-driver json-file|none} and json-file's {@code --log-opt max-size=SIZE --log-opt max-file=N}, as
 * docker validates them. The monitor (kernel/src/main/c/logfile.c) reads them from the container's log-config
 * file and rotates ctr.log itself.
 *
 * @param maxSize bytes (docker's decimal units: 10m is 10,000,000), -1: no limit
 * @param maxFile files kept, ctr.log included (1: truncate in place when full)
 */
public record LogConfig(String driver, long maxSize, int maxFile) {
    public static final LogConfig DEFAULT = new LogConfig("json-file", -1, 1);
    public static final String FILE = "log-config";

    public static LogConfig of(String driver, Map<String, String> opts) {
        String d = driver == null || driver.isEmpty() ? "json-file" : driver;
        if (!d.equals("json-file") && !d.equals("none"))
            throw invalid("logger: no log driver named '" + d + "' is registered");
        long size = -1;
        int files = 1;
        if (d.equals("none")) return new LogConfig(d, size, files);
        for (var e : opts.entrySet()) {
            switch (e.getKey()) {
                case "max-size" -> {
                    size = humanSize(e.getValue());
                    if (size <= 0) throw invalid("max-size must be a positive number");
                }
                case "max-file" -> {
                    try {
                        files = Integer.parseInt(e.getValue());
                    } catch (NumberFormatException x) {
                        throw invalid("strconv.Atoi: parsing \"" + e.getValue() + "\": invalid syntax");
                    }
                    if (files < 1) throw invalid("max-file cannot be less than 1");
                }
                default -> throw invalid("unknown log opt '" + e.getKey() + "' for json-file log driver");
            }
        }
        return new LogConfig(d, size, files);
    }

    public boolean none() { return driver.equals("none"); }

    /** docker's units.FromHumanSize: decimal units, an optional B/iB ("10m", "1.5GB", "512"). */
    static long humanSize(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) i++;
        String num = t.substring(0, i), unit = t.substring(i).trim();
        if (unit.endsWith("ib")) unit = unit.substring(0, unit.length() - 2);
        else if (unit.endsWith("b")) unit = unit.substring(0, unit.length() - 1);
        long mult = switch (unit) {
            case "" -> 1L;
            case "k" -> 1000L;
            case "m" -> 1000_000L;
            case "g" -> 1000_000_000L;
            case "t" -> 1000_000_000_000L;
            case "p" -> 1000_000_000_000_000L;
            default -> -1L;
        };
        try {
            if (mult < 0 || num.isEmpty()) throw new NumberFormatException();
            return (long) (Double.parseDouble(num) * mult);
        } catch (NumberFormatException e) {
            throw invalid("invalid size: '" + text + "'");
        }
    }

    /** The line the monitor reads: "json-file MAX_SIZE MAX_FILE" or "none". */
    public void write(Path containerDir) {
        String line = none() ? "none\n" : driver + " " + maxSize + " " + maxFile + "\n";
        try {
            Path tmp = containerDir.resolve(FILE + ".tmp");
            Files.writeString(tmp, line, StandardCharsets.US_ASCII);
            Files.move(tmp, containerDir.resolve(FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("write " + containerDir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    private static EngineException invalid(String message) { return new EngineException(message, 125, null); }
}
