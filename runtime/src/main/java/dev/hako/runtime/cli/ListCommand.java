package dev.hako.runtime.cli;

import java.util.List;

public final class ListCommand implements CommandSpec.Command {
    static final CommandSpec SPEC = new CommandSpec("list", "lists containers started by hako-runtime with the given root",
            "[command options]", "",
            List.of(Flag.string("format", "f", "select one of: table or json (default: \"table\")"),
                    Flag.bool("quiet", "q", "display only container IDs")),
            true, ListCommand::new);

    final Globals g;
    final List<String> args;
    final String format;
    final boolean quiet;

    ListCommand(Globals g, ParsedArgs a) {
        this.g = g;
        this.args = a.args();
        this.format = a.string("format", "table");
        this.quiet = a.bool("quiet");
    }

    @Override
    public int execute() {
        UsageException.check("list", args, 0, UsageException.Kind.EXACT);
        if (!format.equals("table") && !format.equals("json")) throw new CliException("invalid format option");
        return new Actions(g).list(format, quiet);
    }
}
