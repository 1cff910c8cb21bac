package dev.hako.cli.format;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;

/** Human sizes and durations the way docker prints them (go-units semantics). */
public final class Units {
    private static final String[] DECIMAL = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};

    private Units() {}

    /** Decimal units with 4 significant digits, as in docker pull's progress ("12.35MB"). */
    public static String humanSize(double size) {
        return humanSize(size, 4);
    }

    /** Decimal units with {@code precision} significant digits; `docker images` uses 3 ("4.26MB"). */
    public static String humanSize(double size, int precision) {
        int i = 0;
        while (size >= 1000.0 && i < DECIMAL.length - 1) {
            size /= 1000.0;
            i++;
        }
        return goG(size, precision) + DECIMAL[i];
    }

    /** go-units BytesSize: binary units, 4 significant digits ("1.52MiB", "7.763GiB"): docker stats and info. */
    public static String binarySize(double size) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        int i = 0;
        while (size >= 1024 && i < units.length - 1) {
            size /= 1024;
            i++;
        }
        return new BigDecimal(size).round(new MathContext(4)).stripTrailingZeros().toPlainString() + units[i];
    }

    /** Go's %.{p}g: p significant digits, trailing zeros dropped, exponent form when it gets too long. */
    static String goG(double v, int precision) {
        if (v == 0) return "0";
        BigDecimal rounded = new BigDecimal(v).round(new MathContext(precision, RoundingMode.HALF_EVEN));
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent < -4 || exponent >= precision) {
            BigDecimal mantissa = rounded.movePointLeft(exponent).stripTrailingZeros();
            String m = mantissa.scale() <= 0 ? mantissa.toBigInteger().toString() : mantissa.toPlainString();
            return m + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        BigDecimal plain = rounded.stripTrailingZeros();
        return plain.scale() <= 0 ? plain.toBigInteger().toString() : plain.toPlainString();
    }

    /** docker's units.HumanDuration: "Less than a second", "About a minute", "2 hours", "3 weeks". */
    public static String humanDuration(Duration d) {
        long seconds = d.toSeconds();
        if (seconds < 1) return "Less than a second";
        if (seconds == 1) return "1 second";
        if (seconds < 60) return seconds + " seconds";
        long minutes = d.toMinutes();
        if (minutes == 1) return "About a minute";
        if (minutes < 60) return minutes + " minutes";
        long hours = (long) (d.toMillis() / 3_600_000.0 + 0.5);
        if (hours == 1) return "About an hour";
        if (hours < 48) return hours + " hours";
        if (hours < 24 * 7 * 2) return hours / 24 + " days";
        if (hours < 24 * 30 * 2) return hours / 24 / 7 + " weeks";
        if (hours < 24 * 365 * 2) return hours / 24 / 30 + " months";
        return d.toHours() / 24 / 365 + " years";
    }

    /** "2 hours ago", as in the CREATED column. */
    public static String ago(java.time.Instant then, java.time.Instant now) {
        if (then == null) return "N/A";
        return humanDuration(Duration.between(then, now)) + " ago";
    }

    /** Go's time.Duration.String() rounded to seconds, for docker's time-left box ("1m5s"). */
    public static String goDuration(Duration d) {
        long s = d.toSeconds();
        if (s == 0) return "0s";
        StringBuilder b = new StringBuilder();
        if (s >= 3600) b.append(s / 3600).append('h');
        if (s >= 60) b.append(s % 3600 / 60).append('m');
        b.append(s % 60).append('s');
        return b.toString();
    }

    /** docker's stringutils.Ellipsis: cut to {@code max} characters, the last one an ellipsis. */
    public static String ellipsis(String s, int max) {
        if (s.codePointCount(0, s.length()) <= max) return s;
        if (max <= 1) return s.substring(0, s.offsetByCodePoints(0, max));
        return s.substring(0, s.offsetByCodePoints(0, max - 1)) + "…";
    }
}
