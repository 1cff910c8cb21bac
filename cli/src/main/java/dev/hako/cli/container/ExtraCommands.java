package dev.hako.cli.container;

import dev.hako.cli.format.Formatter;
import dev.hako.cli.format.TabWriter;
import dev.hako.cli.format.Units;
import dev.hako.engine.ContainerView;
import dev.hako.engine.Engine;
import dev.hako.engine.EngineException;
import dev.hako.engine.commit.Committer;
import dev.hako.engine.copy.ContainerCopy;
import dev.hako.engine.inspect.Stats;
import dev.hako.engine.inspect.Top;
import dev.hako.image.snapshot.Change;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** top, stats, cp, export, diff, commit, rename: docker's flags, columns and errors. */
public final class ExtraCommands {
    private ExtraCommands() {}

    /** The raw stdout/stdin for commands that stream tar bytes (cp -, export). */
    abstract static class StreamBase extends ContainerCommands.Base {
        private dev.hako.cli.Main.Terminal terminal() {
            return spec.root().userObject() instanceof dev.hako.cli.Main m ? m.terminal() : dev.hako.cli.Main.Terminal.system();
        }

        OutputStream rawOut() { return terminal().out(); }

        InputStream rawIn() { return terminal().in(); }

        boolean outIsTty() { return terminal().outIsTty(); }
    }

    // ---------------------------------------------------------------- top

    @Command(name = "top", description = "Display the running processes of a container")
    public static final class TopCommand extends ContainerCommands.Base {
        @Parameters(index = "0", paramLabel = "CONTAINER") String ref;
        @Parameters(index = "1..*", arity = "0..*", paramLabel = "[ps OPTIONS]") List<String> psArgs = new ArrayList<>();

        @Override
        int execute() {
            Top top;
            try {
                top = Top.of(engine().pids(ref), psArgs);
            } catch (EngineException e) {
                return daemonError(this, e);
            }
            // docker: tabwriter(minwidth 20, padding 3)
            TabWriter w = new TabWriter(20, 3);
            StringBuilder b = new StringBuilder(String.join("\t", top.titles())).append('\n');
            for (List<String> p : top.processes()) b.append(String.join("\t", p)).append('\n');
            out().print(w.add(b.toString()).render());
            return 0;
        }
    }

    // ---------------------------------------------------------------- stats

    @Command(name = "stats", description = "Display a live stream of container(s) resource usage statistics")
    public static final class StatsCommand extends ContainerCommands.Base {
        static final String DEFAULT_TABLE = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";
        static final Map<String, String> HEADERS = Map.of("ID", "CONTAINER ID", "Container", "CONTAINER", "Name", "NAME",
                "CPUPerc", "CPU %", "MemUsage", "MEM USAGE / LIMIT", "MemPerc", "MEM %", "NetIO", "NET I/O",
                "BlockIO", "BLOCK I/O", "PIDs", "PIDS");

        @Option(names = {"-a", "--all"}, description = "Show all containers (default shows just running)") boolean all;
        @Option(names = "--no-stream", description = "Disable streaming stats and only pull the first result") boolean noStream;
        @Option(names = "--no-trunc", description = "Do not truncate output") boolean noTrunc;
        @Option(names = "--format", description = "Format output using a Go template, or 'table', or 'json'") String format;
        @Parameters(arity = "0..*", paramLabel = "CONTAINER") List<String> refs = new ArrayList<>();

        @Override
        int execute() {
            Map<String, Stats> before = new LinkedHashMap<>();
            boolean first = true;
            while (true) {
                List<ContainerView> views = containers();
                Map<String, Stats> now = new LinkedHashMap<>();
                for (ContainerView v : views) now.put(v.record().id(), read(v));
                if (first) {
                    // CPU % needs two readings: docker's one-shot also waits for its second sample
                    Engine.sleep(1000);
                    before = now;
                    now = new LinkedHashMap<>();
                    for (ContainerView v : views) now.put(v.record().id(), read(v));
                    first = false;
                }
                List<Map<String, Object>> rows = new ArrayList<>();
                for (Stats s : now.values()) rows.add(row(before.get(s.id()), s));
                String text = Formatter.render(format, DEFAULT_TABLE, HEADERS, rows);
                if (!noStream) out().print("\033[2J\033[H"); // docker redraws the whole screen each second
                out().print(text);
                out().flush();
                if (noStream) return 0;
                before = now;
                Engine.sleep(1000);
            }
        }

