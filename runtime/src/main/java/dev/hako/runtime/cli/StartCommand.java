package dev.hako.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;

@Command(name = "start", headerHeading = "NAME:%n", header = "   hako-runtime start - executes the user defined process in a created container",
        synopsisHeading = "%nUSAGE:%n   ", customSynopsis = "hako-runtime start <container-id>",
        descriptionHeading = "%nDESCRIPTION:%n", description = "   The start command executes the user defined process in a created container.")
public final class StartCommand extends BaseCommand {
    @Parameters(hidden = true, paramLabel = "<container-id>", arity = "0..*")
    List<String> args;

    @Override
    int execute() {
        checkArgs(args, 1, UsageException.Kind.EXACT);
        return new Actions(parent).start(args.getFirst());
    }
}
