package dev.hako.runtime.cli;

import java.util.List;

public final class ResumeCommand implements CommandSpec.Command {
    static final CommandSpec SPEC = new CommandSpec("resume", "resumes all processes that have been previously paused", "<container-id>",
            "The resume command resumes all processes in the instance of the container.", List.of(), true, ResumeCommand::new);

    final Globals g;
    final List<String> args;

    ResumeCommand(Globals g, ParsedArgs a) {
        this.g = g;
        this.args = a.args();
    }

    @Override
    public int execute() {
        UsageException.check("resume", args, 1, UsageException.Kind.EXACT);
        return new Actions(g).resume(args.getFirst());
    }
}