        private List<ContainerView> containers() {
            List<ContainerView> out = new ArrayList<>();
            if (refs.isEmpty()) {
                for (ContainerView v : engine().list()) if (all || v.status().running()) out.add(v);
                return out;
            }
            for (String ref : refs) {
                try {
                    out.add(engine().inspect(ref));
                } catch (EngineException e) {
                    throw new EngineException("No such container: " + ref, 1, e);
                }
            }
            return out;
        }

        private Stats read(ContainerView v) {
            String id = v.record().id(), name = v.record().name();
            if (!v.status().running()) return Stats.stopped(id, name);
            try {
                return Stats.read(id, name, engine().cgroupStats(id), v.status().pid());
            } catch (RuntimeException e) {
                return Stats.stopped(id, name); // it exited between the listing and the reading
            }
        }

        private Map<String, Object> row(Stats before, Stats s) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("ID", noTrunc ? s.id() : s.id().substring(0, 12));
            row.put("Container", noTrunc ? s.id() : s.id().substring(0, 12));
            row.put("Name", s.name());
            boolean up = s.running();
            row.put("CPUPerc", up ? String.format(Locale.ROOT, "%.2f%%", Stats.cpuPercent(before, s)) : "0.00%");
            row.put("MemUsage", up ? Units.binarySize(s.memUsage()) + " / " + Units.binarySize(s.memLimit()) : "0B / 0B");
            row.put("MemPerc", String.format(Locale.ROOT, "%.2f%%", up ? s.memPercent() : 0.0));
            row.put("NetIO", Units.humanSize(s.netRx(), 3) + " / " + Units.humanSize(s.netTx(), 3));
            row.put("BlockIO", Units.humanSize(s.blockRead(), 3) + " / " + Units.humanSize(s.blockWrite(), 3));
            row.put("PIDs", Long.toString(s.pids()));
            return row;
        }
    }

    // ---------------------------------------------------------------- cp

    @Command(name = "cp", description = "Copy files/folders between a container and the local filesystem%n"
            + "Use '-' as the source to read a tar archive from stdin and extract it to a directory destination in a "
            + "container.%nUse '-' as the destination to stream a tar archive of a container source to stdout.")
    public static final class Cp extends StreamBase {
        @Option(names = {"-a", "--archive"}, description = "Archive mode (copy all uid/gid information)") boolean archive;
        @Option(names = {"-L", "--follow-link"}, description = "Always follow symbol link in SRC_PATH") boolean follow;
        @Option(names = {"-q", "--quiet"}, description = "Suppress progress output during copy") boolean quiet;
        @Parameters(index = "0", paramLabel = "SRC") String src;
        @Parameters(index = "1", paramLabel = "DEST") String dest;

        /** docker's splitCpArg: CONTAINER:PATH unless the argument is a local path (starts with / or .). */
        static String[] split(String arg) {
            if (arg.startsWith("/") || arg.startsWith(".")) return new String[] {null, arg};
            int colon = arg.indexOf(':');
            if (colon < 0) return new String[] {null, arg};
            return new String[] {arg.substring(0, colon), arg.substring(colon + 1)};
        }

        @Override
        int execute() {
            String[] s = split(src), d = split(dest);
            if (s[0] != null && d[0] != null) throw new EngineException("copying between containers is not supported", 1, null);
            if (s[0] == null && d[0] == null) throw new EngineException("must specify at least one container source", 1, null);
            // the local side is the caller's path (the CLI service runs in /)
            if (s[0] == null && !s[1].equals("-") && !s[1].isEmpty()) s[1] = caller().host().path(s[1]).toString();
            if (d[0] == null && !d[1].equals("-") && !d[1].isEmpty()) d[1] = caller().host().path(d[1]).toString();
            try {
                if (s[0] != null) {
                    if (s[1].isEmpty()) s[1] = ".";
                    try (ContainerCopy c = ContainerCopy.open(engine(), s[0])) {
                        if (d[1].equals("-")) {
                            if (outIsTty()) throw new EngineException("cannot copy to a TTY: redirect the output", 1, null);
                            out().flush();
                            c.copyOut(s[1], follow, rawOut());
                        } else {
                            c.copyOut(s[1], follow, d[1], archive);
                        }
                    }
                } else {
                    if (d[1].isEmpty()) d[1] = ".";
                    try (ContainerCopy c = ContainerCopy.open(engine(), d[0])) {
                        if (s[1].equals("-")) c.copyIn(rawIn(), d[1], archive);
                        else c.copyIn(s[1], follow, d[1], archive);
                    }
                }
            } catch (EngineException e) {
                if (e.getMessage().startsWith("Could not find") || e.getMessage().startsWith("No such container")
                        || e.getMessage().endsWith("is marked read-only")) return daemonError(this, e);
                throw e;
            }
            return 0;
        }
    }

    // ---------------------------------------------------------------- export / diff / commit / rename

    @Command(name = "export", description = "Export a container's filesystem as a tar archive")
    public static final class Export extends StreamBase {
        @Option(names = {"-o", "--output"}, description = "Write to a file, instead of STDOUT") Path output;
        @Parameters(index = "0", paramLabel = "CONTAINER") String ref;

        @Override
        int execute() {
            try {
                engine().store().lookup(ref);
            } catch (EngineException e) {
                return daemonError(this, e);
            }
            if (output == null) {
                if (outIsTty()) throw new EngineException("cowardly refusing to save to a terminal. Use the -o flag or redirect", 1, null);
                out().flush();
                Committer.export(engine(), ref, rawOut());
                return 0;
            }
            try {
                // docker's mode (its temp file's), under the caller's umask
                dev.hako.cli.CallerFiles.replace(caller().host(), output, dev.hako.cli.CallerFiles.ARCHIVE_MODE,
                        o -> Committer.export(engine(), ref, o));
            } catch (IOException e) {
                throw new EngineException("failed to export container: " + e.getMessage(), 1, e);
            }
            return 0;
        }
    }

    @Command(name = "diff", description = "Inspect changes to files or directories on a container's filesystem")
    public static final class Diff extends ContainerCommands.Base {
        @Parameters(index = "0", paramLabel = "CONTAINER") String ref;

        @Override
        int execute() {
            List<Change> changes;
            try {
                changes = Committer.diff(engine(), ref);
            } catch (EngineException e) {
                return daemonError(this, e);
            }
            for (Change c : changes) out().println(c);
            return 0;
        }
    }

    @Command(name = "commit", description = "Create a new image from a container's changes")
    public static final class Commit extends ContainerCommands.Base {
        @Option(names = {"-a", "--author"}, description = "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")") String author;
        @Option(names = {"-c", "--change"}, description = "Apply Dockerfile instruction to the created image") List<String> changes = new ArrayList<>();
        @Option(names = {"-m", "--message"}, description = "Commit message") String message;
        @Option(names = {"-p", "--pause"}, arity = "0..1", defaultValue = "true", fallbackValue = "true",
                description = "Pause container during commit (default true)") boolean pause;
        @Parameters(index = "0", paramLabel = "CONTAINER") String ref;
        @Parameters(index = "1", arity = "0..1", paramLabel = "REPOSITORY[:TAG]") String reference;

        @Override
        int execute() {
            try {
                out().println(Committer.commit(engine(), ref, reference, author, message, changes, pause).id());
            } catch (EngineException e) {
                return daemonError(this, e);
            } catch (RuntimeException e) {
                throw new EngineException(String.valueOf(e.getMessage()), 1, e);
            }
            return 0;
        }
    }

    @Command(name = "rename", description = "Rename a container")
    public static final class Rename extends ContainerCommands.Base {
        @Parameters(index = "0", paramLabel = "CONTAINER") String ref;
        @Parameters(index = "1", paramLabel = "NEW_NAME") String newName;

        @Override
        int execute() {
            try {
                engine().rename(ref, newName);
            } catch (EngineException e) {
                return daemonError(this, e);
            }
            return 0;
        }
    }

    /** docker prints what its daemon refused as "Error response from daemon: …" (no "Error: " prefix). */
    static int daemonError(ContainerCommands.Base cmd, EngineException e) {
        cmd.err().println("Error response from daemon: " + e.getMessage());
        return e.exitCode();
    }
}
