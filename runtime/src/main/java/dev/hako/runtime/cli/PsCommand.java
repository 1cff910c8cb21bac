package dev.hako.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

@Command(name = "ps", headerHeading = "NAME:%n",
        header = "   hako-runtime ps - ps displays the processes running inside a container",
        synopsisHeading = "%nUSAGE:%n   ", customSynopsis = "hako-runtime ps [command options] <container-id> [ps options]",
        optionListHeading = "%nOPTIONS:%n")
public final class PsCommand extends BaseCommand {
    @Option(names = {"--format", "-f"}, paramLabel = "value", defaultValue = "table",
            description = "select one of: table or json (default: \"table\")")
    String format;

    @Parameters(hidden = true, paramLabel = "<container-id> [ps options]", arity = "0..*")
    List<String> args;

    @Override
    int execute() {
        checkArgs(args, 1, UsageException.Kind.MIN);
        if (!format.equals("table") && !format.equals("json")) {
            throw new CliException("invalid format option");
        }
        return new Actions(parent).ps(args.getFirst(), format, args.subList(1, args.size()));
    }
}
