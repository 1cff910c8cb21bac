package dev.hako.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code hako} command: docker's CLI (commands, flags, output, error wording) over hako's
 * libraries. Daemonless: each invocation works on the stores under --root directly.
 */
@Command(name = "hako", mixinStandardHelpOptions = false, usageHelpAutoWidth = true,
        description = "A container engine with docker's command line.")
public final class Main implements Runnable {
    /**
     * The top-level commands. Not in {@code @Command(subcommands)}: picocli would build the model of all of them,
     * a thousand options, for every command (30 ms of each command in the CLI service); {@link #run} adds only
     * the one the arguments name, or all of them when it can't tell (help, a mistyped name, an unknown option).
     */
    static final List<Class<?>> COMMANDS = List.of(
                ImageCommands.Pull.class, ImageCommands.Push.class, ImageCommands.Images.class,
                ImageCommands.Inspect.class, ImageCommands.Tag.class, ImageCommands.Rmi.class,
                ImageCommands.History.class, ImageCommands.Save.class, ImageCommands.Load.class,
                ImageCommands.Import.class, ImageCommands.ImageGroup.class,
                LoginCommands.Login.class, LoginCommands.Logout.class,
                // container commands (helper H9)
                dev.hako.cli.container.ContainerCommands.Run.class, dev.hako.cli.container.ContainerCommands.Create.class,
                dev.hako.cli.container.ContainerCommands.Start.class, dev.hako.cli.container.ContainerCommands.Stop.class,
                dev.hako.cli.container.ContainerCommands.Kill.class, dev.hako.cli.container.ContainerCommands.Rm.class,
                dev.hako.cli.container.ContainerCommands.Ps.class, dev.hako.cli.container.ContainerCommands.Logs.class,
                dev.hako.cli.container.ContainerCommands.Wait.class, dev.hako.cli.container.ContainerCommands.Exec.class,
                dev.hako.cli.container.ContainerCommands.Pause.class, dev.hako.cli.container.ContainerCommands.Unpause.class,
                dev.hako.cli.container.ContainerCommands.ContainerGroup.class,
                // ---- lifecycle commands
                dev.hako.cli.container.LifecycleCommands.Restart.class,
                // ---- tty commands
                dev.hako.cli.container.ContainerCommands.Attach.class,
                // ---- container extras
                dev.hako.cli.container.ExtraCommands.TopCommand.class, dev.hako.cli.container.ExtraCommands.StatsCommand.class,
                dev.hako.cli.container.ExtraCommands.Cp.class, dev.hako.cli.container.ExtraCommands.Export.class,
                dev.hako.cli.container.ExtraCommands.Diff.class, dev.hako.cli.container.ExtraCommands.Commit.class,
                dev.hako.cli.container.ExtraCommands.Rename.class, InfoCommand.class,
                // ---- volume and system commands
                VolumeCommands.VolumeGroup.class, SystemCommands.SystemGroup.class,
                // ---- network commands
                dev.hako.cli.container.NetworkCommands.NetworkGroup.class, dev.hako.cli.container.NetworkCommands.Port.class,
                // ---- run flag commands
                Version.class, CommandLine.HelpCommand.class);

    @Option(names = "--root", description = "Persistent state directory (default: ${DEFAULT-VALUE})",
            defaultValue = "/var/lib/hako")
    Path root;

    @Option(names = "--runroot", description = "Volatile state directory (default: ${DEFAULT-VALUE})",
            defaultValue = "/run/hako")
    Path runroot;

    @Option(names = {"-l", "--log-level"}, description = "debug, info, warn, error (default: ${DEFAULT-VALUE})",
            defaultValue = "warn")
    String logLevel;

    @Option(names = {"-D", "--debug"}, description = "Debug output (stack traces on errors)")
    boolean debug;

    @Option(names = "--authfile", description = "Registry credentials file (podman's; default: $REGISTRY_AUTH_FILE, "
            + "containers/auth.json, ~/.docker/config.json)")
    Path authFile;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Print usage")
    boolean help;

    final Terminal terminal;
    private dev.hako.image.store.ImageService images;

    Main(Terminal terminal) { this.terminal = terminal; }

    /** The streams this invocation prints to (commands that write raw bytes, e.g. cp -, export, attach, need them). */
    public Terminal terminal() { return terminal; }

    /**
     * The image service over --root, opened on first use (commands like version don't need it), with the caller's
     * --authfile and environment (auth files, credential helpers), for every command that pulls, run too.
     */
    public dev.hako.image.store.ImageService images() {
        if (images == null) {
            images = new dev.hako.image.store.ImageService(root,
                    dev.hako.image.store.ImageService.Options.defaults().withAuthFile(authFile)
                            .withEnv(terminal.host().caller().env()).withCwd(terminal.host().caller().cwd()));
            // rmi and prune must see the containers made from an image, as docker's do
            images.setImageUsage(new dev.hako.engine.container.ContainerStore(root.toAbsolutePath().normalize()));
        }
        return images;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a command is required, see 'hako --help'");
    }

