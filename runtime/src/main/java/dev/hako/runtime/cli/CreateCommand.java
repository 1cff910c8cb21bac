package dev.hako.runtime.cli;

import java.util.List;

public final class CreateCommand implements CommandSpec.Command {
    static final List<Flag> FLAGS = List.of(
            Flag.string("bundle", "b", "path to the root of the bundle directory, defaults to the current directory"),
            Flag.string("console-socket", null, "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"),
            Flag.string("pid-file", null, "specify the file to write the process id to"),
            Flag.bool("no-pivot", null, "do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk"),
            Flag.bool("no-new-keyring", null, "do not create a new session keyring for the container.  This will cause the container to inherit the calling processes session key"),
            Flag.string("preserve-fds", null, "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)"));

    static final CommandSpec SPEC = new CommandSpec("create", "create a container", "[command options] <container-id>",
            """
            The create command creates an instance of a container for a bundle. The bundle
            is a directory with a specification file named "config.json" and a root
            filesystem. The container's process is set up and waits; `start` runs the args
            of the spec.""", FLAGS, true, CreateCommand::new);

    final Globals g;
    final List<String> args;
    final CreateOptions options;

    CreateCommand(Globals g, ParsedArgs a) throws ParsedArgs.BadFlag {
        this.g = g;
        this.args = a.args();
        this.options = new CreateOptions(args.isEmpty() ? null : args.getFirst(), a.string("bundle"),
                a.string("console-socket"), a.string("pid-file"), a.bool("no-pivot"), a.bool("no-new-keyring"),
                a.integer("preserve-fds", 0), false, false);
    }

    CreateOptions options() { return options; }

    @Override
    public int execute() {
        UsageException.check("create", args, 1, UsageException.Kind.EXACT);
        return new Actions(g).create(options);
    }
}
