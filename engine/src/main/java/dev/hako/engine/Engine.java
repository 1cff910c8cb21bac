package dev.hako.engine;

import dev.hako.engine.attach.AttachClient;
import dev.hako.engine.attach.AttachSocket;
import dev.hako.engine.attach.ConsoleSize;
import dev.hako.engine.config.ContainerSpecBuilder;
import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.ContainerRecord;
import dev.hako.engine.container.ContainerState;
import dev.hako.engine.container.ContainerStore;
import dev.hako.engine.container.Status;
import dev.hako.engine.lifecycle.Lifecycle;
import dev.hako.engine.lifecycle.LogConfig;
import dev.hako.engine.logs.JsonFileLog;
import dev.hako.engine.runtime.BuiltinRuntime;
import dev.hako.engine.runtime.ContainerRuntime;
import dev.hako.engine.runtime.ExternalRuntime;
import dev.hako.engine.network.NetworkManager;
import dev.hako.engine.network.NetworkStore;
import dev.hako.engine.volume.MountPoint;
import dev.hako.engine.volume.Volume;
import dev.hako.engine.volume.VolumeMounts;
import dev.hako.engine.volume.VolumeService;
import dev.hako.engine.volume.VolumeStore;
import dev.hako.image.snapshot.Snapshot;
import dev.hako.image.snapshot.Snapshotter;
import dev.hako.image.store.ImageRecord;
import dev.hako.image.store.ImageService;
import dev.hako.image.store.NoSuchImageException;
import dev.hako.kernel.exec.LaunchException;
import dev.hako.kernel.exec.Stdio;
import dev.hako.kernel.exec.Supervision;
import dev.hako.kernel.fs.Fs;
import dev.hako.oci.Json;
import dev.hako.oci.image.ImageConfig;
import dev.hako.oci.runtime.Process;
import dev.hako.oci.runtime.Spec;
import dev.hako.runtime.cli.Signals;
import dev.hako.runtime.container.ContainerException;
import dev.hako.runtime.container.ContainerInfo;
import dev.hako.runtime.container.CreateOptions;
import dev.hako.runtime.container.ExecOptions;
import dev.hako.runtime.container.Runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Containers as a library: what `hako create/start/stop/kill/rm/ps/logs/wait/exec` do. Daemonless: every
 * container's executor stays as its monitor (kernel/src/main/c/monitor.c), which writes the log and the exit
 * file, so any later hako process can tell what happened.
 *
 * <p>Per container, under {@code <root>/containers/<id>/}: container.json, state.json, config.json (the
 * bundle), snapshot/ (overlay upper and work), rootfs/ (the mounted snapshot), hostname, hosts, resolv.conf,
 * ctr.log and exit. The OCI runtime's state is under {@code <runRoot>/runtime}.
 */
public final class Engine {
    private static final int SIGKILL = 9;
    private static final DateTimeFormatter RFC3339_NANO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'")
            .withZone(ZoneOffset.UTC);

    private final ImageService images;
    private final ContainerStore store;
    private final Runtime runtime;
    private final Path runRoot;
    private final ContainerSpecBuilder specs = new ContainerSpecBuilder();
    private final Lifecycle lifecycle;
    private final NetworkManager network;
    private final VolumeService volumes;
    private final Consumer<String> warn;
    /** The user's environment (CNI_PATH, PATH for --runtime NAME): the image service's, the CLI service's caller's. */
    private final java.util.Map<String, String> env;

    /**
     * @param root    persistent state (/var/lib/hako): images and containers
     * @param runRoot volatile state (/run/hako): the OCI runtime's container state
     */
    public Engine(Path root, Path runRoot, Consumer<String> warn) {
        this(new ImageService(root), root, runRoot, warn);
    }

