package dev.hako.runtime.cli;

import java.util.List;

public final class PsCommand implements CommandSpec.Command {
    static final CommandSpec SPEC = new CommandSpec("ps", "ps displays the processes running inside a container",
            "[command options] <container-id> [ps options]",
            """
            Runs ps(1) on the host with the given options (default -ef) and shows the lines of
            the container's processes; with --format json, the list of their host pids.""",
            List.of(Flag.string("format", "f", "select one of: table or json (default: \"table\")")),
            false, PsCommand::new);

    final Globals g;
    final List<String> args;
    final String format;

    PsCommand(Globals g, ParsedArgs a) {
        this.g = g;
        this.args = a.args();
        this.format = a.string("format", "table");
    }

    @Override
    public int execute() {
        UsageException.check("ps", args, 1, UsageException.Kind.MIN);
        if (!format.equals("table") && !format.equals("json")) throw new CliException("invalid format option");
        return new Actions(g).ps(args.getFirst(), format, args.subList(1, args.size()));
    }
}
