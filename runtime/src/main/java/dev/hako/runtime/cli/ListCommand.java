package dev.hako.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

@Command(name = "list", headerHeading = "NAME:%n",
        header = "   hako-runtime list - lists containers started by hako-runtime with the given root",
        synopsisHeading = "%nUSAGE:%n   ", customSynopsis = "hako-runtime list [command options]",
        optionListHeading = "%nOPTIONS:%n")
public final class ListCommand extends BaseCommand {
    @Option(names = {"--format", "-f"}, paramLabel = "value", defaultValue = "table",
            description = "select one of: table or json (default: \"table\")")
    String format;

    @Option(names = {"--quiet", "-q"}, description = "display only container IDs")
    boolean quiet;

    @Parameters(hidden = true, arity = "0..*")
    List<String> args;

    @Override
    int execute() {
        checkArgs(args, 0, UsageException.Kind.EXACT);
        if (!format.equals("table") && !format.equals("json")) {
            throw new CliException("invalid format option");
        }
        return new Actions(parent).list(format, quiet);
    }
}
