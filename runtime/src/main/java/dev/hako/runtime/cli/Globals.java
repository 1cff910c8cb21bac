package dev.hako.runtime.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** runc's global options, the log they configure, and the process's standard streams. */
public final class Globals {
    public static final String DEFAULT_ROOT = "/run/hako-runtime";

    static final List<Flag> FLAGS = List.of(
            Flag.bool("debug", null, "enable debug logging"),
            Flag.string("log", null, "set the log file to write hako-runtime logs to (default is '/dev/stderr')"),
            Flag.string("log-format", null, "set the log format ('text' (default), or 'json') (default: \"text\")"),
            Flag.string("root", null, "root directory for storage of container state (this should be located in tmpfs) (default: \"" + DEFAULT_ROOT + "\")"),
            Flag.string("criu", null, "path to the criu binary used for checkpoint and restore (default: \"criu\"; ignored, no checkpoint/restore)"),
            Flag.bool("systemd-cgroup", null, "enable systemd cgroup support (not supported by hako-runtime: an error)"),
            Flag.string("rootless", null, "ignore cgroup permission errors ('true', 'false', or 'auto') (default: \"auto\")"),
            Flag.bool("help", "h", "show help"),
            Flag.bool("version", "v", "print the version"));

    final boolean debug;
    final String log;
    final String logFormat;
    final String root;
    final boolean systemdCgroup;
    final String rootless;
    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;
    private final Caller caller;
    private RuntimeLog runtimeLog;

    Globals(ParsedArgs a, PrintStream out, PrintStream err, InputStream in, Caller caller) {
        this.caller = caller;
        this.debug = a.bool("debug");
        this.log = a.string("log");
        this.logFormat = a.string("log-format", "text");
        this.root = a.string("root", DEFAULT_ROOT);
        this.systemdCgroup = a.bool("systemd-cgroup");
        this.rootless = a.string("rootless", "auto");
        this.out = out;
        this.err = err;
        this.in = in;
    }

    public PrintStream out() { return out; }
    public PrintStream err() { return err; }
    public InputStream in() { return in; }

    /** The process that ran the command. */
    public Caller caller() { return caller; }

    /** A path argument as the caller means it (absolute). */
    public Path path(String p) { return caller.resolve(p); }

    /** The state root (--root), absolute. */
    public Path root() { return path(root); }

    /** The log as the global options ask; while they are invalid, text on stderr. */
    public synchronized RuntimeLog log() {
        if (runtimeLog == null) {
            RuntimeLog.Format f;
            try {
                f = RuntimeLog.parseFormat(logFormat);
            } catch (IllegalArgumentException e) {
                return RuntimeLog.stderrText(err);
            }
            // /dev/stderr stays as is: RuntimeLog writes it to err, which is the caller's stderr
            String file = log == null || log.isEmpty() || log.equals("/dev/stderr") ? log : path(log).toString();
            runtimeLog = new RuntimeLog(file, f, debug, err);
        }
        return runtimeLog;
    }

    /** Checks the global options every command relies on; runc fails the same way. */
    public void validate() {
        try {
            RuntimeLog.parseFormat(logFormat);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        if (systemdCgroup) {
            throw new CliException("systemd cgroup driver is not supported by hako-runtime; use cgroupfs "
                    + "(podman: --cgroup-manager=cgroupfs)");
        }
        switch (rootless) {
            case "true", "false", "auto" -> { }
            default -> throw new CliException("invalid --rootless value: " + rootless);
        }
    }
}
