package dev.hako.runtime.cli;

import java.util.List;

/**
 * A subcommand: its name, help texts, flags and how to build it from parsed arguments.
 *
 * @param usage        the arguments part of the USAGE line ("[command options] <container-id>")
 * @param interspersed flags may follow the arguments (false for exec and ps, whose trailing arguments
 *                     belong to the process they run)
 */
public record CommandSpec(String name, String summary, String usage, String description, List<Flag> flags,
                          boolean interspersed, Factory factory) {

    /** A runnable command built from the globals and its parsed arguments. */
    public interface Command {
        int execute() throws Exception;
    }

    public interface Factory {
        Command create(Globals globals, ParsedArgs args) throws ParsedArgs.BadFlag;
    }

    /** The help text, shaped like urfave/cli's (NAME, USAGE, DESCRIPTION, OPTIONS). */
    public String help() {
        StringBuilder sb = new StringBuilder();
        sb.append("NAME:\n   hako-runtime ").append(name).append(" - ").append(summary).append("\n\n");
        sb.append("USAGE:\n   hako-runtime ").append(name);
        if (!usage.isEmpty()) sb.append(' ').append(usage);
        sb.append("\n");
        if (description != null && !description.isEmpty()) {
            sb.append("\nDESCRIPTION:\n");
            for (String line : description.split("\n")) sb.append(line.isEmpty() ? "" : "   " + line).append('\n');
        }
        if (!flags.isEmpty()) {
            sb.append("\nOPTIONS:\n").append(Help.flagList(flags));
        }
        return sb.toString();
    }
}
