package dev.hako.runtime.cli;

import java.time.Duration;

/** Go's time.ParseDuration: "300ms", "1.5h", "2h45m", "-1s"; units ns us µs ms s m h. */
public final class GoDuration {
    private GoDuration() {}

    public static Duration parse(String s) {
        String orig = s;
        if (s.isEmpty()) throw new IllegalArgumentException("invalid duration \"" + orig + "\"");
        boolean neg = false;
        if (s.charAt(0) == '-' || s.charAt(0) == '+') {
            neg = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) return Duration.ZERO;
        if (s.isEmpty()) throw new IllegalArgumentException("invalid duration \"" + orig + "\"");
        double nanos = 0;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
            if (start == i) throw new IllegalArgumentException("invalid duration \"" + orig + "\"");
            double value;
            try {
                value = Double.parseDouble(s.substring(start, i));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid duration \"" + orig + "\"");
            }
            int ustart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') i++;
            String unit = s.substring(ustart, i);
            double mult = switch (unit) {
                case "ns" -> 1;
                case "us", "µs", "μs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                case "" -> throw new IllegalArgumentException("missing unit in duration \"" + orig + "\"");
                default -> throw new IllegalArgumentException("unknown unit \"" + unit + "\" in duration \"" + orig + "\"");
            };
            nanos += value * mult;
        }
        long n = Math.round(nanos);
        return Duration.ofNanos(neg ? -n : n);
    }
}
