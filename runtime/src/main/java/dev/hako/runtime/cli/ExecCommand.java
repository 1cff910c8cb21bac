package dev.hako.runtime.cli;

import dev.hako.oci.Json;
import dev.hako.oci.OciException;
import dev.hako.oci.runtime.Process;

import java.nio.file.Path;
import java.util.List;

public final class ExecCommand implements CommandSpec.Command {
    static final CommandSpec SPEC = new CommandSpec("exec", "execute new process inside the container",
            "[command options] <container-id> <command> [command options]  || -p process.json <container-id>",
            """
            "<command>" can't be empty unless a "-p" flag provided. The process inherits the
            container's process settings (env, user, capabilities, rlimits), changed by the
            options. Options after <container-id> belong to <command>.""",
            List.of(Flag.string("console-socket", null, "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"),
                    Flag.string("cwd", null, "current working directory in the container"),
                    Flag.list("env", "e", "set environment variables"),
                    Flag.bool("tty", "t", "allocate a pseudo-TTY"),
                    Flag.string("user", "u", "UID (format: <uid>[:<gid>])"),
                    Flag.list("additional-gids", "g", "additional gids"),
                    Flag.string("process", "p", "path to the process.json"),
                    Flag.bool("detach", "d", "detach from the container's process"),
                    Flag.string("pid-file", null, "specify the file to write the process id to"),
                    Flag.string("process-label", null, "set the asm process label for the process commonly used with selinux"),
                    Flag.string("apparmor", null, "set the apparmor profile for the process"),
                    Flag.bool("no-new-privs", null, "set the no new privileges value for the process"),
                    Flag.list("cap", "c", "add a capability to the bounding set for the process"),
                    Flag.string("preserve-fds", null, "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)"),
                    Flag.list("cgroup", null, "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>. (not supported)"),
                    Flag.bool("ignore-paused", null, "allow exec in a paused container")),
            false, ExecCommand::new);

    final Globals g;
    final List<String> args;
    final String consoleSocket;
    final String cwd;
    final List<String> env;
    final Boolean tty;
    final String user;
    final List<String> additionalGids;
    final String process;
    final boolean detach;
    final String pidFile;
    final String processLabel;
    final String apparmor;
    final Boolean noNewPrivs;
    final List<String> caps;
    final int preserveFds;
    final List<String> cgroups;
    final boolean ignorePaused;

    ExecCommand(Globals g, ParsedArgs a) throws ParsedArgs.BadFlag {
        this.g = g;
        this.args = a.args();
        this.consoleSocket = a.string("console-socket");
        this.cwd = a.string("cwd");
        this.env = a.list("env");
        this.tty = a.optionalBool("tty");
        this.user = a.string("user");
        this.additionalGids = a.list("additional-gids");
        this.process = a.string("process");
        this.detach = a.bool("detach");
        this.pidFile = a.string("pid-file");
        this.processLabel = a.string("process-label");
        this.apparmor = a.string("apparmor");
        this.noNewPrivs = a.optionalBool("no-new-privs");
        this.caps = a.list("cap");
        this.preserveFds = a.integer("preserve-fds", 0);
        this.cgroups = a.list("cgroup");
        this.ignorePaused = a.bool("ignore-paused");
    }

    ExecFlags flags() {
        return new ExecFlags(args.subList(1, args.size()), env, cwd, tty, user, additionalGids, caps, noNewPrivs,
                apparmor, processLabel);
    }

    /** The process to run: process.json as given, or the container's process changed by the flags. */
    Process process(Process containerProcess) {
        if (process != null) {
            Process p;
            try {
                p = Json.read(g.path(process), Process.class);
            } catch (OciException e) {
                throw new CliException(e.getMessage(), e);
            }
            if (p.args() == null || p.args().isEmpty()) throw new CliException("args must not be empty");
            return p;
        }
        return flags().apply(containerProcess);
    }

    @Override
    public int execute() {
        UsageException.check("exec", args, 1, UsageException.Kind.MIN);
        if (process == null && args.size() < 2) throw new UsageException("exec failed: args must not be empty");
        return new Actions(g).exec(this);
    }
}
