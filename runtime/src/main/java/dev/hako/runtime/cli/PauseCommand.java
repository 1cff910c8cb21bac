package dev.hako.runtime.cli;

import java.util.List;

public final class PauseCommand implements CommandSpec.Command {
    static final CommandSpec SPEC = new CommandSpec("pause", "pause suspends all processes inside the container", "<container-id>",
            "The pause command suspends all processes in the instance of the containern(with the cgroup freezer).", List.of(), true, PauseCommand::new);

    final Globals g;
    final List<String> args;

    PauseCommand(Globals g, ParsedArgs a) {
        this.g = g;
        this.args = a.args();
    }

    @Override
    public int execute() {
        UsageException.check("pause", args, 1, UsageException.Kind.EXACT);
        return new Actions(g).pause(args.getFirst());
    }
}
