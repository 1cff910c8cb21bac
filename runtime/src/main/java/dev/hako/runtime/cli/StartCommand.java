package dev.hako.runtime.cli;

import java.util.List;

public final class StartCommand implements CommandSpec.Command {
    static final CommandSpec SPEC = new CommandSpec("start", "executes the user defined process in a created container", "<container-id>",
            "The start command executes the user defined process in a created container.", List.of(), true, StartCommand::new);

    final Globals g;
    final List<String> args;

    StartCommand(Globals g, ParsedArgs a) {
        this.g = g;
        this.args = a.args();
    }

    @Override
    public int execute() {
        UsageException.check("start", args, 1, UsageException.Kind.EXACT);
        return new Actions(g).start(args.getFirst());
    }
}
