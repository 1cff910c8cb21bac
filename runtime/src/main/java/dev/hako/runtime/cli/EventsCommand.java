package dev.hako.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.List;

@Command(name = "events", headerHeading = "NAME:%n",
        header = "   hako-runtime events - display container events such as OOM notifications, cpu, memory, and IO usage statistics",
        synopsisHeading = "%nUSAGE:%n   ", customSynopsis = "hako-runtime events [command options] <container-id>",
        descriptionHeading = "%nDESCRIPTION:%n",
        description = {"   The events command displays information about the container. By default the",
                "information is displayed once every 5 seconds."},
        optionListHeading = "%nOPTIONS:%n")
public final class EventsCommand extends BaseCommand {
    @Option(names = "--interval", paramLabel = "value", defaultValue = "5s",
            description = "set the stats collection interval (default: 5s)")
    String interval;

    @Option(names = "--stats", description = "display the container's stats then exit")
    boolean stats;

    @Parameters(hidden = true, paramLabel = "<container-id>", arity = "0..*")
    List<String> args;

    @Override
    int execute() {
        checkArgs(args, 1, UsageException.Kind.EXACT);
        Duration d;
        try {
            d = GoDuration.parse(interval);
        } catch (IllegalArgumentException e) {
            throw new UsageException(commandLine(), "invalid value \"" + interval + "\" for flag -interval: " + e.getMessage());
        }
        if (d.isNegative() || d.isZero()) throw new CliException("duration interval must be greater than 0");
        return new Actions(parent).events(args.getFirst(), stats, d);
    }
}
