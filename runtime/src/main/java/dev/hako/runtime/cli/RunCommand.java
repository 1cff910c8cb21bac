package dev.hako.runtime.cli;

import java.util.ArrayList;
import java.util.List;

public final class RunCommand implements CommandSpec.Command {
    static final List<Flag> FLAGS;
    static {
        List<Flag> f = new ArrayList<>(CreateCommand.FLAGS);
        f.add(2, Flag.bool("detach", "d", "detach from the container's process"));
        f.add(3, Flag.bool("keep", null, "do not delete the container after it exits"));
        f.add(5, Flag.bool("no-subreaper", null, "disable the use of the subreaper used to reap reparented processes"));
        FLAGS = List.copyOf(f);
    }

    static final CommandSpec SPEC = new CommandSpec("run", "create and run a container", "[command options] <container-id>",
            """
            The run command creates an instance of a container for a bundle and starts it.
            Without --detach it waits for the container's process and exits with its exit
            code (128+signal when it was killed), then deletes the container unless --keep.""",
            FLAGS, true, RunCommand::new);

    final Globals g;
    final List<String> args;
    final CreateOptions options;

    RunCommand(Globals g, ParsedArgs a) throws ParsedArgs.BadFlag {
        this.g = g;
        this.args = a.args();
        this.options = new CreateOptions(args.isEmpty() ? null : args.getFirst(), a.string("bundle"),
                a.string("console-socket"), a.string("pid-file"), a.bool("no-pivot"), a.bool("no-new-keyring"),
                a.integer("preserve-fds", 0), a.bool("detach"), a.bool("keep"));
    }

    CreateOptions options() { return options; }

    @Override
    public int execute() {
        UsageException.check("run", args, 1, UsageException.Kind.EXACT);
        return new Actions(g).run(options);
    }
}
