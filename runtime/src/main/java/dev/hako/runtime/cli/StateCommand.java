package dev.hako.runtime.cli;

import java.util.List;

public final class StateCommand implements CommandSpec.Command {
    static final CommandSpec SPEC = new CommandSpec("state", "output the state of a container", "<container-id>",
            "The state command outputs current state information for theninstance of a container.", List.of(), true, StateCommand::new);

    final Globals g;
    final List<String> args;

    StateCommand(Globals g, ParsedArgs a) {
        this.g = g;
        this.args = a.args();
    }

    @Override
    public int execute() {
        UsageException.check("state", args, 1, UsageException.Kind.EXACT);
        return new Actions(g).state(args.getFirst());
    }
}
