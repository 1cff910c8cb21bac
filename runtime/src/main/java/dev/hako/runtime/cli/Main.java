package dev.hako.runtime.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point of bin/hako-runtime. Start-up matters (podman runs the runtime three times per container),
 * so parsing is a small hand-written parser over static flag tables: nothing reflective, and every class
 * it needs can live in the JDK's AOT cache (picocli's Java 5 class files cannot).
 */
public final class Main {
    public static final String VERSION = "0.1.0";

    private Main() {}

    /** The subcommands, in runc's order. */
    static final List<CommandSpec> COMMANDS = List.of(
            CreateCommand.SPEC, DeleteCommand.SPEC, EventsCommand.SPEC, ExecCommand.SPEC, KillCommand.SPEC,
            ListCommand.SPEC, PauseCommand.SPEC, PsCommand.SPEC, ResumeCommand.SPEC, RunCommand.SPEC,
            SpecCommand.SPEC, StartCommand.SPEC, StateCommand.SPEC, UpdateCommand.SPEC, FeaturesCommand.SPEC);

    public static void main(String[] args) {
        Timing.mark("main");
        int code = run(args, System.out, System.err, System.in);
        System.out.flush();
        System.err.flush();
        Timing.mark("exit");
        Timing.report(System.err);
        // halt, not exit: System.exit sets up System.Logger machinery to log the exit (~10-20 ms of class
        // loading); there are no shutdown hooks to run and every stream is flushed above (the log file
        // flushes each line).
        java.lang.Runtime.getRuntime().halt(code);
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, System.in);
    }

    public static int run(String[] args, PrintStream out, PrintStream err, InputStream in) {
        return run(args, out, err, in, Caller.self());
    }

    /** Runs one command line for {@code caller} (the runtime service runs them for other processes). */
    public static int run(String[] args, PrintStream out, PrintStream err, InputStream in, Caller caller) {
        List<String> argv = Arrays.asList(args);
        ParsedArgs g;
        try {
            g = ParsedArgs.parse(Globals.FLAGS, argv, false);
        } catch (ParsedArgs.BadFlag e) {
            out.print("Incorrect Usage. " + e.getMessage() + "\n\n" + Help.root(COMMANDS, Globals.FLAGS));
            RuntimeLog.stderrText(err).error(e.getMessage());
            return 1;
        }
        Globals globals = new Globals(g, out, err, in, caller);
        List<String> rest = g.args();
        if (rest.isEmpty()) {
            if (g.bool("version")) {
                out.print(versionText());
            } else {
                out.print(Help.root(COMMANDS, Globals.FLAGS));
            }
            return 0;
        }
        String name = rest.getFirst();
        if (name.equals("help") || name.equals("h")) {
            if (rest.size() < 2) {
                out.print(Help.root(COMMANDS, Globals.FLAGS));
                return 0;
            }
            CommandSpec c = find(rest.get(1));
            if (c == null) return noSuchCommand(globals, rest.get(1));
            out.print(c.help());
            return 0;
        }
        CommandSpec spec = find(name);
        if (spec == null) return noSuchCommand(globals, name);
        CommandSpec.Command cmd;
        Timing.mark("parse-globals");
        try {
            ParsedArgs a = ParsedArgs.parse(spec.flags(), rest.subList(1, rest.size()), spec.interspersed());
            if (a.help()) {
                out.print(spec.help());
                return 0;
            }
            cmd = spec.factory().create(globals, a);
        } catch (ParsedArgs.BadFlag e) {
            return usage(globals, spec, "Incorrect Usage: " + e.getMessage(), e.getMessage());
        }
        Timing.mark("parse-command");
        try {
            globals.validate();
            return cmd.execute();
        } catch (UsageException e) {
            return usage(globals, spec, "Incorrect Usage.", e.getMessage());
        } catch (Exception e) {
            return failure(globals, e);
        } finally {
            Timing.mark(name);
        }
    }

    /** Parses a command line into its command without running it (for tests). */
    static CommandSpec.Command parse(String... args) throws ParsedArgs.BadFlag {
        ParsedArgs g = ParsedArgs.parse(Globals.FLAGS, Arrays.asList(args), false);
        List<String> rest = g.args();
        CommandSpec spec = find(rest.getFirst());
        if (spec == null) throw new ParsedArgs.BadFlag("no such command " + rest.getFirst());
        ParsedArgs a = ParsedArgs.parse(spec.flags(), rest.subList(1, rest.size()), spec.interspersed());
        return spec.factory().create(new Globals(g, System.out, System.err, System.in, Caller.self()), a);
    }

    private static CommandSpec find(String name) {
        for (CommandSpec c : COMMANDS) if (c.name().equals(name)) return c;
        return null;
    }

    private static int noSuchCommand(Globals g, String name) {
        RuntimeLog.stderrText(g.err()).error("No help topic for '" + name + "'\n");
        return 3;
    }

    private static int usage(Globals g, CommandSpec spec, String headline, String message) {
        g.out().print(headline + "\n\n" + spec.help());
        g.out().flush();
        g.log().error(message);
        return 1;
    }

    /** Logs a failure as runc does and gives the exit code. */
    static int failure(Globals g, Exception ex) {
        String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
        RuntimeLog log = g.log();
        log.error(msg);
        if (log.debugEnabled()) {
            var sw = new java.io.StringWriter();
            ex.printStackTrace(new java.io.PrintWriter(sw));
            log.debug(sw.toString());
        }
        return ex instanceof CliException c ? c.exitCode() : 1;
    }

    public static String versionText() {
        return "hako-runtime version " + VERSION + "\n"
                + "spec: " + DefaultSpec.OCI_VERSION + "\n"
                + "java: " + System.getProperty("java.version") + "\n";
    }
}