    public Engine(ImageService images, Path root, Path runRoot, Consumer<String> warn) {
        // the monitor runs in "/": every path it is given must be absolute
        root = root.toAbsolutePath().normalize();
        runRoot = runRoot.toAbsolutePath().normalize();
        this.images = images;
        this.store = new ContainerStore(root);
        this.lifecycle = new Lifecycle(root, runRoot);
        this.warn = warn;
        this.volumes = new VolumeService(new VolumeStore(root), this::containerDirs);
        // docker's default profile names syscalls some arches lack; docker ignores them silently too
        this.runtime = new Runtime(runRoot.resolve("runtime"), m -> { if (!m.contains("unknown syscall")) warn.accept(m); });
        this.runRoot = runRoot;
        images.setImageUsage(store);
        this.network = new NetworkManager(root, runRoot, store, NetworkStore.Defaults.standard(), warn);
        this.env = images.options().env() != null ? images.options().env() : System.getenv();
        network.setCniPath(NetworkManager.cniPath(env));
        network.setRunningCheck(id -> Files.exists(store.dir(id).resolve(ContainerStore.RECORD)) && status(store.lookup(id)).running());
    }

    /** Networks, and containers' attachments to them. */
    public NetworkManager network() { return network; }

    public ImageService images() { return images; }

    public ContainerStore store() { return store; }

    // ---------------------------------------------------------------- create

    /** docker create: the bundle and the mounted snapshot; no process runs until {@link #start}. */
    public ContainerRecord create(String imageRef, String name, RunOptions o, boolean autoRemove) {
        ImageRecord image;
        try {
            image = images.resolve(imageRef);
        } catch (RuntimeException e) {
            throw new EngineException("No such image: " + imageRef, 125, e);
        }
        ImageConfig.Config config = images.config(image).config();
        String stopSignal = config != null ? config.stopSignal() : null;
        Integer stopTimeout = config != null ? config.stopTimeout() : null;
        if (o.stopSignal != null && !o.stopSignal.isEmpty()) stopSignal = o.stopSignal;
        if (o.stopTimeout != null) stopTimeout = o.stopTimeout;
        // args are computed again (with the rootfs) by the spec builder; this early check gives docker's error first
        if (o.runtime != null && !o.runtime.isEmpty()) ExternalRuntime.resolve(o.runtime, env.get("PATH"));
        o.validate();
        Lifecycle.validate(o, autoRemove);
        var template = new ContainerRecord("", "", imageRef, image.id().toString(), now(), List.of(), stopSignal,
                stopTimeout, autoRemove, o.labels, o);
        // ---- volumes and mounts: parsed and checked before anything is made
        VolumeMounts volumeMounts = VolumeMounts.plan(volumes.store(), o.binds, o.mounts,
                config != null && config.volumes() != null ? config.volumes().keySet() : java.util.Set.of(), tmpfsTargets(o));
        ContainerRecord r = store.create(template, name);
        Path dir = store.dir(r.id());
        boolean ok = false;
        try {
            Path rootfs = mountSnapshot(dir, image);
            var etc = ContainerSpecBuilder.EtcFiles.in(dir);
            var prepared = volumeMounts.prepare(dir, rootfs);
            // docker: a container on the host's network takes the host's name unless -h gives one
            if (o.networks.contains("host") && (o.hostname == null || o.hostname.isEmpty())) o.hostname = hostName();
            Spec spec = specs.build(r.id(), config, o, rootfs, etc, prepared.mounts());
            spec = network.configure(r, config, o, spec, dir);
            writeEtcFiles(etc, spec.hostname());
            Json.writeAtomic(dir.resolve("config.json"), lifecycle.prepare(dir, o, spec)); // log-config, --init
            r = r.withArgs(spec.process().args());
            Json.writeAtomic(dir.resolve(ContainerStore.RECORD), r);
            ok = true;
            return r;
        } finally {
            if (!ok) {
                try {
                    removeFiles(r.id(), false);
                } catch (RuntimeException e) {
                    // the original failure is the one to report
                }
                volumeMounts.rollback(volumes::usage);
            }
        }
    }

    private static List<String> tmpfsTargets(RunOptions o) {
        List<String> out = new ArrayList<>();
        for (String t : o.tmpfs) out.add(t.contains(":") ? t.substring(0, t.indexOf(':')) : t);
        return out;
    }

