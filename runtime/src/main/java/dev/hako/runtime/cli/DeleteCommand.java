package dev.hako.runtime.cli;

import java.util.List;

public final class DeleteCommand implements CommandSpec.Command {
    static final CommandSpec SPEC = new CommandSpec("delete",
            "delete any resources held by the container often used with detached container",
            "[command options] <container-id>", "",
            List.of(Flag.bool("force", "f", "Forcibly deletes the container if it is still running (uses SIGKILL)")),
            true, DeleteCommand::new);

    final Globals g;
    final List<String> args;
    final boolean force;

    DeleteCommand(Globals g, ParsedArgs a) {
        this.g = g;
        this.args = a.args();
        this.force = a.bool("force");
    }

    @Override
    public int execute() {
        UsageException.check("delete", args, 1, UsageException.Kind.EXACT);
        return new Actions(g).delete(args.getFirst(), force);
    }
}
