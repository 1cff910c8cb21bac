package dev.hako.engine.logs;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * `logs --since/--until` values as docker reads them (timetypes.GetTimestamp): a Go duration before now ("10m",
 * "1h30m", "1.5s"), an RFC 3339 time ("2026-01-02T15:04:05Z", with fraction or offset), a local date-time or
 * date without zone ("2026-01-02T15:04", "2026-01-02"), or unix seconds with optional nanoseconds ("1700000000.5").
 */
public final class LogTime {
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");
    private static final Pattern UNIX = Pattern.compile("(\\d+)(?:\\.(\\d{1,9}))?");

    private LogTime() {}

    /** @param flag "since" or "until", for the message */
    public static Instant parse(String value, String flag, Instant now) {
        Duration d = goDuration(value);
        if (d != null && !value.equals("0")) return now.minus(d);
        try {
            if (value.contains("-")) return dateTime(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("invalid value for \"" + flag + "\": parsing time \"" + value + "\": " + e.getMessage(), e);
        }
        Matcher m = UNIX.matcher(value);
        if (!m.matches())
            throw new IllegalArgumentException("invalid value for \"" + flag + "\": failed to parse value as time or duration: \"" + value + "\"");
        long nanos = m.group(2) == null ? 0 : Long.parseLong((m.group(2) + "000000000").substring(0, 9));
        return Instant.ofEpochSecond(Long.parseLong(m.group(1)), nanos);
    }

    private static Instant dateTime(String v) {
        boolean zoned = v.matches(".*[zZ+].*") || v.chars().filter(c -> c == '-').count() == 3;
        if (zoned) {
            if (!v.contains("T")) v = v.replaceFirst("^(\\d{4}-\\d\\d-\\d\\d)", "$1T00:00:00");
            return OffsetDateTime.parse(v.toUpperCase()).toInstant();
        }
        if (!v.contains("T")) return LocalDate.parse(v).atStartOfDay(ZoneId.systemDefault()).toInstant();
        if (v.indexOf(':') < 0) v = v + ":00";
        return LocalDateTime.parse(v).atZone(ZoneId.systemDefault()).toInstant();
    }

    /** Go's time.ParseDuration, or null if {@code v} is not one. */
    static Duration goDuration(String v) {
        String s = v;
        boolean negative = s.startsWith("-");
        if (s.startsWith("-") || s.startsWith("+")) s = s.substring(1);
        if (s.isEmpty()) return null;
        if (s.equals("0")) return Duration.ZERO;
        Matcher m = DURATION_PART.matcher(s);
        long nanos = 0;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) return null;
            double n = Double.parseDouble(m.group(1));
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            nanos += (long) (n * unit);
            at = m.end();
        }
        return Duration.ofNanos(negative ? -nanos : nanos);
    }
}
