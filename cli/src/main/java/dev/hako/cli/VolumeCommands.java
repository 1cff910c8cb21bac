package dev.hako.cli;

import dev.hako.cli.format.Formatter;
import dev.hako.cli.format.GoJson;
import dev.hako.cli.format.GoTemplate;
import dev.hako.cli.format.Units;
import dev.hako.engine.Engine;
import dev.hako.engine.EngineException;
import dev.hako.engine.Pruned;
import dev.hako.engine.volume.MountPoint;
import dev.hako.engine.volume.Volume;
import dev.hako.oci.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** `hako volume create/ls/inspect/rm/prune`: docker's flags, columns, JSON and wording. */
public final class VolumeCommands {
    private VolumeCommands() {}

    /** The engine over the root command's --root/--runroot; docker's error printing. */
    abstract static class Base implements Callable<Integer> {
        @Spec CommandSpec spec;
        private Engine engine;

        Main main() { return (Main) spec.root().userObject(); }

        PrintStream out() { return main().terminal.out(); }

        PrintStream err() { return main().terminal.err(); }

        Engine engine() {
            if (engine == null) engine = new Engine(main().root, main().runroot, m -> err().println("WARNING: " + m));
            return engine;
        }

        @Override
        public final Integer call() {
            try {
                return execute();
            } catch (EngineException e) {
                err().println("Error response from daemon: " + e.getMessage());
                if (main().debug) e.printStackTrace(err());
                return e.exitCode();
            } finally {
                out().flush();
                err().flush();
            }
        }

        abstract int execute();

        /** Each argument in turn; failures are printed and make the exit code 1, as docker's. */
        int forEach(List<String> args, java.util.function.Consumer<String> each) {
            int code = 0;
            for (String a : args) {
                try {
                    each.accept(a);
                } catch (EngineException e) {
                    err().println("Error response from daemon: " + e.getMessage());
                    code = 1;
                }
            }
            return code;
        }

        /** docker's prune prompt; true when the user said yes. */
        boolean confirm(String warning) {
            out().print(warning + "\nAre you sure you want to continue? [y/N] ");
            out().flush();
            String answer = ImageCommands.readLine(main().terminal.in()).trim();
            return answer.equalsIgnoreCase("y") || answer.equalsIgnoreCase("yes");
        }

        /** "Deleted Volumes:" + names + a blank line, when there is anything. */
        void printDeleted(String title, List<String> names) {
            if (names.isEmpty()) return;
            out().println(title);
            for (String n : names) out().println(n);
            out().println();
        }
    }

    @Command(name = "volume", description = "Manage volumes",
            subcommands = {Create.class, Ls.class, Inspect.class, Rm.class, Prune.class})
    public static final class VolumeGroup implements Runnable {
        @Spec CommandSpec spec;

        @Override
        public void run() { spec.commandLine().usage(((Main) spec.root().userObject()).terminal.out()); }
    }

    @Command(name = "create", description = "Create a volume")
    static final class Create extends Base {
        @Option(names = "--name", description = "Specify volume name") String nameFlag;
        @Option(names = {"-d", "--driver"}, description = "Specify volume driver name", defaultValue = "local") String driver;
        @Option(names = {"-o", "--opt"}, description = "Set driver specific options") Map<String, String> opts = new LinkedHashMap<>();
        @Option(names = "--label", description = "Set metadata for a volume") List<String> labels = new ArrayList<>();
        @Parameters(arity = "0..1", paramLabel = "VOLUME") String name;

        @Override
        int execute() {
            if (name != null && nameFlag != null && !name.equals(nameFlag)) {
                err().println("Error: conflicting options: either specify --name or provide positional arg, not both");
                return 1;
            }
            Volume v = engine().createVolume(name != null ? name : nameFlag, driver, opts, keyValues(labels));
            out().println(v.name());
            return 0;
        }
    }

    /** docker's label flags: KEY=VALUE, or KEY alone for an empty value. */
    static Map<String, String> keyValues(List<String> kvs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : kvs) {
            int eq = kv.indexOf('=');
            if (eq < 0) out.put(kv, "");
            else out.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return out;
    }

    @Command(name = "ls", aliases = "list", description = "List volumes")
    static final class Ls extends Base {
        static final String DEFAULT_TABLE = "table {{.Driver}}\t{{.Name}}";
        static final Map<String, String> HEADERS = Map.of("Driver", "DRIVER", "Name", "VOLUME NAME", "Mountpoint", "MOUNTPOINT",
                "Labels", "LABELS", "Scope", "SCOPE", "Links", "LINKS", "Size", "SIZE", "CreatedAt", "CREATED");

        @Option(names = {"-q", "--quiet"}, description = "Only display volume names") boolean quiet;
        @Option(names = {"-f", "--filter"}, description = "Provide filter values (e.g. \"dangling=true\")") List<String> filters = new ArrayList<>();
        @Option(names = "--format", description = "Format output using a Go template, or 'table', or 'json'") String format;