    private Path mountSnapshot(Path dir, ImageRecord image) {
        images.ensureUnpacked(image);
        try {
            List<Path> lowers = new ArrayList<>();
            for (var chain : image.chainIds()) lowers.add(images.layers().diffDir(chain));
            Snapshot s = Snapshotter.named("overlay").create(dir.resolve("snapshot"), lowers);
            Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
            Snapshotter.named(s.kind()).mount(s, rootfs);
            return rootfs;
        } catch (IOException e) {
            throw new UncheckedIOException("prepare the root filesystem in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * After a reboot the snapshot is no longer mounted: mount it again before the container starts, once the image's
     * layers are known to be whole (an unclean shutdown may have cut off what was not on disk yet).
     */
    private void ensureMounted(Path dir, ContainerRecord r) {
        Path rootfs = dir.resolve("rootfs");
        if (isMountPoint(rootfs)) return;
        try {
            images.ensureUnpacked(images.resolve(r.imageId()));
        } catch (NoSuchImageException e) {
            // removed with --force while the container kept it: its layers stay as they are
        }
        Snapshot s = Snapshot.load(dir.resolve("snapshot"));
        Snapshotter.named(s.kind()).mount(s, rootfs);
    }

    private static boolean isMountPoint(Path p) {
        try {
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) return false;
            return !Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS)
                    .equals(Files.getAttribute(p.getParent(), "unix:dev", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            return false;
        }
    }

    private static void writeEtcFiles(ContainerSpecBuilder.EtcFiles etc, String hostname) {
        try {
            Files.writeString(etc.hostname(), hostname + "\n");
            Files.writeString(etc.hosts(), "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                    + "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
            Files.writeString(etc.resolvConf(), resolvConf());
        } catch (IOException e) {
            throw new UncheckedIOException("write " + etc.hosts().getParent() + ": " + e.getMessage(), e);
        }
    }

    private static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** The host's resolv.conf without loopback resolvers (unreachable from the container's network namespace). */
    static String resolvConf() {
        StringBuilder b = new StringBuilder();
        try {
            for (String line : Files.readAllLines(Path.of("/etc/resolv.conf"))) {
                String t = line.trim();
                if (t.startsWith("nameserver") && (t.contains(" 127.") || t.contains(" ::1"))) continue;
                b.append(line).append('\n');
            }
        } catch (IOException e) {
            // no host file: an empty one, as docker writes when it has nothing
        }
        return b.toString();
    }

    // ---------------------------------------------------------------- start / stop / kill

    /** docker start: launches the container under its monitor. A no-op on a running container. */
    public void start(String ref) { start(ref, null, true); }

    /**
     * @param beforeStart run once the monitor listens and before the container process runs (attach there to miss
     *                    no output); not run when the container is already running
     */
    public void start(String ref, Runnable beforeStart) { start(ref, beforeStart, true); }

    /** @param byUser false when the container's monitor restarts it for its restart policy */
    private void start(String ref, Runnable beforeStart, boolean byUser) {
        ContainerRecord r = store.lookup(ref);
        if (status(r).running()) return;
        Path dir = store.dir(r.id());
        lifecycle.beforeStart(r.id(), dir, r.options(), byUser);
        // a restart: the previous run's runtime state and exit file go
        try {
            runtimeFor(r).delete(r.id(), true);
            Files.deleteIfExists(dir.resolve("exit"));
        } catch (IOException e) {
            throw new UncheckedIOException("remove " + dir.resolve("exit") + ": " + e.getMessage(), e);
        }
        ensureMounted(dir, r);
        VolumeMounts.mountDevices(volumes.store(), dir); // device volumes are unmounted when unused, and by a reboot
        AttachSocket.writeConfig(dir, r.options().interactive);
        NetworkManager.Attaching net = network.attach(r);
        int dirFd = -1;
        try {
            dirFd = Fs.openat(Fs.AT_FDCWD, dir.toString(), Fs.O_RDONLY | Fs.O_DIRECTORY | Fs.O_NOFOLLOW | Fs.O_CLOEXEC, 0, dir.toString());
            var stdio = new Stdio(new Stdio.Fd(dirFd), Stdio.NULL, Stdio.NULL);
            runtimeFor(r).create(r.id(), dir, stdio);
            store.writeState(r.id(), new ContainerState(true, now()));
            lifecycle.created(dir);
            if (beforeStart != null) beforeStart.run();
            try {
                runtimeFor(r).start(r.id());
            } catch (ContainerException e) {
                // The runtime can miss a process that ran and exited within its fifo poll; the monitor's exit
                // file tells: then it did start (and is already done).
                if (!exitFileAppears(dir.resolve("exit"))) throw e;
            }
            net.started();
        } catch (LaunchException e) {
            store.writeState(r.id(), new ContainerState(false, null));
            throw new EngineException(startError(e), e.exitCode() == 1 ? 125 : e.exitCode(), e);
        } catch (ContainerException e) {
            throw new EngineException(e.getMessage(), 125, e);
        } catch (dev.hako.runtime.config.ConfigException e) {
            // the bundle was refused before anything ran (e.g. a bind source that is gone): still "created"
            store.writeState(r.id(), new ContainerState(false, null));
            throw new EngineException(e.getMessage(), 125, e);
        } finally {
            if (dirFd >= 0) Fs.close(dirFd);
            net.close();
        }
    }

    /** What a container's monitor runs for its restart policy (lifecycle.RestartMain): start it unless stopped. */
    public void restartByPolicy(String id) {
        ContainerRecord r = store.lookup(id);
        lifecycle.restartByPolicy(store.dir(r.id()), () -> start(r.id(), null, false),
                code -> store.writeState(r.id(), new ContainerState(true, store.state(r.id()).startedAt())));
    }

    /**
     * At boot (`hako system boot`): starts what docker's daemon would restart when it starts
     * ({@link dev.hako.engine.lifecycle.BootRestart}). Returns the names started; one that fails to start is
     * reported to {@code failed} and the others still start.
     */
    public List<String> startAfterBoot(java.util.function.BiConsumer<String, RuntimeException> failed) {
        List<String> started = new ArrayList<>();
        for (ContainerView v : list()) {
            if (!dev.hako.engine.lifecycle.BootRestart.due(v, store.dir(v.record().id()))) continue;
            try {
                start(v.record().id());
                started.add(v.record().name());
            } catch (RuntimeException e) {
                failed.accept(v.record().name(), e);
            }
        }
        return started;
    }

    /** docker restart: stop (as {@link #stop}) then start. */
    public void restart(String ref, Integer timeoutSeconds, String signal) {
        stop(ref, timeoutSeconds, signal);
        start(ref);
    }

    private static boolean exitFileAppears(Path exit) {
        for (int i = 0; i < 100; i++) {
            if (Files.exists(exit)) return true;
            sleep(10);
        }
        return Files.exists(exit);
    }

    /** docker's wording for a process that could not be started. */
    private static String startError(LaunchException e) {
        if ("exec".equals(e.step()))
            return "failed to create task for container: exec: \"" + e.path() + "\": " + e.detail();
        return "failed to create task for container: " + e.getMessage();
    }

    /** docker stop: the image's StopSignal (SIGTERM), then SIGKILL after {@code timeout} (null: the container's, 10s). */
    public void stop(String ref, Integer timeoutSeconds) { stop(ref, timeoutSeconds, null); }

    /** @param signal overrides the StopSignal (docker stop --signal); null: the container's */
    public void stop(String ref, Integer timeoutSeconds, String signal) {
        ContainerRecord r = store.lookup(ref);
        lifecycle.markStopped(store.dir(r.id())); // before any signal: no restart by the policy
        if (!status(r).running()) {
            network.detach(r.id()); // it exited on its own: its address goes now
            return;
        }
        String name = signal != null && !signal.isEmpty() ? signal : r.stopSignal();
        int sig;
        try {
            sig = name == null || name.isEmpty() ? 15 : Signals.parse(name);
        } catch (RuntimeException e) {
            throw new EngineException("invalid signal: " + name, 1, e);
        }
        int t = timeoutSeconds != null ? timeoutSeconds : r.stopTimeout() != null ? r.stopTimeout() : 10;
        signal(r, sig, false);
        if (!(t > 0 && awaitExit(r, Duration.ofSeconds(t)))) {
            signal(r, SIGKILL, true);
            if (!awaitExit(r, Duration.ofSeconds(30))) throw new EngineException("container " + r.id() + " did not stop after SIGKILL");
        }
        network.detach(r.id()); // docker: a stopped container holds no address
    }

    /** docker kill. */
    public void kill(String ref, String signal) {
        ContainerRecord r = store.lookup(ref);
        if (lifecycle.markStopped(store.dir(r.id()))) return; // it was waiting to restart: now it won't
        if (!status(r).running()) throw new EngineException("cannot kill container: " + ref + ": container " + r.id() + " is not running", 1, null);
        int sig;
        try {
            sig = Signals.parse(signal == null ? "KILL" : signal);
        } catch (RuntimeException e) {
            throw new EngineException("invalid signal: " + signal, 1, e);
        }
        signal(r, sig, false);
    }

    /** docker pause: freezes every process of the container (cgroup freezer). */
    public void pause(String ref) {
        ContainerRecord r = store.lookup(ref);
        Status s = status(r);
        if (!s.running()) throw new EngineException("container " + r.id() + " is not running", 1, null);
        if (s.state().equals("paused")) throw new EngineException("container " + r.id() + " is already paused", 1, null);
        try {
            runtimeFor(r).pause(r.id());
        } catch (ContainerException e) {
            throw new EngineException(e.getMessage(), 1, e);
        }
    }

    /** docker unpause. */
    public void unpause(String ref) {
        ContainerRecord r = store.lookup(ref);
        if (!status(r).state().equals("paused")) throw new EngineException("container " + r.id() + " is not paused", 1, null);
        try {
            runtimeFor(r).resume(r.id());
        } catch (ContainerException e) {
            throw new EngineException(e.getMessage(), 1, e);
        }
    }

    private void signal(ContainerRecord r, int sig, boolean all) {
        try {
            runtimeFor(r).kill(r.id(), sig, all);
        } catch (ContainerException e) {
            // it died meanwhile: nothing to signal
        }
    }

    private boolean awaitExit(ContainerRecord r, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!status(r).running()) return true;
            sleep(20);
        }
        return !status(r).running();
    }

    // ---------------------------------------------------------------- rm / wait / logs / exec

    /** docker rm: refuses a running container unless {@code force} (then kills it). */
    public void remove(String ref, boolean force) { remove(ref, force, false); }

    /** @param removeVolumes docker rm -v: the container's anonymous volumes go too (unless another container uses them) */
    public void remove(String ref, boolean force, boolean removeVolumes) {
        ContainerRecord r = store.lookup(ref);
        if (force) lifecycle.markStopped(store.dir(r.id()));
        else if (status(r).restarting()) throw new EngineException("cannot remove container \"/" + r.name()
                + "\": container is restarting: stop the container before removing or force remove", 1, null);
        if (status(r).running()) {
            if (!force) throw new EngineException("cannot remove container \"/" + r.name() + "\": container is running: "
                    + "stop the container before removing or force remove", 1, null);
            signal(r, SIGKILL, true);
            awaitExit(r, Duration.ofSeconds(30));
        }
        removeFiles(r.id(), removeVolumes);
    }

    /** Runtime state (cgroup), the snapshot mount and directory, the container's directory, then its volumes' use. */
    private void removeFiles(String id, boolean removeVolumes) {
        network.detach(id);
        try {
            runtimeFor(id).delete(id, true);
        } catch (ContainerException e) {
            throw new EngineException("remove container " + id + ": " + e.getMessage(), e);
        }
        Path dir = store.dir(id);
        List<MountPoint> mounts = VolumeMounts.read(dir); // read before the directory goes
        Path rootfs = dir.resolve("rootfs");
        if (isMountPoint(rootfs)) Snapshotter.named("overlay").unmount(rootfs);
        Path snap = dir.resolve("snapshot");
        if (Files.exists(snap.resolve("snapshot.json")) || Files.isDirectory(snap)) {
            try {
                Snapshot s = Snapshot.load(snap);
                Snapshotter.named(s.kind()).remove(s);
            } catch (IOException | RuntimeException e) {
                // a half-made snapshot: the directory removal below takes it
            }
        }
        store.remove(id);
        try {
            VolumeMounts.release(volumes.store(), mounts, volumes.usage(), removeVolumes);
        } catch (RuntimeException e) {
            warn.accept("container " + id + " removed, but not all of its volumes: " + e.getMessage());
        }
    }

    /** docker wait: blocks until the container has exited; its exit code. */
    public int waitFor(String ref) {
        ContainerRecord r = store.lookup(ref);
        while (true) {
            Status s = status(r);
            if (s.exited()) return s.exitCode();
            sleep(25);
        }
    }

    /** The monitor's attach socket of a running container (see {@link AttachClient}). */
    public Path attachSocket(String ref) { return AttachSocket.path(store.dir(store.lookup(ref).id())); }

    /** The window size the container's terminal gets at its next start, before its process runs (see ConsoleSize). */
    public void consoleSize(String ref, int rows, int cols) { ConsoleSize.set(store.dir(store.lookup(ref).id()), rows, cols); }

    public JsonFileLog log(String ref) {
        ContainerRecord r = store.lookup(ref);
        if (LogConfig.of(r.options().logDriver, r.options().logOpts).none())
            throw new EngineException("configured logging driver does not support reading", 1, null);
        return new JsonFileLog(store.dir(r.id()).resolve("ctr.log"));
    }

    /** docker's RestartCount: restarts by the restart policy since the last user start. */
    public int restartCount(String ref) { return Lifecycle.restartCount(store.dir(store.lookup(ref).id())); }

    /** docker exec: runs {@code args} in the running container with its process settings; the exit code. */
    public int exec(String ref, List<String> args, List<String> env, String user, String workdir, boolean detach, Stdio stdio) {
        return exec(ref, args, env, user, workdir, detach, false, stdio);
    }

    /**
     * @param tty a terminal for the process (exec -t): in the foreground the executor proxies the pty to {@code
     *            stdio} (the caller's terminal, which the caller puts into raw mode)
     */
    public int exec(String ref, List<String> args, List<String> env, String user, String workdir, boolean detach, boolean tty,
                    Stdio stdio) {
        return exec(ref, args, env, user, workdir, detach, tty, null, stdio);
    }

    /** @param size with {@code tty}: the pty's window size before the process runs (null: none given) */
    public int exec(String ref, List<String> args, List<String> env, String user, String workdir, boolean detach, boolean tty,
                    Process.ConsoleSize size, Stdio stdio) {
        ContainerRecord r = store.lookup(ref);
        if (!status(r).running()) throw new EngineException("container " + r.id() + " is not running", 1, null);
        Path dir = store.dir(r.id());
        Spec spec = Json.read(dir.resolve("config.json"), Spec.class);
        Process p = spec.process();
        List<String> e = new ArrayList<>(p.env() == null ? List.of() : p.env());
        if (env != null) e.addAll(env);
        if (tty && e.stream().noneMatch(x -> x.startsWith("TERM="))) e.add("TERM=xterm"); // docker's exec -t
        Process.User u = p.user();
        if (user != null && !user.isEmpty()) {
            var ru = new dev.hako.engine.config.UserResolver(dir.resolve("rootfs")).resolve(user);
            u = new Process.User(ru.uid(), ru.gid(), null, ru.additionalGids().isEmpty() ? null : ru.additionalGids(), null);
        }
        String cwd = workdir != null && !workdir.isEmpty() ? workdir : p.cwd();
        Process exec = new Process(tty, tty ? size : null, u, args, null, List.copyOf(e), cwd, p.capabilities(), p.rlimits(),
                p.noNewPrivileges(), p.apparmorProfile(), p.oomScoreAdj(), p.selinuxLabel(), null, null, null);
        try {
            return runtimeFor(r).exec(r.id(), exec, new ExecOptions(null, null, 0, detach, false, stdio));
        } catch (LaunchException ex) {
            throw new EngineException(startError(ex).replace("create task for container", "exec in container"),
                    ex.exitCode() == 1 ? 126 : ex.exitCode(), ex);
        } catch (ContainerException ex) {
            throw new EngineException(ex.getMessage(), 1, ex);
        }
    }

    // ---------------------------------------------------------------- volumes, prune, df

    public Volume createVolume(String name, String driver, java.util.Map<String, String> options, java.util.Map<String, String> labels) {
        return volumes.create(name, driver, options, labels);
    }

    public List<Volume> listVolumes() { return volumes.list(); }

    public Volume inspectVolume(String name) { return volumes.inspect(name); }

    /** Volume name → ids of the containers that use it (docker's dangling filter and "in use" checks). */
    public java.util.Map<String, List<String>> volumeUsage() { return volumes.usage(); }

    public void removeVolume(String name, boolean force) { volumes.remove(name, force); }

    public Pruned pruneVolumes(boolean all) { return volumes.prune(all); }

    /** The mounts the container was created with (docker inspect's "Mounts"). */
    public List<MountPoint> mounts(String ref) { return VolumeMounts.read(store.dir(store.lookup(ref).id())); }

    /** The container's device volumes mounted again (a reboot unmounts them), e.g. before cp reaches into them. */
    public void mountVolumeDevices(String ref) { VolumeMounts.mountDevices(volumes.store(), store.dir(store.lookup(ref).id())); }

    /** docker container prune: removes every stopped container. */
    public Pruned pruneContainers() { return Housekeeping.pruneContainers(this); }

    /** docker system df. */
    public DiskUsage diskUsage() { return Housekeeping.diskUsage(this, images, volumes); }

    private java.util.Map<String, Path> containerDirs() {
        java.util.Map<String, Path> out = new java.util.LinkedHashMap<>();
        for (ContainerRecord c : store.list()) out.put(c.id(), store.dir(c.id()));
        return out;
    }

    // ---------------------------------------------------------------- container extras (top, stats, cp, commit, rename)

    /** Host pids of the running container's processes (docker top); docker's errors when it is not running. */
    public List<Long> pids(String ref) {
        ContainerRecord r = runningOrFail(ref);
        try {
            return cgroups(r).pids();
        } catch (RuntimeException e) {
            throw new EngineException("read the processes of " + r.id() + ": " + e.getMessage(), 1, e);
        }
    }

    /** The cgroup counters of a running container (docker stats). */
    public dev.hako.runtime.cgroups.CgroupStats cgroupStats(String ref) {
        ContainerRecord r = runningOrFail(ref);
        try {
            return cgroups(r).stats();
        } catch (RuntimeException e) {
            throw new EngineException("read the cgroup of " + r.id() + ": " + e.getMessage(), 1, e);
        }
    }

    /** The container's cgroup as its config names it: the same whichever runtime (built-in or --runtime) made it. */
    private dev.hako.runtime.cgroups.CgroupManager cgroups(ContainerRecord r) {
        Spec spec = Json.read(store.dir(r.id()).resolve("config.json"), Spec.class);
        String path = spec.linux() == null ? null : spec.linux().cgroupsPath();
        return dev.hako.runtime.cgroups.CgroupManager.forHost(path, r.id());
    }

    private ContainerRecord runningOrFail(String ref) {
        ContainerRecord r = store.lookup(ref);
        Status s = status(r);
        if (!s.running()) throw new EngineException("container " + r.id() + " is not running", 1, null);
        return r;
    }

    /** The container's root filesystem (rootfs/), mounted again if a reboot unmounted it. */
    public Path mountedRootfs(String ref) {
        ContainerRecord r = store.lookup(ref);
        Path dir = store.dir(r.id());
        ensureMounted(dir, r);
        return dir.resolve("rootfs");
    }

    /** docker rename. */
    public void rename(String ref, String newName) { dev.hako.engine.container.Renamer.rename(store, ref, newName); }

    // ---------------------------------------------------------------- status

    /**
     * Every container, oldest first. Exited containers created with auto-remove are removed here: with no daemon
     * to see them exit, the next listing cleans them up (their monitor cannot run hako).
     */
    public List<ContainerView> list() {
        network.sweep();
        List<ContainerView> out = new ArrayList<>();
        for (ContainerRecord r : store.list()) {
            ContainerView v = view(r);
            if (r.autoRemove() && v.status().exited()) {
                try {
                    removeFiles(r.id(), true); // --rm takes the anonymous volumes along (docker)
                    continue;
                } catch (RuntimeException e) {
                    // listed as it is; a later listing or rm retries
                }
            }
            out.add(v);
        }
        return out;
    }

    public ContainerView inspect(String ref) { return view(store.lookup(ref)); }

    private ContainerView view(ContainerRecord r) { return new ContainerView(r, store.state(r.id()), status(r)); }

    /**
     * created until started; then the monitor's exit file decides; without one the runtime state does (running,
     * paused). A dead init without an exit file means the monitor died first: exited (255).
     */
    public Status status(ContainerRecord r) {
        ContainerState st = store.state(r.id());
        if (!st.started()) return new Status("created", 0, null, 0);
        Status fromFile = restartingOrExited(store.dir(r.id()));
        if (fromFile != null) return fromFile;
        ContainerInfo info;
        try {
            info = runtimeFor(r).state(r.id());
        } catch (RuntimeException e) {
            info = null;
        }
        if (info != null) {
            switch (info.status()) {
                case RUNNING -> { return new Status("running", 0, null, info.pid()); }
                case PAUSED -> { return new Status("paused", 0, null, info.pid()); }
                // a start that died between runtime create and start: start() replaces it
                case CREATED, CREATING -> { return new Status("created", 0, null, 0); }
                default -> { }
            }
        }
        // the init is gone; a live monitor writes the exit file right after it reaps it (and drains the log). A
        // dead one (kill -9, or a reboot that took /run) never will: then the exit is unknown, docker's 255.
        for (int i = 0; ; i++) {
            fromFile = restartingOrExited(store.dir(r.id()));
            if (fromFile != null) return fromFile;
            Boolean monitor = Lifecycle.monitorAlive(store.dir(r.id())); // null: not known yet, wait a little
            if (i >= 300 || Boolean.FALSE.equals(monitor) || (monitor == null && i >= 100)) break;
            sleep(10);
        }
        return new Status("exited", 255, null, 0);
    }

    /** The monitor writes "restarting" before the exit file: an exit file with it means a restart is coming. */
    private static Status restartingOrExited(Path dir) {
        Status s = Lifecycle.restarting(dir);
        if (s != null) return s;
        s = readExit(dir.resolve("exit"));
        if (s == null) return null;
        Status again = Lifecycle.restarting(dir);
        return again != null ? again : s;
    }

    private static Status readExit(Path exit) {
        try {
            String text = Files.readString(exit, StandardCharsets.US_ASCII).trim();
            Instant when = Files.getLastModifiedTime(exit).toInstant();
            return new Status("exited", Integer.parseInt(text), RFC3339_NANO.format(when), 0);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (IOException | NumberFormatException e) {
            return new Status("exited", 255, null, 0);
        }
    }

    static String now() { return RFC3339_NANO.format(Instant.now()); }

    /** The OCI runtime the container was created with (--runtime; the built-in one by default). */
    private ContainerRuntime runtimeFor(ContainerRecord r) {
        String name = r.options().runtime;
        return name == null || name.isEmpty() ? new BuiltinRuntime(runtime) : ExternalRuntime.of(name, runRoot, env.get("PATH"));
    }

    private ContainerRuntime runtimeFor(String id) {
        ContainerRecord r;
        try {
            r = store.lookup(id);
        } catch (RuntimeException e) {
            return new BuiltinRuntime(runtime); // a half-made container: nothing but the built-in state to clear
        }
        return runtimeFor(r);
    }

    /** Sleeps {@code ms}; an interrupt (the caller went away) ends the command, with the thread's flag kept. */
    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted");
        }
    }
}
