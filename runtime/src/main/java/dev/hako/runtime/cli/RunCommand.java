package dev.hako.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

@Command(name = "run", headerHeading = "NAME:%n", header = "   hako-runtime run - create and run a container",
        synopsisHeading = "%nUSAGE:%n   ", customSynopsis = "hako-runtime run [command options] <container-id>",
        descriptionHeading = "%nDESCRIPTION:%n",
        description = {
                "   The run command creates an instance of a container for a bundle and starts it.",
                "Without --detach it waits for the container's process and exits with its exit code",
                "(128+signal when it was killed), then deletes the container unless --keep."},
        optionListHeading = "%nOPTIONS:%n")
public final class RunCommand extends BaseCommand {
    @Option(names = {"--bundle", "-b"}, paramLabel = "value",
            description = "path to the root of the bundle directory, defaults to the current directory")
    String bundle;

    @Option(names = "--console-socket", paramLabel = "value",
            description = "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal")
    String consoleSocket;

    @Option(names = {"--detach", "-d"}, description = "detach from the container's process")
    boolean detach;

    @Option(names = "--keep", description = "do not delete the container after it exits")
    boolean keep;

    @Option(names = "--pid-file", paramLabel = "value", description = "specify the file to write the process id to")
    String pidFile;

    @Option(names = "--no-subreaper", description = "disable the use of the subreaper used to reap reparented processes")
    boolean noSubreaper;

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
        return new CreateOptions(args.getFirst(), bundle, consoleSocket, pidFile, noPivot, noNewKeyring, preserveFds, detach, keep);
    }

    @Override
    int execute() {
        checkArgs(args, 1, UsageException.Kind.EXACT);
        return new Actions(parent).run(options());
    }
}