        @Override
        int execute() {
            Map<String, List<String>> usage = engine().volumeUsage();
            List<Volume> shown = new ArrayList<>();
            for (Volume v : engine().listVolumes()) if (matches(v, usage.getOrDefault(v.name(), List.of()).size())) shown.add(v);
            if (quiet) {
                for (Volume v : shown) out().println(v.name());
                return 0;
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Volume v : shown) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("Driver", v.driver());
                row.put("Name", v.name());
                row.put("Mountpoint", v.mountpoint());
                row.put("Labels", String.join(",", v.labelsOrEmpty().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
                row.put("Scope", v.scope());
                row.put("Links", "N/A");
                row.put("Size", "N/A");
                row.put("CreatedAt", v.createdAt());
                rows.add(row);
            }
            out().print(Formatter.render(format, DEFAULT_TABLE, HEADERS, rows));
            return 0;
        }

        /** docker's volume filters: dangling, name (substring), label (key or key=value), driver; all must hold. */
        private boolean matches(Volume v, int users) {
            for (String f : filters) {
                int eq = f.indexOf('=');
                if (eq < 0) throw new EngineException("bad format of filter (expected name=value)", 1, null);
                String key = f.substring(0, eq), value = f.substring(eq + 1);
                boolean ok = switch (key) {
                    case "dangling" -> {
                        boolean want = switch (value.toLowerCase()) {
                            case "true", "1" -> true;
                            case "false", "0" -> false;
                            default -> throw new EngineException("invalid filter 'dangling=" + value + "'", 1, null);
                        };
                        yield (users == 0) == want;
                    }
                    case "name" -> v.name().contains(value);
                    case "driver" -> v.driver().equals(value);
                    case "label" -> {
                        int e2 = value.indexOf('=');
                        Map<String, String> l = v.labelsOrEmpty();
                        yield e2 < 0 ? l.containsKey(value) : value.substring(e2 + 1).equals(l.get(value.substring(0, e2)));
                    }
                    default -> throw new EngineException("invalid filter '" + key + "'", 1, null);
                };
                if (!ok) return false;
            }
            return true;
        }
    }

    /** docker volume inspect's object. */
    static Map<String, Object> json(Volume v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("CreatedAt", v.createdAt());
        m.put("Driver", v.driver());
        m.put("Labels", v.labelsOrEmpty());
        m.put("Mountpoint", v.mountpoint());
        m.put("Name", v.name());
        m.put("Options", v.optionsOrEmpty());
        m.put("Scope", v.scope());
        return m;
    }

    @Command(name = "inspect", description = "Display detailed information on one or more volumes")
    static final class Inspect extends Base {
        @Option(names = {"-f", "--format"}, description = "Format output using a Go template") String format;
        @Parameters(arity = "1..*", paramLabel = "VOLUME") List<String> names;

        @Override
        int execute() {
            List<Object> found = new ArrayList<>();
            int code = forEach(names, n -> found.add(json(engine().inspectVolume(n))));
            if (format != null && !format.isEmpty()) {
                for (Object o : found) out().print(Formatter.renderOne(format, GoTemplate.dataOf(o, Json.mapper())));
            } else {
                out().println(GoJson.indent(found));
            }
            return code;
        }
    }

    @Command(name = "rm", aliases = "remove", description = "Remove one or more volumes")
    static final class Rm extends Base {
        @Option(names = {"-f", "--force"}, description = "Force the removal of one or more volumes") boolean force;
        @Parameters(arity = "1..*", paramLabel = "VOLUME") List<String> names;

        @Override
        int execute() {
            return forEach(names, n -> {
                engine().removeVolume(n, force);
                out().println(n);
            });
        }
    }

    @Command(name = "prune", description = "Remove unused local volumes")
    static final class Prune extends Base {
        @Option(names = {"-a", "--all"}, description = "Remove all unused volumes, not just anonymous ones") boolean all;
        @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation") boolean force;

        @Override
        int execute() {
            if (!force && !confirm(all ? "WARNING! This will remove all local volumes not used by at least one container."
                    : "WARNING! This will remove anonymous local volumes not used by at least one container.")) return 0;
            Pruned p = engine().pruneVolumes(all);
            printDeleted("Deleted Volumes:", p.deleted());
            out().println("Total reclaimed space: " + Units.humanSize(p.reclaimed()));
            return 0;
        }
    }

    /** docker container inspect's "Mounts". */
    public static List<Map<String, Object>> mountsJson(List<MountPoint> points) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (MountPoint p : points) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Type", p.type());
            if (p.name() != null) m.put("Name", p.name());
            m.put("Source", p.source());
            m.put("Destination", p.destination());
            if (p.driver() != null) m.put("Driver", p.driver());
            m.put("Mode", p.mode());
            m.put("RW", p.rw());
            m.put("Propagation", p.propagation());
            out.add(m);
        }
        return out;
    }
}
