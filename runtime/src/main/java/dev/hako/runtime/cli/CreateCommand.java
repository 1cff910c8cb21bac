package dev.hako.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

@Command(name = "create", headerHeading = "NAME:%n", header = "   hako-runtime create - create a container",
        synopsisHeading = "%nUSAGE:%n   ", customSynopsis = "hako-runtime create [command options] <container-id>",
        descriptionHeading = "%nDESCRIPTION:%n",
        description = {
                "   The create command creates an instance of a container for a bundle. The bundle",
                "is a directory with a specification file named \"config.json\" and a root filesystem.",
                "The container's process is set up and waits; `start` runs the args of the spec."},
        optionListHeading = "%nOPTIONS:%n")
public final class CreateCommand extends BaseCommand {
    @Option(names = {"--bundle", "-b"}, paramLabel = "value",
            description = "path to the root of the bundle directory, defaults to the current directory")
    String bundle;

    @Option(names = "--console-socket", paramLabel = "value",
            description = "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal")
    String consoleSocket;

    @Option(names = "--pid-file", paramLabel = "value", description = "specify the file to write the process id to")
    String pidFile;

    @Option(names = "--no-pivot", description = "do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk")
    boolean noPivot;

    @Option(names = "--no-new-keyring", description = "do not create a new session keyring for the container.  This will cause the container to inherit the calling processes session key")
    boolean noNewKeyring;

    @Option(names = "--preserve-fds", paramLabel = "value", defaultValue = "0",
            description = "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)")
    int preserveFds;

    @Parameters(hidden = true, paramLabel = "<container-id>", arity = "0..*")
    List<String> args;

    CreateOptions options() {
        return new CreateOptions(args.getFirst(), bundle, consoleSocket, pidFile, noPivot, noNewKeyring, preserveFds, false, false);
    }

    @Override
    int execute() {
        checkArgs(args, 1, UsageException.Kind.EXACT);
        return new Actions(parent).create(options());
    }
}
