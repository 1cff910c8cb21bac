package dev.hako.cli;

import dev.hako.cli.format.Units;
import dev.hako.engine.Pruned;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `hako container prune`: removes every stopped container, as docker's. */
@Command(name = "prune", description = "Remove all stopped containers")
public final class ContainerPrune extends VolumeCommands.Base {
    @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation") boolean force;

    @Override
    int execute() {
        if (!force && !confirm("WARNING! This will remove all stopped containers.")) return 0;
        Pruned p = engine().pruneContainers();
        printDeleted("Deleted Containers:", p.deleted());
        out().println("Total reclaimed space: " + Units.humanSize(p.reclaimed()));
        return 0;
    }
}
