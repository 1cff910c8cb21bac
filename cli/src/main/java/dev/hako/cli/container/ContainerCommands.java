package dev.hako.cli.container;

import dev.hako.cli.format.Formatter;
import dev.hako.cli.format.Units;
import dev.hako.engine.ContainerView;
import dev.hako.engine.Engine;
import dev.hako.engine.EngineException;
import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.ContainerRecord;
import dev.hako.engine.container.Status;
import dev.hako.engine.logs.JsonFileLog;
import dev.hako.engine.logs.LogEntry;
import dev.hako.kernel.exec.Stdio;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** The container commands: run, create, start, stop, kill, rm, ps, logs, wait, exec, container inspect. */
public final class ContainerCommands {
    private ContainerCommands() {}

    abstract static class Base implements Callable<Integer> {
        @Spec CommandSpec spec;
        private Engine engine;

        PrintWriter out() { return spec.commandLine().getOut(); }

        PrintWriter err() { return spec.commandLine().getErr(); }

        /** The process's byte streams (an attached container's output is bytes, not text). */
        dev.hako.cli.Main.Terminal caller() { return ((dev.hako.cli.Main) spec.root().userObject()).terminal(); }

        /** The root command's --root/--runroot, read through picocli (the root's fields are not ours). */
        Engine engine() {
            if (engine == null) {
                Path root = spec.root().findOption("--root").getValue();
                Path runroot = spec.root().findOption("--runroot").getValue();
                engine = new Engine(((dev.hako.cli.Main) spec.root().userObject()).images(), root, runroot,
                        m -> err().println("WARNING: " + m));   // pull-on-run with the caller's credentials
            }
            return engine;
        }

        boolean debug() {
            var o = spec.root().findOption("--debug");
            return o != null && Boolean.TRUE.equals(o.getValue());
        }

        @Override
        public final Integer call() {
            try {
                return execute();
            } catch (EngineException e) {
                err().println((e instanceof RunFlagSupport.DaemonError ? "Error response from daemon: " : "Error: ") + e.getMessage());
                if (debug()) e.printStackTrace(err());
                return e.exitCode();
            } finally {
                out().flush();
                err().flush();
            }
        }

        abstract int execute();

        /** Runs {@code each} for every argument; docker prints each failure and exits 1. */
        int forEach(List<String> refs, java.util.function.Consumer<String> each) {
            int code = 0;
            for (String ref : refs) {
                try {
                    each.accept(ref);
                } catch (EngineException e) {
                    err().println("Error response from daemon: " + e.getMessage());
                    code = 1;
                }
            }
            return code;
        }

        /** forEach for commands that, as docker's, print each name they acted on. */
        int forEachEcho(List<String> refs, java.util.function.Consumer<String> each) {
            return forEach(refs, ref -> {
                each.accept(ref);
                out().println(ref);
            });
        }

        /** Copies log records to out/err until the container has exited (follow) or once. */
        void printLog(String ref, boolean follow) { printLog(ref, follow, false, -1); }

        /** @param tail only the last {@code tail} records of what is there now (negative: all) */
        void printLog(String ref, boolean follow, boolean timestamps, int tail) {
            // run and start -a show the output through the log: with --log-driver none there is none to show
            if (!LifecycleCommands.logReadable(engine(), ref)) return;
            LifecycleCommands.printLog(engine(), ref, follow, timestamps, tail, null, null, out(), err());
        }
    }

