package dev.hako.runtime.cli;

import java.util.Locale;
import java.util.Map;

/** Signal names and numbers as `runc kill` accepts them: "KILL", "SIGKILL", "sigkill", "9". */
public final class Signals {
    private Signals() {}

    // Linux x86_64/aarch64 numbering (asm-generic); aliases as Go's unix.SignalNum knows them.
    private static final Map<String, Integer> BY_NAME = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4),
            Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7),
            Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11),
            Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15),
            Map.entry("STKFLT", 16), Map.entry("CHLD", 17), Map.entry("CLD", 17), Map.entry("CONT", 18),
            Map.entry("STOP", 19), Map.entry("TSTP", 20), Map.entry("TTIN", 21), Map.entry("TTOU", 22),
            Map.entry("URG", 23), Map.entry("XCPU", 24), Map.entry("XFSZ", 25), Map.entry("VTALRM", 26),
            Map.entry("PROF", 27), Map.entry("WINCH", 28), Map.entry("IO", 29), Map.entry("POLL", 29),
            Map.entry("PWR", 30), Map.entry("SYS", 31));

    public static final int SIGRTMIN = 34;
    public static final int SIGRTMAX = 64;

    /**
     * Parses a signal as runc does: a decimal number is taken as is (the kernel judges it), otherwise the
     * name, case-insensitive, with or without "SIG". Real-time signals as RTMIN+n / RTMAX-n are accepted too.
     * @throws IllegalArgumentException with runc's message `unknown signal "X"`
     */
    public static int parse(String text) {
        String s = text.trim();
        if (!s.isEmpty() && (Character.isDigit(s.charAt(0)) || (s.charAt(0) == '-' && s.length() > 1))) {
            try {
                return Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw unknown(text);
            }
        }
        String name = s.toUpperCase(Locale.ROOT);
        if (name.startsWith("SIG")) name = name.substring(3);
        Integer n = BY_NAME.get(name);
        if (n != null) return n;
        Integer rt = realtime(name);
        if (rt != null) return rt;
        throw unknown(text);
    }

    private static Integer realtime(String name) {
        int base;
        int sign;
        String rest;
        if (name.startsWith("RTMIN")) { base = SIGRTMIN; sign = 1; rest = name.substring(5); }
        else if (name.startsWith("RTMAX")) { base = SIGRTMAX; sign = -1; rest = name.substring(5); }
        else return null;
        if (rest.isEmpty()) return base;
        char op = rest.charAt(0);
        if ((sign == 1 && op != '+') || (sign == -1 && op != '-')) return null;
        try {
            int off = Integer.parseInt(rest.substring(1));
            int sig = base + sign * off;
            return off >= 0 && sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The canonical name ("SIGKILL", "SIGRTMIN+3") of a signal number, or the number as text. */
    public static String name(int signal) {
        for (var e : BY_NAME.entrySet()) {
            String k = e.getKey();
            if (e.getValue() == signal && !k.equals("IOT") && !k.equals("CLD") && !k.equals("POLL")) return "SIG" + k;
        }
        if (signal == SIGRTMIN) return "SIGRTMIN";
        if (signal == SIGRTMAX) return "SIGRTMAX";
        if (signal > SIGRTMIN && signal < SIGRTMAX) {
            return signal - SIGRTMIN <= 15 ? "SIGRTMIN+" + (signal - SIGRTMIN) : "SIGRTMAX-" + (SIGRTMAX - signal);
        }
        return Integer.toString(signal);
    }

    private static IllegalArgumentException unknown(String text) {
        return new IllegalArgumentException("unknown signal \"" + text + "\"");
    }
}
