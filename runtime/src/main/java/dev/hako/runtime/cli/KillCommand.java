package dev.hako.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

@Command(name = "kill", headerHeading = "NAME:%n",
        header = "   hako-runtime kill - kill sends the specified signal (default: SIGTERM) to the container's init process",
        synopsisHeading = "%nUSAGE:%n   ", customSynopsis = "hako-runtime kill [command options] <container-id> [signal]",
        descriptionHeading = "%nDESCRIPTION:%n",
        description = {"   The signal is a name (KILL, SIGKILL, sigkill) or a number (9)."},
        optionListHeading = "%nOPTIONS:%n")
public final class KillCommand extends BaseCommand {
    @Option(names = {"--all", "-a"}, description = "send the specified signal to all processes inside the container")
    boolean all;

    @Parameters(hidden = true, paramLabel = "<container-id> [signal]", arity = "0..*")
    List<String> args;

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
    int execute() {
        checkArgs(args, 1, UsageException.Kind.MIN);
        checkArgs(args, 2, UsageException.Kind.MAX);
        return new Actions(parent).kill(args.getFirst(), args.size() < 2 ? null : args.get(1), all);
    }
}