    /** docker's run/create/exec: flags end at the image (container), the rest is the command and its args. */
    public static final class StopAtPositional implements picocli.CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            spec.parser().stopAtPositional(true);
            return spec;
        }
    }

    /** The flags create and run share (docker's container options). */
    abstract static class CreateBase extends Base {
        @Option(names = "--name", description = "Assign a name to the container") String name;
        @Option(names = {"-e", "--env"}, description = "Set environment variables") List<String> env = new ArrayList<>();
        @Option(names = {"-u", "--user"}, description = "Username or UID (format: <name|uid>[:<group|gid>])") String user;
        @Option(names = {"-w", "--workdir"}, description = "Working directory inside the container") String workdir;
        @Option(names = "--entrypoint", description = "Overwrite the default ENTRYPOINT of the image") String entrypoint;
        @Option(names = {"-h", "--hostname"}, description = "Container host name") String hostname;
        @Option(names = {"-v", "--volume"}, description = "Bind mount a volume (/src:/dst[:ro])") List<String> volumes = new ArrayList<>();
        @Option(names = "--tmpfs", description = "Mount a tmpfs directory") List<String> tmpfs = new ArrayList<>();
        @Option(names = "--read-only", description = "Mount the container's root filesystem as read only") boolean readOnly;
        @Option(names = {"-m", "--memory"}, description = "Memory limit") String memory;
        @Option(names = "--cpus", description = "Number of CPUs") double cpus;
        @Option(names = "--pids-limit", description = "Tune container pids limit") long pidsLimit;
        @Option(names = "--cap-add", description = "Add Linux capabilities") List<String> capAdd = new ArrayList<>();
        @Option(names = "--cap-drop", description = "Drop Linux capabilities") List<String> capDrop = new ArrayList<>();
        @Option(names = "--privileged", description = "Give extended privileges to this container") boolean privileged;
        @Option(names = "--security-opt", description = "Security options") List<String> securityOpt = new ArrayList<>();
        @Option(names = "--shm-size", description = "Size of /dev/shm") String shmSize;
        @Option(names = "--sysctl", description = "Sysctl options") Map<String, String> sysctls = new LinkedHashMap<>();
        @Option(names = {"-t", "--tty"}, description = "Allocate a pseudo-TTY") boolean tty;
        @Option(names = {"-i", "--interactive"}, description = "Keep STDIN open even if not attached") boolean interactive;
        @Option(names = {"-a", "--attach"}, description = "Attach to STDIN, STDOUT or STDERR") List<String> attachFlags = new ArrayList<>();
        @Option(names = "--rm", description = "Automatically remove the container when it exits") boolean rm;
        // ---- lifecycle flags (restart policy, stop signal/timeout, init, runtime)
        @Option(names = "--restart", description = "Restart policy to apply when a container exits (no, on-failure[:max-retries], always, unless-stopped)",
                defaultValue = "no") String restart;
        @Option(names = "--stop-signal", description = "Signal to stop the container") String stopSignal;
        @Option(names = "--stop-timeout", description = "Timeout (in seconds) to stop a container") Integer stopTimeout;
        @Option(names = "--log-driver", description = "Logging driver for the container (json-file, none)") String logDriver;
        @Option(names = "--log-opt", description = "Log driver options (max-size=SIZE, max-file=N)") List<String> logOpts = new ArrayList<>();
        @Option(names = "--init", description = "Run an init inside the container that forwards signals and reaps processes") boolean init;
        // ---- volume and mount flags
        @Option(names = "--mount", description = "Attach a filesystem mount to the container (type=bind|volume|tmpfs,source=…,target=…)")
        List<String> mounts = new ArrayList<>();
        // ---- network flags
        // ---- run flags
        @Option(names = "--env-file", description = "Read in a file of environment variables") List<Path> envFiles = new ArrayList<>();
        @Option(names = {"-l", "--label"}, description = "Set meta data on a container") List<String> labels = new ArrayList<>();
        @Option(names = "--label-file", description = "Read in a line delimited file of labels") List<Path> labelFiles = new ArrayList<>();
        @Option(names = "--ulimit", description = "Ulimit options (NAME=SOFT[:HARD])") List<String> ulimits = new ArrayList<>();
        @Option(names = "--device", description = "Add a host device to the container") List<String> devices = new ArrayList<>();
        @Option(names = {"-c", "--cpu-shares"}, description = "CPU shares (relative weight)") long cpuShares;
        @Option(names = "--cpuset-cpus", description = "CPUs in which to allow execution (0-3, 0,1)") String cpusetCpus;
        @Option(names = "--cpuset-mems", description = "MEMs in which to allow execution (0-3, 0,1)") String cpusetMems;
        @Option(names = "--cpu-period", description = "Limit CPU CFS (Completely Fair Scheduler) period") long cpuPeriod;
        @Option(names = "--cpu-quota", description = "Limit CPU CFS (Completely Fair Scheduler) quota") long cpuQuota;
        @Option(names = "--memory-swap", description = "Swap limit equal to memory plus swap: '-1' to enable unlimited swap") String memorySwap;
        @Option(names = "--memory-reservation", description = "Memory soft limit") String memoryReservation;
        @Option(names = "--oom-score-adj", description = "Tune host's OOM preferences (-1000 to 1000)") int oomScoreAdj;
        @Option(names = "--group-add", description = "Add additional groups to join") List<String> groupAdd = new ArrayList<>();
        @Option(names = "--platform", description = "Set platform if server is multi-platform capable") String platform;
        @Option(names = "--pull", description = "Pull image before running (\"always\", \"missing\", \"never\")", defaultValue = "missing") String pull;
        @Option(names = "--cidfile", description = "Write the container ID to the file") String cidfile;
        @Option(names = "--runtime", description = "Runtime to use for this container (runc, crun or a path)") String runtime;
        @Option(names = {"--network", "--net"}, description = "Connect a container to a network (bridge, none, host, container:NAME, a network)") List<String> networks = new ArrayList<>();
        @Option(names = "--ip", description = "IPv4 address (e.g., 172.30.100.104)") String ip;
        @Option(names = {"--network-alias", "--net-alias"}, description = "Add network-scoped alias for the container") List<String> networkAliases = new ArrayList<>();
        @Option(names = {"-p", "--publish"}, description = "Publish a container's port(s) to the host") List<String> publish = new ArrayList<>();
        @Option(names = {"-P", "--publish-all"}, description = "Publish all exposed ports to random ports") boolean publishAll;
        @Option(names = "--dns", description = "Set custom DNS servers") List<String> dns = new ArrayList<>();
        @Option(names = "--dns-search", description = "Set custom DNS search domains") List<String> dnsSearch = new ArrayList<>();
        @Option(names = {"--dns-option", "--dns-opt"}, description = "Set DNS options") List<String> dnsOptions = new ArrayList<>();
        @Option(names = "--add-host", description = "Add a custom host-to-IP mapping (host:ip)") List<String> addHosts = new ArrayList<>();
        @Parameters(index = "0", paramLabel = "IMAGE") String image;
        @Parameters(index = "1..*", paramLabel = "COMMAND") List<String> command = new ArrayList<>();

        ContainerRecord createContainer() {
            RunOptions o = runOptions();
            String cidfile = this.cidfile == null || this.cidfile.isEmpty() ? this.cidfile : caller().host().path(this.cidfile).toString();
            RunFlagSupport.checkCidFile(cidfile);
            RunFlagSupport.ensureImage(engine(), image, pull, platform, err());
            ContainerRecord r = engine().create(image, name, o, rm && autoRemoveOnExit());
            try {
                RunFlagSupport.writeCidFile(cidfile, r.id(), caller().host());
            } catch (EngineException e) {
                engine().remove(r.id(), true);
                throw e;
            }
            return r;
        }

        /** The flags as the engine takes them; each concern fills its own part. */
        RunOptions runOptions() {
            var o = new RunOptions();
            // ---- process
            o.command = command;
            o.entrypoint = entrypoint;
            for (String x : env) {
                if (!x.contains("=")) {
                    String v = caller().host().env(x);  // docker: a bare name takes the caller's value, or is dropped
                    if (v == null) continue;
                    x = x + "=" + v;
                }
                o.env.add(x);
            }
            o.user = user;
            o.workdir = workdir;
            o.tty = tty;
            o.interactive = interactive;
            o.stdinOnce = interactive; // docker: an attached client's stdin EOF closes the container's (not with run -d)
            AttachStreams.parse(attachFlags, interactive, false).store(o);
            // ---- identity
            o.hostname = hostname;
            // ---- filesystem
            o.readOnly = readOnly;
            o.tmpfs = tmpfs;
            o.binds = RunFlagSupport.callerPaths(volumes, caller().host());
            o.shmSize = bytes(shmSize, "--shm-size");
            // ---- resources
            o.memory = bytes(memory, "--memory");
            o.cpus = cpus;
            o.pidsLimit = pidsLimit;
            // ---- security
            o.capAdd = capAdd;
            o.capDrop = capDrop;
            o.privileged = privileged;
            o.securityOpt = RunFlagSupport.callerSeccompFile(securityOpt, caller().host());
            o.sysctls = sysctls;
            // ---- lifecycle
            o.restart = restart;
            o.stopSignal = stopSignal;
            o.stopTimeout = stopTimeout;
            o.logDriver = logDriver;
            o.logOpts = LifecycleCommands.logOpts(logOpts);
            o.init = init;
            LifecycleCommands.checkRm(rm, restart); // foreground run removes the container itself: the engine can't tell
            // ---- volumes and mounts
            o.mounts = mounts;
            // ---- network
            // ---- run flags
            List<String> fromFiles = new ArrayList<>();
            for (Path f : envFiles) fromFiles.addAll(RunFlagSupport.readKeyValueFile(f, caller().host()::env));
            o.env.addAll(0, fromFiles);  // docker: the files first, then -e
            for (Path f : labelFiles) for (String l : RunFlagSupport.readKeyValueFile(f, null)) RunFlagSupport.putLabel(o.labels, l);
            for (String l : labels) RunFlagSupport.putLabel(o.labels, l);
            o.ulimits = ulimits;
            o.devices = devices;
            o.cpuShares = cpuShares;
            o.cpusetCpus = cpusetCpus;
            o.cpusetMems = cpusetMems;
            o.cpuPeriod = cpuPeriod;
            o.cpuQuota = cpuQuota;
            o.memorySwap = "-1".equals(memorySwap) ? -1 : bytes(memorySwap, "--memory-swap");
            o.memoryReservation = bytes(memoryReservation, "--memory-reservation");
            o.oomScoreAdj = oomScoreAdj;
            o.groupAdd = groupAdd;
            o.platform = platform;
            o.runtime = runtime;
            o.networks = networks;
            o.ip = ip;
            o.networkAliases = networkAliases;
            o.publish = publish;
            o.publishAll = publishAll;
            o.dns = dns;
            o.dnsSearch = dnsSearch;
            o.dnsOptions = dnsOptions;
            o.addHosts = addHosts;
            return o;
        }

        /** Whether nobody will be there to remove the container when it exits (the engine's listing does it then). */
        abstract boolean autoRemoveOnExit();
    }

    /** docker's RAMInBytes: 1024, 512k, 64m, 1g (binary units; a trailing b is allowed). */
    static long bytes(String text, String flag) {
        if (text == null || text.isEmpty()) return 0;
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("b") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) t = t.substring(0, t.length() - 1);
        long mult = 1;
        char last = t.charAt(t.length() - 1);
        switch (last) {
            case 'k' -> mult = 1L << 10;
            case 'm' -> mult = 1L << 20;
            case 'g' -> mult = 1L << 30;
            case 't' -> mult = 1L << 40;
            case 'b' -> mult = 1;
            default -> { }
        }
        if (!Character.isDigit(last)) t = t.substring(0, t.length() - 1);
        try {
            double v = Double.parseDouble(t);
            if (v < 0) throw new NumberFormatException();
            return (long) (v * mult);
        } catch (NumberFormatException e) {
            throw new EngineException("invalid argument \"" + text + "\" for \"" + flag + "\" flag: invalid size: '" + text + "'", 125, e);
        }
    }

    @Command(name = "create", modelTransformer = StopAtPositional.class, description = "Create a new container")
    public static final class Create extends CreateBase {
        @Override
        boolean autoRemoveOnExit() { return true; }

        @Override
        int execute() {
            out().println(createContainer().id());
            return 0;
        }
    }

    @Command(name = "run", modelTransformer = StopAtPositional.class, description = "Create and run a new container from an image")
    public static final class Run extends CreateBase {
        @Option(names = {"-d", "--detach"}, description = "Run container in background and print container ID") boolean detach;
        @Option(names = "--detach-keys", description = "Override the key sequence for detaching a container") String detachKeys;
        @Option(names = "--sig-proxy", arity = "0..1", defaultValue = "true", fallbackValue = "true",
                description = "Proxy received signals to the process (default true)") boolean sigProxy;

        // detached from an interactive run, nobody is left to remove it: the engine's listing does
        @Override
        boolean autoRemoveOnExit() { return detach || tty || interactive; }

        @Override
        RunOptions runOptions() {
            RunOptions o = super.runOptions();
            o.stdinOnce = interactive && !detach; // docker: the foreground run's stdin EOF closes the container's
            if (detach) o.attachStdin = o.attachStdout = o.attachStderr = false; // docker: run -d attaches nothing
            return o;
        }

        /** --rm after an attached run (the engine's listing may have been quicker: autoRemove is set for it too) */
        private void removeQuietly(String id) {
            try {
                engine().remove(id, true, true); // --rm takes the anonymous volumes along
            } catch (EngineException e) {
                // already gone
            }
        }

        @Override
        int execute() {
            var streams = AttachStreams.parse(attachFlags, interactive, detach);
            boolean attach = !detach && (tty || interactive);
            if (attach && tty && streams.stdin()) Interactive.requireTty(caller()); // docker's CheckTty: -i or -a stdin
            var keys = Interactive.detachKeys(detachKeys);
            ContainerRecord r = createContainer();
            if (attach && tty) Interactive.initialSize(engine(), r.id(), caller());
            var client = new dev.hako.engine.attach.AttachClient[1];
            try {
                engine().start(r.id(), attach ? () -> client[0] = Interactive.connect(engine(), r.id()) : null);
            } catch (EngineException e) {
                if (client[0] != null) client[0].close();
                if (rm) engine().remove(r.id(), true, true);
                throw e;
            }
            if (detach) {
                out().println(r.id());
                return 0;
            }
            if (attach) {
                if (streams.printsId()) out().println(r.id()); // docker: no output attached, the ID instead
                out().flush();
                var outcome = Interactive.session(engine(), r.id(), client[0], caller(), tty, streams.stdin() && interactive, true,
                        keys, sigProxy, streams);
                if (outcome.detached()) return 0;
                int code = engine().waitFor(r.id());
                if (rm) removeQuietly(r.id());
                return streams.printsId() ? 0 : code; // docker: without output it ends as a detached run
            }
            proxySignals(caller(), engine(), r.id());
            if (streams.printsId()) out().println(r.id());
            else if (!streams.explicit()) printLog(r.id(), true);
            else if (LifecycleCommands.logReadable(engine(), r.id())) streams.printLog(engine(), r.id(), out(), err());
            int code = engine().waitFor(r.id());
            if (rm) engine().remove(r.id(), true, true); // --rm takes the anonymous volumes along (docker)
            return streams.printsId() ? 0 : code;
        }
    }

    /** docker's --sig-proxy: INT, TERM, HUP and QUIT to the foreground `run` go to the container instead. */
    static void proxySignals(dev.hako.cli.Main.Terminal term, Engine engine, String id) {
        for (String name : List.of("INT", "TERM", "HUP", "QUIT")) {
            term.host().signals().onSignal(name, () -> {
                try {
                    engine.kill(id, name);
                } catch (RuntimeException e) {
                    // the container is already gone: nothing to forward to
                }
            });
        }
    }

    @Command(name = "start", description = "Start one or more stopped containers")
    public static final class Start extends Base {
        @Option(names = {"-a", "--attach"}, description = "Attach STDOUT/STDERR and forward signals") boolean attach;
        @Option(names = {"-i", "--interactive"}, description = "Attach container's STDIN") boolean interactive;
        @Option(names = "--detach-keys", description = "Override the key sequence for detaching a container") String detachKeys;
        @Parameters(arity = "1..*", paramLabel = "CONTAINER") List<String> refs;

        @Override
        int execute() {
            if (attach || interactive) {
                if (refs.size() > 1) throw new EngineException("you cannot start and attach multiple containers at once", 1, null);
                ContainerRecord r = engine().inspect(refs.getFirst()).record();
                RunOptions o = r.options();
                boolean stdin = interactive && o.interactive;
                if (stdin && o.tty) Interactive.requireTty(caller());
                var keys = Interactive.detachKeys(detachKeys);
                if (o.tty) Interactive.initialSize(engine(), r.id(), caller());
                var client = new dev.hako.engine.attach.AttachClient[1];
                try {
                    engine().start(r.id(), () -> client[0] = Interactive.connect(engine(), r.id()));
                } catch (EngineException e) {
                    if (client[0] != null) client[0].close();
                    throw e;
                }
                if (client[0] == null) client[0] = Interactive.connect(engine(), r.id()); // it was running already
                var outcome = Interactive.session(engine(), r.id(), client[0], caller(), o.tty, stdin, o.stdinOnce, keys, true);
                if (outcome.detached()) return 0;
                return engine().waitFor(r.id());
            }
            return forEachEcho(refs, ref -> engine().start(ref));
        }
    }

    @Command(name = "stop", description = "Stop one or more running containers")
    public static final class Stop extends Base {
        @Option(names = {"-t", "--time"}, description = "Seconds to wait before killing the container") Integer time;
        @Option(names = {"-s", "--signal"}, description = "Signal to send (default: the image's StopSignal or SIGTERM)") String signal;
        @Parameters(arity = "1..*", paramLabel = "CONTAINER") List<String> refs;

        @Override
        int execute() {
            return forEachEcho(refs, ref -> engine().stop(ref, time, signal));
        }
    }

    @Command(name = "kill", description = "Kill one or more running containers")
    public static final class Kill extends Base {
        @Option(names = {"-s", "--signal"}, description = "Signal to send to the container", defaultValue = "KILL") String signal;
        @Parameters(arity = "1..*", paramLabel = "CONTAINER") List<String> refs;

        @Override
        int execute() {
            return forEachEcho(refs, ref -> engine().kill(ref, signal));
        }
    }

    @Command(name = "pause", description = "Pause all processes within one or more containers")
    public static final class Pause extends Base {
        @Parameters(arity = "1..*", paramLabel = "CONTAINER") List<String> refs;

        @Override
        int execute() {
            return forEachEcho(refs, ref -> engine().pause(ref));
        }
    }

    @Command(name = "unpause", description = "Unpause all processes within one or more containers")
    public static final class Unpause extends Base {
        @Parameters(arity = "1..*", paramLabel = "CONTAINER") List<String> refs;

        @Override
        int execute() {
            return forEachEcho(refs, ref -> engine().unpause(ref));
        }
    }

    @Command(name = "rm", description = "Remove one or more containers")
    public static final class Rm extends Base {
        @Option(names = {"-f", "--force"}, description = "Force the removal of a running container (uses SIGKILL)") boolean force;
        @Option(names = {"-v", "--volumes"}, description = "Remove anonymous volumes associated with the container") boolean volumes;
        @Parameters(arity = "1..*", paramLabel = "CONTAINER") List<String> refs;

        @Override
        int execute() {
            return forEachEcho(refs, ref -> engine().remove(ref, force, volumes));
        }
    }

    @Command(name = "wait", description = "Block until one or more containers stop, then print their exit codes")
    public static final class Wait extends Base {
        @Parameters(arity = "1..*", paramLabel = "CONTAINER") List<String> refs;

        @Override
        int execute() {
            return forEach(refs, ref -> out().println(engine().waitFor(ref)));
        }
    }

    @Command(name = "logs", description = "Fetch the logs of a container")
    public static final class Logs extends Base {
        @Option(names = {"-f", "--follow"}, description = "Follow log output") boolean follow;
        @Option(names = {"-t", "--timestamps"}, description = "Show timestamps") boolean timestamps;
        @Option(names = {"-n", "--tail"}, description = "Number of lines to show from the end of the logs (default \"all\")",
                defaultValue = "all") String tail;
        @Option(names = "--since", description = "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)") String since;
        @Option(names = "--until", description = "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)") String until;
        @Parameters(index = "0", paramLabel = "CONTAINER") String ref;

        @Override
        int execute() {
            int keep;
            try {
                keep = tail.equals("all") ? -1 : Integer.parseInt(tail);
            } catch (NumberFormatException e) {
                throw new EngineException("invalid value for \"tail\": " + tail, 125, e);
            }
            LifecycleCommands.printLog(engine(), ref, follow, timestamps, keep, since, until, out(), err());
            return 0;
        }
    }

    @Command(name = "exec", modelTransformer = StopAtPositional.class, description = "Execute a command in a running container")
    public static final class Exec extends Base {
        @Option(names = {"-d", "--detach"}, description = "Detached mode: run command in the background") boolean detach;
        @Option(names = {"-e", "--env"}, description = "Set environment variables") List<String> env = new ArrayList<>();
        @Option(names = {"-u", "--user"}, description = "Username or UID") String user;
        @Option(names = {"-w", "--workdir"}, description = "Working directory inside the container") String workdir;
        @Option(names = {"-t", "--tty"}, description = "Allocate a pseudo-TTY") boolean tty;
        @Option(names = {"-i", "--interactive"}, description = "Keep STDIN open even if not attached") boolean interactive;
        @Parameters(index = "0", paramLabel = "CONTAINER") String ref;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND") List<String> command;

        @Override
        int execute() {
            if (tty && interactive && !detach) Interactive.requireTty(caller());
            out().flush();
            Stdio stdio = detach ? Stdio.nulls() : interactive ? Stdio.inherit() : new Stdio(Stdio.NULL, Stdio.INHERIT, Stdio.INHERIT);
            // the executor proxies the pty to our stdio (runc's exec -t); -d has nobody to proxy to
            boolean terminal = tty && !detach;
            return Interactive.exec(caller(), terminal && interactive,
                    () -> engine().exec(ref, command, env, user, workdir, detach, terminal, Interactive.consoleSize(caller()), stdio));
        }
    }

    @Command(name = "attach", description = "Attach local standard input, output, and error streams to a running container")
    public static final class Attach extends Base {
        @Option(names = "--detach-keys", description = "Override the key sequence for detaching a container") String detachKeys;
        @Option(names = "--no-stdin", description = "Do not attach STDIN") boolean noStdin;
        @Option(names = "--sig-proxy", arity = "0..1", defaultValue = "true", fallbackValue = "true",
                description = "Proxy all received signals to the process (default true)") boolean sigProxy;
        @Parameters(index = "0", paramLabel = "CONTAINER") String ref;

        @Override
        int execute() {
            ContainerView v = engine().inspect(ref);
            if (v.status().state().equals("paused")) throw new EngineException("You cannot attach to a paused container, unpause it first", 1, null);
            if (!v.status().running()) throw new EngineException("You cannot attach to a stopped container, start it first", 1, null);
            RunOptions o = v.record().options();
            boolean stdin = o.interactive && !noStdin;
            if (stdin && o.tty) Interactive.requireTty(caller());
            var keys = Interactive.detachKeys(detachKeys);
            var client = Interactive.connect(engine(), v.record().id());
            var outcome = Interactive.session(engine(), v.record().id(), client, caller(), o.tty, stdin, o.stdinOnce, keys, sigProxy);
            if (outcome.detached()) return 0;
            return outcome.exitCode() >= 0 ? outcome.exitCode() : engine().waitFor(v.record().id());
        }
    }

    @Command(name = "ps", description = "List containers")
    public static final class Ps extends PsBase {}

    @Command(name = "ls", aliases = {"list", "ps"}, description = "List containers")
    public static final class Ls extends PsBase {}

    abstract static class PsBase extends Base {
        static final String DEFAULT_TABLE =
                "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
        static final Map<String, String> HEADERS = Map.ofEntries(Map.entry("ID", "CONTAINER ID"), Map.entry("Image", "IMAGE"),
                Map.entry("Command", "COMMAND"), Map.entry("RunningFor", "CREATED"), Map.entry("CreatedAt", "CREATED AT"),
                Map.entry("Status", "STATUS"), Map.entry("State", "STATE"), Map.entry("Ports", "PORTS"),
                Map.entry("Names", "NAMES"), Map.entry("Labels", "LABELS"), Map.entry("Mounts", "MOUNTS"),
                Map.entry("Networks", "NETWORKS"), Map.entry("Size", "SIZE"));

        @Option(names = {"-a", "--all"}, description = "Show all containers (default shows just running)") boolean all;
        @Option(names = {"-q", "--quiet"}, description = "Only display container IDs") boolean quiet;
        @Option(names = "--no-trunc", description = "Don't truncate output") boolean noTrunc;
        @Option(names = "--format", description = "Format output using a Go template, or 'table', or 'json'") String format;
        @Option(names = {"-f", "--filter"}, description = "Filter output based on conditions provided (label=, name=, id=, status=, ancestor=)") List<String> filters;

        @Override
        int execute() {
            PsFilter filter = new PsFilter(filters);
            List<ContainerView> views = new ArrayList<>(engine().list());
            views.removeIf(v -> !all && !filter.impliesAll() && !v.status().running() && !v.status().restarting() || !filter.test(v));
            views.sort((a, b) -> b.record().created().compareTo(a.record().created())); // newest first, as docker
            if (quiet) {
                for (ContainerView v : views) out().println(noTrunc ? v.record().id() : v.record().shortId());
                return 0;
            }
            Instant now = Instant.now();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (ContainerView v : views) {
                ContainerRecord r = v.record();
                String args = String.join(" ", r.args());
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("ID", noTrunc ? r.id() : r.shortId());
                row.put("Image", r.image());
                row.put("Command", "\"" + (noTrunc ? args : Units.ellipsis(args, 20)) + "\"");
                row.put("RunningFor", Units.ago(instant(r.created()), now));
                row.put("CreatedAt", r.created());
                row.put("Status", statusText(v, now));
                row.put("State", v.status().state());
                row.put("Ports", NetworkCommands.portsColumn(engine(), r.id()));
                row.put("Names", r.name());
                row.put("Labels", String.join(",", r.labels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
                row.put("Mounts", "");
                row.put("Networks", NetworkCommands.networksColumn(engine(), r.id()));
                row.put("Size", "");
                rows.add(row);
            }
            out().print(Formatter.render(format, DEFAULT_TABLE, HEADERS, rows));
            return 0;
        }
    }

    /** docker's STATUS column: "Created", "Up 5 seconds", "Exited (0) 2 minutes ago". */
    static String statusText(ContainerView v, Instant now) {
        Status s = v.status();
        return switch (s.state()) {
            case "created" -> "Created";
            case "running" -> "Up " + (v.state().startedAt() == null ? "" : Units.humanDuration(java.time.Duration.between(instant(v.state().startedAt()), now)));
            case "paused" -> "Up " + Units.humanDuration(java.time.Duration.between(instant(v.state().startedAt()), now)) + " (Paused)";
            case "restarting" -> "Restarting (" + s.exitCode() + ") " + Units.ago(instant(s.finishedAt()), now);
            default -> "Exited (" + s.exitCode() + ") " + (s.finishedAt() == null ? "" : Units.ago(instant(s.finishedAt()), now));
        };
    }

    private static Instant instant(String rfc3339) {
        try {
            return rfc3339 == null ? null : Instant.parse(rfc3339);
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Command(name = "container", description = "Manage containers",
            subcommands = {Run.class, Create.class, Start.class, Stop.class, Kill.class, Rm.class, Wait.class, Logs.class,
                    Exec.class, Inspect.class, Ls.class, Pause.class, Unpause.class, dev.hako.cli.ContainerPrune.class,
                    // ---- lifecycle commands
                    LifecycleCommands.Restart.class,
                    // ---- tty commands
                    Attach.class,
                    // ---- container extras
                    ExtraCommands.TopCommand.class, ExtraCommands.StatsCommand.class, ExtraCommands.Cp.class,
                    ExtraCommands.Export.class, ExtraCommands.Diff.class, ExtraCommands.Commit.class, ExtraCommands.Rename.class})
    public static final class ContainerGroup extends Base {
        @Override
        int execute() {
            spec.commandLine().usage(out());
            return 0;
        }
    }

    @Command(name = "inspect", description = "Display detailed information on one or more containers")
    public static final class Inspect extends Base {
        @Option(names = {"-f", "--format"}, description = "Format output using a Go template") String format;
        @Parameters(arity = "1..*", paramLabel = "CONTAINER") List<String> refs;

        @Override
        int execute() {
            List<Object> out = new ArrayList<>();
            int code = forEach(refs, ref -> {
                var v = engine().inspect(ref);
                Map<String, Object> d = details(v);
                d.put("Mounts", dev.hako.cli.VolumeCommands.mountsJson(engine().mounts(ref))); // ---- volumes and mounts
                NetworkCommands.addSettings(engine(), d, v.record().id());
                out.add(LifecycleCommands.details(engine(), d, ref)); // ---- lifecycle
            });
            if (format != null && !format.isEmpty()) {
                for (Object o : out)
                    out().print(Formatter.renderOne(format, dev.hako.cli.format.GoTemplate.dataOf(o, dev.hako.oci.Json.mapper())));
            } else {
                out().println(dev.hako.cli.format.GoJson.indent(out));
            }
            return code;
        }
    }

    /** A subset of docker's container inspect document, with its field names. */
    static Map<String, Object> details(ContainerView v) {
        ContainerRecord r = v.record();
        Status s = v.status();
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("Status", s.state());
        state.put("Running", s.running());
        state.put("Paused", s.state().equals("paused"));
        state.put("Pid", s.pid());
        state.put("ExitCode", s.exitCode());
        state.put("StartedAt", v.state().startedAt() == null ? "0001-01-01T00:00:00Z" : v.state().startedAt());
        state.put("FinishedAt", s.finishedAt() == null ? "0001-01-01T00:00:00Z" : s.finishedAt());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("Id", r.id());
        d.put("Created", r.created());
        d.put("Path", r.args().isEmpty() ? "" : r.args().getFirst());
        d.put("Args", r.args().size() > 1 ? r.args().subList(1, r.args().size()) : List.of());
        d.put("State", state);
        d.put("Image", r.imageId());
        d.put("Name", "/" + r.name());
        Map<String, Object> config = AttachStreams.inspectConfig(r.options());
        config.putAll(Map.of("Image", r.image(), "StopSignal", r.stopSignal() == null ? "" : r.stopSignal(),
                "Labels", new java.util.TreeMap<>(r.labels()))); // Go marshals maps sorted by key
        d.put("Config", config);
        Map<String, Object> hostConfig = new LinkedHashMap<>(Map.of("AutoRemove", r.autoRemove()));
        RunFlagSupport.hostConfig(r.options(), hostConfig);
        d.put("HostConfig", hostConfig);
        return d;
    }
}
