package dev.hako.runtime.cli;

import java.util.List;

/** Wrong number of arguments: runc prints "Incorrect Usage.", the command's help, and logs the message. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) { super(message); }

    public enum Kind { EXACT, MIN, MAX }

    /** runc's checkArgs: exact, minimum or maximum argument counts, with its messages. */
    public static void check(String command, List<String> args, int count, Kind kind) {
        int n = args == null ? 0 : args.size();
        switch (kind) {
            case EXACT -> { if (n != count) throw new UsageException("hako-runtime: \"" + command + "\" requires exactly " + count + " argument(s)"); }
            case MIN -> { if (n < count) throw new UsageException("hako-runtime: \"" + command + "\" requires a minimum of " + count + " argument(s)"); }
            case MAX -> { if (n > count) throw new UsageException("hako-runtime: \"" + command + "\" requires a maximum of " + count + " argument(s)"); }
        }
    }
}
