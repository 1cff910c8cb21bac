package dev.hako.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

@Command(name = "delete", headerHeading = "NAME:%n",
        header = "   hako-runtime delete - delete any resources held by the container often used with detached container",
        synopsisHeading = "%nUSAGE:%n   ", customSynopsis = "hako-runtime delete [command options] <container-id>",
        optionListHeading = "%nOPTIONS:%n")
public final class DeleteCommand extends BaseCommand {
    @Option(names = {"--force", "-f"}, description = "Forcibly deletes the container if it is still running (uses SIGKILL)")
    boolean force;

    @Parameters(hidden = true, paramLabel = "<container-id>", arity = "0..*")
    List<String> args;

    @Override
    int execute() {
        checkArgs(args, 1, UsageException.Kind.EXACT);
        return new Actions(parent).delete(args.getFirst(), force);
    }
}
