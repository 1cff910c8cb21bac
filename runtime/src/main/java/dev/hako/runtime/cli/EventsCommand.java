package dev.hako.runtime.cli;

import java.time.Duration;
import java.util.List;

public final class EventsCommand implements CommandSpec.Command {
    static final CommandSpec SPEC = new CommandSpec("events",
            "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
            "[command options] <container-id>",
            """
            The events command displays information about the container. By default the
            information is displayed once every 5 seconds.""",
            List.of(Flag.string("interval", null, "set the stats collection interval (default: 5s)"),
                    Flag.bool("stats", null, "display the container's stats then exit")),
            true, EventsCommand::new);

    final Globals g;
    final List<String> args;
    final String interval;
    final boolean stats;

    EventsCommand(Globals g, ParsedArgs a) throws ParsedArgs.BadFlag {
        this.g = g;
        this.args = a.args();
        this.interval = a.string("interval", "5s");
        this.stats = a.bool("stats");
        try {
            GoDuration.parse(interval);
        } catch (IllegalArgumentException e) {
            throw new ParsedArgs.BadFlag("invalid value \"" + interval + "\" for flag -interval: " + e.getMessage());
        }
    }

    @Override
    public int execute() {
        UsageException.check("events", args, 1, UsageException.Kind.EXACT);
        Duration d = GoDuration.parse(interval);
        if (d.isNegative() || d.isZero()) throw new CliException("duration interval must be greater than 0");
        return new Actions(g).events(args.getFirst(), stats, d);
    }
}
