package dev.hako.runtime.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Entry point of bin/hako-runtime. Start-up matters (podman runs the runtime several times per container),
 * so only the subcommand named on the command line is built; `--version` prints without picocli at all.
 */
public final class Main {
    public static final String VERSION = "0.1.0";

    private Main() {}

    /** The subcommands in runc's order, each built only when used. */
    private record Entry(String name, String summary, Supplier<Object> factory) {}

    private static final List<Entry> COMMANDS = List.of(
            new Entry("create", "create a container", CreateCommand::new),
            new Entry("delete", "delete any resources held by the container often used with detached container", DeleteCommand::new),
            new Entry("events", "display container events such as OOM notifications, cpu, memory, and IO usage statistics", EventsCommand::new),
            new Entry("exec", "execute new process inside the container", ExecCommand::new),
            new Entry("kill", "kill sends the specified signal (default: SIGTERM) to the container's init process", KillCommand::new),
            new Entry("list", "lists containers started by hako-runtime with the given root", ListCommand::new),
            new Entry("pause", "pause suspends all processes inside the container", PauseCommand::new),
            new Entry("ps", "ps displays the processes running inside a container", PsCommand::new),
            new Entry("resume", "resumes all processes that have been previously paused", ResumeCommand::new),
            new Entry("run", "create and run a container", RunCommand::new),
            new Entry("spec", "create a new specification file", SpecCommand::new),
            new Entry("start", "executes the user defined process in a created container", StartCommand::new),
            new Entry("state", "output the state of a container", StateCommand::new),
            new Entry("update", "update container resource constraints", UpdateCommand::new),
            new Entry("features", "show the enabled features", FeaturesCommand::new));

    /** Global options that take a value (to find the command name without building the parser). */
    private static final List<String> GLOBAL_VALUE_OPTIONS = List.of("--log", "--log-format", "--root", "--criu", "--rootless");

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        int cmdIndex = commandIndex(args);
        String name = cmdIndex < 0 ? null : args[cmdIndex];
        if (name == null && wantsVersion(args)) {
            out.print(versionText());
            return 0;
        }
        RuntimeCommand root = new RuntimeCommand();
        root.streams(out, err);
        CommandLine cl = new CommandLine(root);
        boolean helpAll = name == null || name.equals("help") || name.equals("h");
        Entry chosen = null;
        for (Entry e : COMMANDS) {
            if (helpAll || e.name.equals(name)) {
                cl.addSubcommand(e.name, configure(new CommandLine(e.factory.get())));
                if (!helpAll) chosen = e;
            }
        }
        if (!helpAll && chosen == null) {
            RuntimeLog.stderrText(err).error("No help topic for '" + name + "'\n");
            return 3;
        }
        if (helpAll) {
            cl.getHelpSectionMap().put(picocli.CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST,
                    help -> commandList());
        }
        if (helpAll && name != null) {
            // `help [command]`
            if (cmdIndex + 1 < args.length) {
                CommandLine sub = cl.getSubcommands().get(args[cmdIndex + 1]);
                if (sub == null) {
                    RuntimeLog.stderrText(err).error("No help topic for '" + args[cmdIndex + 1] + "'\n");
                    return 3;
                }
                sub.usage(out);
            } else {
                cl.usage(out);
            }
            return 0;
        }
        configure(cl);
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            out.println("Incorrect Usage. " + (ex.getMessage() == null ? "" : ex.getMessage()));
            out.println();
            ex.getCommandLine().usage(out);
            root.log().error(ex.getMessage());
            return 1;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> failure(root, ex));
        String[] normalized = normalize(args, cl);
        return cl.execute(normalized);
    }

    private static String commandList() {
        StringBuilder sb = new StringBuilder();
        for (Entry e : COMMANDS) sb.append(String.format("   %-10s %s%n", e.name, e.summary));
        sb.append(String.format("   %-10s %s%n", "help, h", "Shows a list of commands or help for one command"));
        return sb.toString();
    }

    /** Logs a failure as runc does and gives the exit code. */
    static int failure(RuntimeCommand root, Exception ex) {
        if (ex instanceof UsageException u) {
            PrintStream out = root.out();
            out.println("Incorrect Usage.");
            out.println();
            if (u.commandLine() != null) u.commandLine().usage(out);
            root.log().error(u.getMessage());
            return 1;
        }
        String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
        RuntimeLog log = root.log();
        log.error(msg);
        if (log.debugEnabled()) {
            var sw = new java.io.StringWriter();
            ex.printStackTrace(new java.io.PrintWriter(sw));
            log.debug(sw.toString());
        }
        return ex instanceof CliException c ? c.exitCode() : 1;
    }

    private static CommandLine configure(CommandLine cl) {
        cl.setStopAtPositional(true);          // like urfave/cli: flags end at the first argument
        cl.setOverwrittenOptionsAllowed(true); // like Go's flag package: the last one wins
        cl.setUsageHelpAutoWidth(false);
        cl.setUsageHelpWidth(110);
        return cl;
    }

    /** Index of the command name in args, skipping global options; -1 when there is none. */
    static int commandIndex(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) return i + 1 < args.length ? i + 1 : -1;
            if (!a.startsWith("-") || a.equals("-")) return i;
            String opt = a.startsWith("--") ? a : "-" + a;   // Go also accepts -root
            if (opt.contains("=")) continue;
            if (GLOBAL_VALUE_OPTIONS.contains(opt)) i++;
        }
        return -1;
    }

    private static boolean wantsVersion(String[] args) {
        for (String a : args) {
            if (a.equals("-v") || a.equals("--version") || a.equals("-version")) return true;
        }
        return false;
    }

    public static String versionText() {
        return "hako-runtime version " + VERSION + "\n"
                + "spec: " + DefaultSpec.OCI_VERSION + "\n"
                + "java: " + System.getProperty("java.version") + "\n";
    }

    /**
     * Rewrites Go-style single-dash long options (-bundle, -root=x) to picocli's double-dash form, for the
     * options the command actually has, up to the first positional argument of the subcommand.
     */
    static String[] normalize(String[] args, CommandLine cl) {
        List<String> result = new ArrayList<>(args.length);
        CommandSpec spec = cl.getCommandSpec();
        boolean inSub = false;
        boolean done = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (done) { result.add(a); continue; }
            if (a.equals("--")) { result.add(a); done = inSub; if (!inSub) { /* next is command */ } continue; }
            if (a.startsWith("-") && a.length() > 1) {
                String name = a;
                int eq = a.indexOf('=');
                if (eq > 0) name = a.substring(0, eq);
                OptionSpec opt = spec.findOption(name);
                if (opt == null && !a.startsWith("--") && name.length() > 2) {
                    opt = spec.findOption("-" + name);
                    if (opt != null) a = "-" + a;
                }
                result.add(a);
                if (opt != null && eq < 0 && opt.arity().max() > 0 && !opt.typeInfo().isBoolean() && i + 1 < args.length) {
                    result.add(args[++i]);
                }
                continue;
            }
            result.add(a);
            if (!inSub) {
                CommandLine sub = cl.getSubcommands().get(a);
                if (sub != null) { spec = sub.getCommandSpec(); inSub = true; } else done = true;
            } else {
                done = true;
            }
        }
        return result.toArray(String[]::new);
    }
}
