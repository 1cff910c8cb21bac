package dev.hako.runtime.cli;

import java.util.List;

public final class KillCommand implements CommandSpec.Command {
    static final CommandSpec SPEC = new CommandSpec("kill",
            "kill sends the specified signal (default: SIGTERM) to the container's init process",
            "[command options] <container-id> [signal]",
            """
            The signal is a name with or without SIG, in any case (KILL, SIGKILL, sigkill),
            or a number (9).""",
            List.of(Flag.bool("all", "a", "send the specified signal to all processes inside the container")),
            true, KillCommand::new);

    final Globals g;
    final List<String> args;
    final boolean all;

    KillCommand(Globals g, ParsedArgs a) {
        this.g = g;
        this.args = a.args();
        this.all = a.bool("all");
    }

    /** The signal number the arguments ask for (SIGTERM by default). */
    int signal() {
        if (args.size() < 2) return 15;
        try {
            return Signals.parse(args.get(1));
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }

    @Override
    public int execute() {
        UsageException.check("kill", args, 1, UsageException.Kind.MIN);
        UsageException.check("kill", args, 2, UsageException.Kind.MAX);
        return new Actions(g).kill(args.getFirst(), args.size() < 2 ? null : args.get(1), all);
    }
}
