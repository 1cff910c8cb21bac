package dev.hako.runtime.cli;

import picocli.CommandLine;

import java.util.List;

/** Wrong number of arguments: runc prints "Incorrect Usage.", the command's help, and logs the message. */
public final class UsageException extends RuntimeException {
    private final transient CommandLine commandLine;

    public UsageException(CommandLine commandLine, String message) {
        super(message);
        this.commandLine = commandLine;
    }

    public CommandLine commandLine() { return commandLine; }

    /** runc's checkArgs: exact, minimum or maximum argument counts with its messages. */
    public static void check(CommandLine cl, List<String> args, int count, Kind kind) {
        int n = args == null ? 0 : args.size();
        String name = cl.getCommandName();
        switch (kind) {
            case EXACT -> { if (n != count) throw new UsageException(cl, "hako-runtime: \"" + name + "\" requires exactly " + count + " argument(s)"); }
            case MIN -> { if (n < count) throw new UsageException(cl, "hako-runtime: \"" + name + "\" requires a minimum of " + count + " argument(s)"); }
            case MAX -> { if (n > count) throw new UsageException(cl, "hako-runtime: \"" + name + "\" requires a maximum of " + count + " argument(s)"); }
        }
    }

    public enum Kind { EXACT, MIN, MAX }
}
