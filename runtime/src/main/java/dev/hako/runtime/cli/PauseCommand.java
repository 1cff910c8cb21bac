package dev.hako.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;

@Command(name = "pause", headerHeading = "NAME:%n", header = "   hako-runtime pause - pause suspends all processes inside the container",
        synopsisHeading = "%nUSAGE:%n   ", customSynopsis = "hako-runtime pause <container-id>",
        descriptionHeading = "%nDESCRIPTION:%n", description = "   The pause command suspends all processes in the instance of the container (cgroup freezer).")
public final class PauseCommand extends BaseCommand {
    @Parameters(hidden = true, paramLabel = "<container-id>", arity = "0..*")
    List<String> args;

    @Override
    int execute() {
        checkArgs(args, 1, UsageException.Kind.EXACT);
        return new Actions(parent).pause(args.getFirst());
    }
}