    public static void main(String[] args) {
        int code = run(args, Terminal.system());
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command; what it prints goes to the terminal's streams. Returns the exit code. */
    public static int run(String[] args, Terminal terminal) {
        Main main = new Main(terminal);
        CommandLine cl = commandLine(main, args);
        cl.setOut(new PrintWriter(terminal.out(), true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(terminal.err(), true, StandardCharsets.UTF_8));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // relative paths in arguments are the caller's (the CLI service's own working directory is /)
        cl.registerConverter(Path.class, s -> terminal.host().path(s));
        HelpOptions.addEverywhere(cl);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            Throwable shown = e;
            if (e instanceof Exit exit) return exit.code();
            String msg = shown.getMessage() == null ? shown.toString() : shown.getMessage();
            terminal.err().println("Error: " + msg);
            if (main.debug) shown.printStackTrace(terminal.err());
            return 1;
        });
        cl.setParameterExceptionHandler((ex, strings) -> {
            // docker: "unknown flag: --x\nSee 'docker images --help'." exit 125
            terminal.err().println("Error: " + ex.getMessage());
            CommandLine c = ex.getCommandLine();
            terminal.err().println("See '" + c.getCommandSpec().qualifiedName() + " --help'.");
            return 125;
        });
        return cl.execute(args);
    }

    /** {@code main} with the commands {@code args} name ({@link #namedCommand}); all of them for no arguments. */
    static CommandLine commandLine(Main main, String... args) {
        CommandLine cl = new CommandLine(main);
        Class<?> named = namedCommand(args);
        for (Class<?> c : named != null ? List.of(named) : COMMANDS) cl.addSubcommand(c);
        // adding a command gives it (and its subcommands) Main's parser settings: its own model transformer (run's
        // stop at the first positional) must come after that, as it does for @Command(subcommands)
        for (CommandLine sub : cl.getSubcommands().values()) reapplyTransformers(sub);
        return cl;
    }

    private static void reapplyTransformers(CommandLine cl) {
        Object user = cl.getCommandSpec().userObject();
        Command a = user == null ? null : user.getClass().getAnnotation(Command.class);
        if (a != null && a.modelTransformer().getEnclosingClass() != CommandLine.class) {   // not picocli's no-op
            try {
                a.modelTransformer().getDeclaredConstructor().newInstance().transform(cl.getCommandSpec());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("model transformer of " + user.getClass().getName(), e);
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) reapplyTransformers(sub);
    }

    /** Top-level command names and aliases → their classes. */
    private static final Map<String, Class<?>> BY_NAME = byName();

    private static Map<String, Class<?>> byName() {
        Map<String, Class<?>> m = new HashMap<>();
        for (Class<?> c : COMMANDS) {
            Command a = c.getAnnotation(Command.class);
            m.put(a.name(), c);
            for (String alias : a.aliases()) m.put(alias, c);
        }
        return m;
    }

    /** Main's options that take a value as the next argument. */
    private static final Set<String> VALUE_OPTIONS = Set.of("--root", "--runroot", "-l", "--log-level", "--authfile");
    private static final Set<String> FLAG_OPTIONS = Set.of("-D", "--debug");

    /**
     * The command the arguments name after Main's own options, or null when that is not certain (then every
     * command is added and picocli handles help and errors as always). {@code help} needs them all.
     */
    static Class<?> namedCommand(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (VALUE_OPTIONS.contains(a)) {
                i++;
            } else if (FLAG_OPTIONS.contains(a) || (a.startsWith("--") && a.indexOf('=') > 0
                    && VALUE_OPTIONS.contains(a.substring(0, a.indexOf('='))))) {
                continue;
            } else {
                Class<?> c = a.startsWith("-") ? null : BY_NAME.get(a);
                return c == CommandLine.HelpCommand.class ? null : c;
            }
        }
        return null;
    }

    /** Ends a command with an exit code after it printed its own message. */
    static final class Exit extends RuntimeException {
        private final int code;

        Exit(int code) {
            super(null, null, false, false);
            this.code = code;
        }

        int code() { return code; }
    }

    /**
     * The streams a command prints to, whether stdout is a terminal and how wide, and the {@link Host} it runs for.
     * Tests pass streams of their own.
     */
    public record Terminal(PrintStream out, PrintStream err, InputStream in, boolean outIsTty, int width, Host host) {
        public Terminal(PrintStream out, PrintStream err, InputStream in, boolean outIsTty, int width) {
            this(out, err, in, outIsTty, width, Host.inProcess());
        }

        public static Terminal system() {
            var console = System.console();
            boolean tty = console != null && console.isTerminal();
            return new Terminal(new PrintStream(System.out, false, StandardCharsets.UTF_8),
                    new PrintStream(System.err, true, StandardCharsets.UTF_8), System.in, tty,
                    width(System.getenv("COLUMNS"), tty ? 1 : -1), Host.process());
        }

        /** $COLUMNS, else the terminal's width on {@code fd}, else 120 for a terminal and 80 for anything else. */
        public static int width(String columns, int fd) {
            if (columns != null && columns.matches("\\d{1,4}")) return Integer.parseInt(columns);
            if (fd < 0) return 80;
            var size = dev.hako.kernel.Tty.size(fd);
            return size != null && size.cols() > 0 ? size.cols() : 120;
        }
    }
}
