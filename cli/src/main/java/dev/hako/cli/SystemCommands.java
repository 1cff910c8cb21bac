package dev.hako.cli;

import dev.hako.cli.format.Formatter;
import dev.hako.cli.format.TabWriter;
import dev.hako.cli.format.Units;
import dev.hako.engine.DiskUsage;
import dev.hako.engine.Pruned;
import dev.hako.image.store.ImageNames;
import dev.hako.image.store.Removal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `hako system …`: df, prune and info (also top-level `hako info`, as docker's).
 */
public final class SystemCommands {
    private SystemCommands() {}

    @Command(name = "system", description = "Manage hako",
            subcommands = {Df.class, Prune.class, InfoCommand.class, Boot.class})
    public static final class SystemGroup implements Runnable {
        @Spec CommandSpec spec;

        @Override
        public void run() { spec.commandLine().usage(((Main) spec.root().userObject()).terminal.out()); }
    }

    /**
     * What docker's daemon does when it starts, for a host without a daemon: run once at boot
     * (contrib/systemd/hako-boot.service). Prints the names it started; exits 1 if any failed to start.
     */
    @Command(name = "boot", description = "Start the containers docker's daemon would restart at its start "
            + "(--restart always; unless-stopped unless stopped by the user; on-failure after a failure); run at boot")
    static final class Boot extends VolumeCommands.Base {
        @Override
        int execute() {
            boolean[] failed = {false};
            for (String name : engine().startAfterBoot((name, e) -> {
                failed[0] = true;
                err().println("Error: start " + name + ": " + e.getMessage());
            })) out().println(name);
            out().flush();
            return failed[0] ? 1 : 0;
        }
    }

    @Command(name = "df", description = "Show hako disk usage")
    static final class Df extends VolumeCommands.Base {
        static final String DEFAULT_TABLE = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";
        static final Map<String, String> HEADERS = Map.of("Type", "TYPE", "TotalCount", "TOTAL", "Active", "ACTIVE",
                "Size", "SIZE", "Reclaimable", "RECLAIMABLE");

        @Option(names = {"-v", "--verbose"}, description = "Show detailed information on space usage") boolean verbose;
        @Option(names = "--format", description = "Format output using a Go template, or 'table', or 'json'") String format;

        @Override
        int execute() {
            DiskUsage du = engine().diskUsage();
            if (verbose && (format == null || format.isEmpty())) {
                verbose(du);
                return 0;
            }
            List<Map<String, Object>> rows = List.of(
                    row("Images", du.images(), true), row("Containers", du.containers(), true),
                    row("Local Volumes", du.volumes(), true), row("Build Cache", du.buildCache(), false));
            out().print(Formatter.render(format, DEFAULT_TABLE, HEADERS, rows));
            return 0;
        }

        private static Map<String, Object> row(String type, DiskUsage.Row r, boolean percent) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Type", type);
            m.put("TotalCount", String.valueOf(r.total()));
            m.put("Active", String.valueOf(r.active()));
            m.put("Size", Units.humanSize(r.size()));
            m.put("Reclaimable", reclaimable(r.reclaimable(), r.size(), percent));
            return m;
        }

        /** docker: "1.2MB (40%)" with an integer percentage; just the size when there is nothing. */
        static String reclaimable(long reclaimable, long size, boolean percent) {
            String s = Units.humanSize(reclaimable);
            return percent && size > 0 ? s + " (" + (reclaimable * 100 / size) + "%)" : s;
        }

        private void verbose(DiskUsage du) {
            Instant now = Instant.now();
            out().println("Images space usage:\n");
            TabWriter t = new TabWriter();
            StringBuilder b = new StringBuilder("REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS\n");
            for (DiskUsage.ImageItem i : du.imageItems()) {
                List<String> tags = i.repoTags().isEmpty() ? List.of("<none>:<none>") : i.repoTags();
                for (String tag : tags) {
                    String familiar = tag.equals("<none>:<none>") ? tag : ImageNames.familiar(tag);
                    int colon = familiar.lastIndexOf(':');
                    String id = i.id().startsWith("sha256:") ? i.id().substring(7, 19) : i.id();
                    b.append(familiar, 0, colon).append('\t').append(familiar.substring(colon + 1)).append('\t').append(id).append('\t')
                            .append(ago(i.created(), now)).append('\t').append(Units.humanSize(i.size())).append("\t0B\t")
                            .append(Units.humanSize(i.size())).append('\t').append(i.containers()).append('\n');
                }
            }
            out().print(t.add(b.toString()).render());
            out().println("\nContainers space usage:\n");
            b = new StringBuilder("CONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES\n");
            Map<String, Integer> volumesPer = new LinkedHashMap<>();
            engine().volumeUsage().forEach((vol, ids) -> ids.forEach(id -> volumesPer.merge(id, 1, Integer::sum)));
            for (DiskUsage.ContainerItem c : du.containerItems()) {
                b.append(c.id(), 0, 12).append('\t').append(c.image()).append('\t')
                        .append('"').append(Units.ellipsis(String.join(" ", c.command()), 20)).append('"').append('\t')
                        .append(volumesPer.getOrDefault(c.id(), 0)).append('\t').append(Units.humanSize(c.size())).append('\t')
                        .append(ago(c.created(), now)).append('\t').append(c.state()).append('\t').append(c.name()).append('\n');
            }
            out().print(new TabWriter().add(b.toString()).render());
            out().println("\nLocal Volumes space usage:\n");
            b = new StringBuilder("VOLUME NAME\tLINKS\tSIZE\n");
            for (DiskUsage.VolumeItem v : du.volumeItems())
                b.append(v.name()).append('\t').append(v.links()).append('\t').append(Units.humanSize(v.size())).append('\n');
            out().print(new TabWriter().add(b.toString()).render());
            out().println("\nBuild cache usage: 0B\n");
            out().print(new TabWriter().add("CACHE ID\tCACHE TYPE\tSIZE\tCREATED\tLAST USED\tUSAGE\tSHARED\n").render());
        }

        private static String ago(String rfc3339, Instant now) {
            try {
                return Units.ago(Instant.parse(rfc3339), now);
            } catch (RuntimeException e) {
                return "";
            }
        }
    }

    @Command(name = "prune", description = "Remove unused data")
    static final class Prune extends VolumeCommands.Base {
        @Option(names = {"-a", "--all"}, description = "Remove all unused images not just dangling ones") boolean all;
        @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation") boolean force;
        @Option(names = "--volumes", description = "Prune anonymous volumes") boolean volumes;

        @Override
        int execute() {
            if (!force) {
                List<String> what = new ArrayList<>(List.of("all stopped containers"));
                // ---- networks (network helper): "all networks not used by at least one container"
                if (volumes) what.add("all anonymous volumes not used by at least one container");
                what.add(all ? "all images without at least one container associated to them" : "all dangling images");
                what.add("unused build cache");
                StringBuilder w = new StringBuilder("WARNING! This will remove:\n");
                for (String x : what) w.append("  - ").append(x).append('\n');
                if (!confirm(w.toString())) return 0;
            }
            long freed = 0;
            Pruned containers = engine().pruneContainers();
            printDeleted("Deleted Containers:", containers.deleted());
            freed += containers.reclaimed();
            if (volumes) {
                Pruned v = engine().pruneVolumes(false);
                printDeleted("Deleted Volumes:", v.deleted());
                freed += v.reclaimed();
            }
            Removal images = engine().images().prune(all);
            List<String> lines = new ArrayList<>();
            for (String u : images.untagged()) lines.add("untagged: " + u);
            for (String d : images.deleted()) lines.add("deleted: " + d);
            printDeleted("Deleted Images:", lines);
            freed += images.reclaimed();
            out().println("Total reclaimed space: " + Units.humanSize(freed));
            return 0;
        }
    }
}
