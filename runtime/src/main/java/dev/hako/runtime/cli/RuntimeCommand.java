package dev.hako.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintStream;
import java.nio.file.Path;

/** `hako-runtime`: the root command and runc's global options. Subcommands are added by {@link Main}. */
@Command(name = "hako-runtime",
        headerHeading = "NAME:%n", header = "   hako-runtime - Open Container Initiative runtime (runc-compatible)",
        synopsisHeading = "USAGE:%n   ",
        customSynopsis = "hako-runtime [global options] command [command options] [arguments...]",
        descriptionHeading = "%nDESCRIPTION:%n",
        description = {
                "   hako-runtime runs applications packaged according to the Open Container Initiative",
                "   (OCI) format: bundles, i.e. a directory with a config.json and a root filesystem.",
                "   It follows runc's command line, so podman, conmon and containerd can use it.",
                "",
                "   To start a new instance of a container:",
                "",
                "       # hako-runtime run [ -b bundle ] <container-id>"},
        commandListHeading = "%nCOMMANDS:%n",
        optionListHeading = "%nGLOBAL OPTIONS:%n",
        usageHelpAutoWidth = false, usageHelpWidth = 110)
public final class RuntimeCommand implements Runnable {
    public static final String DEFAULT_ROOT = "/run/hako-runtime";

    @Spec CommandSpec spec;

    @Option(names = "--debug", description = "enable debug logging")
    boolean debug;

    @Option(names = "--log", paramLabel = "value",
            description = "set the log file to write hako-runtime logs to (default is '/dev/stderr')")
    String log;

    @Option(names = "--log-format", paramLabel = "value", defaultValue = "text",
            description = "set the log format ('text' (default), or 'json') (default: \"text\")")
    String logFormat;

    @Option(names = "--root", paramLabel = "value", defaultValue = DEFAULT_ROOT,
            description = "root directory for storage of container state (this should be located in tmpfs) (default: \""
                    + DEFAULT_ROOT + "\")")
    String root;

    @Option(names = "--criu", paramLabel = "value", defaultValue = "criu",
            description = "path to the criu binary used for checkpoint and restore (ignored: hako-runtime has no checkpoint/restore)")
    String criu;

    @Option(names = "--systemd-cgroup",
            description = "enable systemd cgroup support (not supported by hako-runtime: an error)")
    boolean systemdCgroup;

    @Option(names = "--rootless", paramLabel = "value", defaultValue = "auto",
            description = "ignore cgroup permission errors ('true', 'false', or 'auto') (default: \"auto\")")
    String rootless;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show help")
    boolean help;

    @Option(names = {"-v", "--version"}, versionHelp = true, description = "print the version")
    boolean version;

    private RuntimeLog runtimeLog;
    private PrintStream out = System.out;
    private PrintStream err = System.err;

    void streams(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public PrintStream out() { return out; }
    public PrintStream err() { return err; }

    /** The state root (--root), absolute. */
    public Path root() { return Path.of(root).toAbsolutePath(); }

    /** The log as the global options ask; before they are valid, text on stderr. */
    public synchronized RuntimeLog log() {
        if (runtimeLog == null) {
            RuntimeLog.Format f;
            try {
                f = RuntimeLog.parseFormat(logFormat == null ? "text" : logFormat);
            } catch (IllegalArgumentException e) {
                return RuntimeLog.stderrText(err);
            }
            runtimeLog = new RuntimeLog(log, f, debug, err);
        }
        return runtimeLog;
    }

    /** Checks the global options every command relies on; runc fails the same way. */
    public void validateGlobals() {
        RuntimeLog.parseFormat(logFormat);   // "invalid log-format: X"
        if (systemdCgroup) {
            throw new CliException("systemd cgroup driver is not supported by hako-runtime; use cgroupfs "
                    + "(podman: --cgroup-manager=cgroupfs)");
        }
        switch (rootless) {
            case "true", "false", "auto" -> { }
            default -> throw new CliException("invalid --rootless value: " + rootless);
        }
    }

    @Override
    public void run() {
        // No command given: runc prints the help.
        spec.commandLine().usage(out);
    }
}
