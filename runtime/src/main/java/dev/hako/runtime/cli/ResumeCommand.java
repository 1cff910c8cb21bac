package dev.hako.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;

@Command(name = "resume", headerHeading = "NAME:%n", header = "   hako-runtime resume - resumes all processes that have been previously paused",
        synopsisHeading = "%nUSAGE:%n   ", customSynopsis = "hako-runtime resume <container-id>",
        descriptionHeading = "%nDESCRIPTION:%n", description = "   The resume command resumes all processes in the instance of the container.")
public final class ResumeCommand extends BaseCommand {
    @Parameters(hidden = true, paramLabel = "<container-id>", arity = "0..*")
    List<String> args;

    @Override
    int execute() {
        checkArgs(args, 1, UsageException.Kind.EXACT);
        return new Actions(parent).resume(args.getFirst());
    }
}
