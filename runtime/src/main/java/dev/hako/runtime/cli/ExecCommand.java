package dev.hako.runtime.cli;

import dev.hako.oci.Json;
import dev.hako.oci.OciException;
import dev.hako.oci.runtime.Process;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

@Command(name = "exec", headerHeading = "NAME:%n", header = "   hako-runtime exec - execute new process inside the container",
        synopsisHeading = "%nUSAGE:%n   ",
        customSynopsis = "hako-runtime exec [command options] <container-id> <command> [command options]  || -p process.json <container-id>",
        descriptionHeading = "%nDESCRIPTION:%n",
        description = {"   \"<command>\" can't be empty unless a \"-p\" flag provided. The process inherits the",
                "container's process settings (env, user, capabilities, rlimits), changed by the options."},
        optionListHeading = "%nOPTIONS:%n")
public final class ExecCommand extends BaseCommand {
    @Option(names = "--console-socket", paramLabel = "value",
            description = "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal")
    String consoleSocket;

    @Option(names = "--cwd", paramLabel = "value", description = "current working directory in the container")
    String cwd;

    @Option(names = {"--env", "-e"}, paramLabel = "value", description = "set environment variables")
    List<String> env = new ArrayList<>();

    @Option(names = {"--tty", "-t"}, description = "allocate a pseudo-TTY")
    Boolean tty;

    @Option(names = {"--user", "-u"}, paramLabel = "value", description = "UID (format: <uid>[:<gid>])")
    String user;

    @Option(names = {"--additional-gids", "-g"}, paramLabel = "value", description = "additional gids")
    List<String> additionalGids = new ArrayList<>();

    @Option(names = {"--process", "-p"}, paramLabel = "value", description = "path to the process.json")
    String process;

    @Option(names = {"--detach", "-d"}, description = "detach from the container's process")
    boolean detach;

    @Option(names = "--pid-file", paramLabel = "value", description = "specify the file to write the process id to")
    String pidFile;

    @Option(names = "--process-label", paramLabel = "value", description = "set the asm process label for the process commonly used with selinux")
    String processLabel;

    @Option(names = "--apparmor", paramLabel = "value", description = "set the apparmor profile for the process")
    String apparmor;

    @Option(names = "--no-new-privs", description = "set the no new privileges value for the process")
    Boolean noNewPrivs;

    @Option(names = {"--cap", "-c"}, paramLabel = "value", description = "add a capability to the bounding set for the process")
    List<String> caps = new ArrayList<>();

    @Option(names = "--preserve-fds", paramLabel = "value", defaultValue = "0",
            description = "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)")
    int preserveFds;

    @Option(names = "--cgroup", paramLabel = "value",
            description = "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.")
    List<String> cgroups = new ArrayList<>();

    @Option(names = "--ignore-paused", description = "allow exec in a paused container")
    boolean ignorePaused;

    @Parameters(hidden = true, paramLabel = "<container-id> <command>", arity = "0..*")
    List<String> args;

    ExecFlags flags() {
        return new ExecFlags(args.subList(1, args.size()), env, cwd, tty, user, additionalGids, caps, noNewPrivs,
                apparmor, processLabel);
    }

    /** The process to run: process.json as given, or the container's process changed by the flags. */
    Process process(Process containerProcess) {
        if (process != null) {
            Process p;
            try {
                p = Json.read(Path.of(process), Process.class);
            } catch (OciException e) {
                throw new CliException(e.getMessage(), e);
            }
            if (p.args() == null || p.args().isEmpty()) throw new CliException("args must not be empty");
            return p;
        }
        return flags().apply(containerProcess);
    }

    @Override
    int execute() {
        checkArgs(args, 1, UsageException.Kind.MIN);
        if (process == null && args.size() < 2) {
            throw new UsageException(commandLine(), "exec failed: args must not be empty");
        }
        return new Actions(parent).exec(this);
    }
}
