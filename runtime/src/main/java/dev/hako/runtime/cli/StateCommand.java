package dev.hako.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;

@Command(name = "state", headerHeading = "NAME:%n", header = "   hako-runtime state - output the state of a container",
        synopsisHeading = "%nUSAGE:%n   ", customSynopsis = "hako-runtime state <container-id>",
        descriptionHeading = "%nDESCRIPTION:%n", description = "   The state command outputs current state information for the instance of a container.")
public final class StateCommand extends BaseCommand {
    @Parameters(hidden = true, paramLabel = "<container-id>", arity = "0..*")
    List<String> args;

    @Override
    int execute() {
        checkArgs(args, 1, UsageException.Kind.EXACT);
        return new Actions(parent).state(args.getFirst());
    }
}
