package dev.hako.runtime.container;

import dev.hako.kernel.Errno;
import dev.hako.kernel.Fds;
import dev.hako.kernel.Pidfd;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.exec.Executor;
import dev.hako.kernel.exec.Launch;
import dev.hako.kernel.exec.LaunchException;
import dev.hako.kernel.exec.LaunchPlan;
import dev.hako.kernel.exec.Stdio;
import dev.hako.kernel.exec.Supervision;
import dev.hako.oci.Json;
import dev.hako.oci.OciException;
import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Process;
import dev.hako.oci.runtime.Resources;
import dev.hako.oci.runtime.Spec;
import dev.hako.runtime.cgroups.CgroupException;
import dev.hako.runtime.cgroups.CgroupManager;
import dev.hako.runtime.cgroups.CgroupStats;
import dev.hako.runtime.config.ConfigException;
import dev.hako.runtime.config.PlanTranslator;
import dev.hako.runtime.config.SpecValidator;
import dev.hako.runtime.hooks.HookException;
import dev.hako.runtime.hooks.HookRunner;
import dev.hako.runtime.hooks.HookRunner.Phase;
import dev.hako.runtime.namespaces.NamespaceType;
import dev.hako.runtime.process.ProcFs;
import dev.hako.runtime.process.ProcessTranslator;
import dev.hako.runtime.rootfs.CgroupView;
import dev.hako.runtime.seccomp.SeccompCompiler;
import dev.hako.runtime.state.ContainerRecord;
import dev.hako.runtime.state.Fifo;
import dev.hako.runtime.state.StateStore;
import dev.hako.runtime.state.Status;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The OCI runtime as a library: what `hako-runtime` (runc-compatible) does, one method per command.
 * State lives under {@code root} (default /run/hako-runtime); every method that changes a container
 * holds that container's lock. Errors are {@link ContainerException} (lifecycle, with runc's wording),
 * {@link ConfigException} (config.json) or {@link LaunchException} (the executor's failed step).
 */
public final class Runtime {
    private static final int SIGKILL = 9;
    private static final int FIFO_MODE = 0622;

    private final StateStore store;
    private final Consumer<String> warn;
    private final int callerUmask;

    public Runtime(Path root) { this(root, m -> System.err.println("warning: " + m)); }

    /** @param warn receives warnings (unknown capabilities, failed poststart/poststop hooks, ...) */
    public Runtime(Path root, Consumer<String> warn) { this(root, warn, -1); }

    /**
     * @param callerUmask the umask of the process the runtime works for (the runtime service's caller): pid files
     *                    get runc's 0666 under it; -1 = this process's own
     */
    public Runtime(Path root, Consumer<String> warn, int callerUmask) {
        this.store = new StateStore(root);
        this.warn = warn;
        this.callerUmask = callerUmask;
    }

    public Path root() { return store.root(); }

    // ---------------------------------------------------------------- create / start / run

    /** runc create: the init waits on the exec fifo until {@link #start}. */
    public ContainerInfo create(String id, Path bundle, CreateOptions o) {
        return create(id, bundle, o, Supervision.DETACH);
    }

    /** create with the executor staying as the container's monitor ({@link Supervision#MONITOR}, for the engine). */
    public ContainerInfo create(String id, Path bundle, CreateOptions o, Supervision supervision) {
        Launched l = launchInit(id, bundle, o, LaunchPlan.Mode.CREATE, supervision);
        l.launch().close();
        return info(l.record(), Status.CREATED);
    }

    /** runc start: lets a created container's init exec the user process; then the poststart hooks. */
    public void start(String id) {
        try (var _ = store.lock(id)) {
            ContainerRecord r = load(id);
            Status s = status(r);
            switch (s) {
                case CREATED -> { }
                case STOPPED -> throw new ContainerException("cannot start a container that has stopped");
                case RUNNING -> throw new ContainerException("cannot start an already running container");
                default -> throw new ContainerException("cannot start a container in the " + s + " state");
            }
            releaseFifo(r);
            r = r.withStatus(Status.RUNNING.ociName());
            store.write(r);
            HookRunner.runWarning(Phase.POSTSTART, r.hooks(), stateJson(r, Status.RUNNING), warn);
        }
    }

    /**
     * runc run: create and start in one go. {@code detach}: return 0 once the process runs. Otherwise wait
     * for it and return its exit code (128+n for signal n); unless {@code keep}, the container is deleted then.
     */
    public int run(String id, Path bundle, CreateOptions o, boolean detach, boolean keep) {
        Launched l = launchInit(id, bundle, o, LaunchPlan.Mode.RUN, detach ? Supervision.DETACH : Supervision.FOREGROUND);
        try (Launch launch = l.launch()) {
            HookRunner.runWarning(Phase.POSTSTART, l.record().hooks(), stateJson(l.record(), Status.RUNNING), warn);
            if (detach) return 0;
            int code = launch.waitFor();
            if (!keep) {
                try (var _ = store.lock(id)) {
                    store.read(id).ifPresent(r -> destroy(r, true));
                }
            }
            return code;
        }
    }

    private record Launched(ContainerRecord record, Launch launch) {}

    private Launched launchInit(String id, Path bundleDir, CreateOptions o, LaunchPlan.Mode mode, Supervision sup) {
        if (!StateStore.validId(id)) throw new ContainerException("invalid container id format: " + id);
        Path bundle = bundleDir.toAbsolutePath().normalize();
        Spec spec = loadSpec(bundle);
        SpecValidator.validate(spec, bundle);
        // the engine's monitor holds the pty master itself (its attach socket serves it)
        checkConsole(spec, o.consoleSocket(), mode == LaunchPlan.Mode.RUN && sup == Supervision.FOREGROUND || sup == Supervision.MONITOR);
        if (!store.createDir(id)) throw new ContainerException("container with given ID already exists");

        Launch launch = null;
        CgroupManager cg = null;
        ContainerRecord rec = null;
        boolean ok = false;
        try (var _ = store.lock(id)) {
            try {
                Linux linux = spec.linux();
                cg = CgroupManager.forHost(linux.cgroupsPath(), id);
                rec = new ContainerRecord(spec.ociVersion(), id, 0, 0, bundle.toString(),
                        bundle.resolve(spec.root().path()).normalize().toString(),
                        DateTimeFormatter.ISO_INSTANT.format(Instant.now()), cg.path(), Status.CREATING.ociName(), "",
                        spec.annotations() == null ? Map.of() : spec.annotations(), spec);
                store.write(rec);
                cg.create();
                cg.apply(CgroupManager.withEffectiveDevices(linux.resources(), linux));
                Path fifo = null;
                if (mode == LaunchPlan.Mode.CREATE) {
                    fifo = store.execFifo(id);
                    Fifo.create(fifo, FIFO_MODE);
                }
                // In-container hooks get the state as of planning: the executor puts its pid in place of the 0.
                String planState = stateJson(rec, Status.CREATING);
                var options = new PlanTranslator.Options(mode, fifo, o.consoleSocket(), o.preserveFds(), o.noPivot(),
                        cgroupView(cg), seccomp -> SeccompCompiler.compile(seccomp, warn),
                        HookRunner.plans(Phase.CREATE_CONTAINER, spec.hooks(), planState),
                        HookRunner.plans(Phase.START_CONTAINER, spec.hooks(), stateJson(rec, Status.CREATED)), warn,
                        o.noNewKeyring() ? null : "_ses." + id);
                LaunchPlan plan = PlanTranslator.translate(spec, bundle, options);
                if (!o.noNewKeyring()) store.writeSessionKeyring(id, "_ses." + id);

                launch = Executor.launch(plan, o.stdio(), sup);
                int pid = launch.pid();
                if (!plan.uidMappings().isEmpty() || !plan.gidMappings().isEmpty()) launch.writeIdMappings();
                cg.addProcess(pid);
                rec = rec.withInit(pid, ProcFs.startTime(pid));
                store.write(rec);
                String creating = stateJson(rec, Status.CREATING);
                HookRunner.run(Phase.PRESTART, spec.hooks(), creating);
                HookRunner.run(Phase.CREATE_RUNTIME, spec.hooks(), creating);
                launch.proceed();
                launch.awaitReady();
                rec = rec.withStatus(mode == LaunchPlan.Mode.CREATE ? Status.CREATED.ociName() : Status.RUNNING.ociName());
                store.write(rec);
                if (o.pidFile() != null) PidFile.write(o.pidFile(), pid, callerUmask);
                ok = true;
                return new Launched(rec, launch);
            } catch (HookException e) {
                throw new ContainerException(e.getMessage(), 1, e);
            } catch (CgroupException e) {
                throw new ContainerException("cgroup: " + e.getMessage(), 1, e);
            } finally {
                if (!ok) abortCreate(id, launch, cg, rec); // still under the lock
            }
        }
    }

    /** A failed create leaves nothing: no process, no cgroup, no state dir (its mounts died with its mount namespace). */
    private void abortCreate(String id, Launch launch, CgroupManager cg, ContainerRecord rec) {
        if (launch != null) {
            try { launch.close(); } catch (RuntimeException e) { warn.accept("cleanup: " + e.getMessage()); }
        }
        if (cg != null) {
            try { cg.destroy(true); } catch (RuntimeException e) { warn.accept("cleanup: cgroup " + cg.path() + ": " + e.getMessage()); }
        }
        if (rec != null && rec.initPid() > 0)
            HookRunner.runWarning(Phase.POSTSTOP, rec.hooks(), stateJson(rec, Status.STOPPED), warn);
        try { store.remove(id); } catch (RuntimeException e) { warn.accept("cleanup: " + e.getMessage()); }
    }

    private static void checkConsole(Spec spec, String consoleSocket, boolean foreground) {
        boolean terminal = spec.process() != null && spec.process().isTerminal();
        // in the foreground without a socket the executor proxies the pty to the caller's stdio (runc run -t)
        if (terminal && !foreground && (consoleSocket == null || consoleSocket.isEmpty()))
            throw new ContainerException("cannot allocate tty if runc will detach without setting console socket");
        if (!terminal && consoleSocket != null && !consoleSocket.isEmpty())
            throw new ContainerException("cannot use console socket if runc will not detach or allocate tty");
    }

    private static Spec loadSpec(Path bundle) {
        Path config = bundle.resolve("config.json");
        if (!Files.exists(config)) throw new ConfigException("config.json: " + config + " does not exist");
        try {
            return Json.read(config, Spec.class);
        } catch (OciException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private static CgroupView cgroupView(CgroupManager cg) {
        CgroupView all = CgroupView.forPath(cg.path());
        // Only hierarchies the manager made a directory in can be bound into the container.
        var v1 = all.v1().stream().filter(h -> Files.isDirectory(h.hostDir())).toList();
        return new CgroupView(v1, all.v2());
    }

    /**
     * Opens the exec fifo for reading, which lets the init's blocked open for writing complete; the init
     * writes a byte, runs the startContainer hooks and execs. Its write end is close-on-exec, so EOF comes
     * with the execve (or its death): start returns once the user process runs, as runc. Fails if the init
     * dies before it wrote.
     */
    private void releaseFifo(ContainerRecord r) {
        Path fifo = store.execFifo(r.id());
        int fd = Fds.open(fifo.toString(), Fds.O_NONBLOCK | Fds.O_CLOEXEC, 0);
        try {
            byte[] b = new byte[16];
            boolean writerSeen = false;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            boolean gotData = false;
            while (true) {
                int n;
                try {
                    n = Fds.read(fd, b, 0, b.length);
                } catch (SyscallException e) {
                    if (e.errno() != Errno.EAGAIN) throw e;
                    writerSeen = true;  // a writer has it open but has not written (or closed) yet
                    n = -1;
                }
                if (n > 0) { gotData = true; continue; }
                // EOF after the writer came: it closed its end (on exec, when it is close-on-exec)
                if (n == 0 && (writerSeen || gotData)) break;
                if (!StateStore.initAlive(r)) {
                    if (gotData) break; // it started and has already exited
                    throw new ContainerException("cannot start a container that has stopped");
                }
                // the writer came and went between two reads (it holds its end until exec, so only before it wrote)
                if (!writerSeen && !gotData && System.nanoTime() > deadline) break;
                sleep(1);
            }
        } finally {
            Fds.close(fd);
        }
        try {
            Files.deleteIfExists(fifo);
        } catch (IOException e) {
            throw new ContainerException("remove " + fifo + ": " + e.getMessage(), 1, e);
        }
    }

    // ---------------------------------------------------------------- state / list

    public ContainerInfo state(String id) {
        ContainerRecord r = load(id);
        return info(r, status(r));
    }

    /** Every container under the root with a state file, sorted by id. */
    public List<ContainerInfo> list() {
        List<ContainerInfo> out = new ArrayList<>();
        for (String id : store.ids()) {
            try {
                store.read(id).ifPresent(r -> out.add(info(r, status(r))));
            } catch (RuntimeException e) {
                warn.accept("container " + id + ": " + e.getMessage());
            }
        }
        out.sort(Comparator.comparing(ContainerInfo::id));
        return out;
    }

    // ---------------------------------------------------------------- kill / delete / pause

    /** runc kill: signals the init, or with {@code all} every process in the container's cgroup. */
    public void kill(String id, int signal, boolean all) {
        ContainerRecord r = load(id);
        Status s = status(r);
        if (s == Status.STOPPED || r.initPid() <= 0) throw new ContainerException("container not running");
        if (all) {
            manager(r).killAll(signal);
            return;
        }
        if (!signalInit(r, signal)) throw new ContainerException("container not running");
    }

    private static boolean signalInit(ContainerRecord r, int signal) {
        try (Pidfd p = Pidfd.open((int) r.initPid())) {
            // the pidfd pins the process: check it is still ours before signalling it
            if (ProcFs.startTime(r.initPid()) != r.initStartTime()) return false;
            return p.signal(signal);
        } catch (SyscallException e) {
            if (e.errno() == Errno.ESRCH) return false;
            throw e;
        }
    }

    /**
     * runc delete: a stopped container is removed (cgroup, state; then poststop hooks); a created one is
     * killed first; a running or paused one only with {@code force}. With {@code force}, a missing
     * container is not an error.
     */
    public void delete(String id, boolean force) {
        if (!StateStore.validId(id)) throw new ContainerException("invalid container id format: " + id);
        try (var _ = store.lock(id)) {
            Optional<ContainerRecord> maybe = store.read(id);
            if (maybe.isEmpty()) {
                // a create that died before its state file was written may have left the directory
                if (Files.exists(store.dir(id), LinkOption.NOFOLLOW_LINKS)) store.remove(id);
                if (force) return;
                throw ContainerException.notExist(id);
            }
            ContainerRecord r = maybe.get();
            Status s = status(r);
            switch (s) {
                case STOPPED -> destroy(r, false);
                case CREATED, CREATING -> destroy(r, true);
                default -> {
                    if (!force) throw new ContainerException("cannot delete container " + id + " that is not stopped: " + s);
                    destroy(r, true);
                }
            }
        }
    }

    /** Kills what is left (when {@code kill}), removes the cgroup and the state, runs the poststop hooks. */
    private void destroy(ContainerRecord r, boolean kill) {
        CgroupManager cg = manager(r);
        if (kill && StateStore.initAlive(r)) {
            signalInit(r, SIGKILL);
            try { cg.killAll(SIGKILL); } catch (RuntimeException e) { warn.accept("kill: " + e.getMessage()); }
            try { if (cg.isFrozen()) cg.thaw(); } catch (RuntimeException e) { warn.accept("thaw: " + e.getMessage()); }
            awaitDeath(r, Duration.ofSeconds(10));
            if (StateStore.initAlive(r)) throw new ContainerException("container init still running");
        }
        cg.destroy(true);
        var hooks = r.hooks(); // read before the state dir (which may hold the config) goes
        store.remove(r.id());
        HookRunner.runWarning(Phase.POSTSTOP, hooks, stateJson(r, Status.STOPPED), warn);
    }

    private static void awaitDeath(ContainerRecord r, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (StateStore.initAlive(r) && System.nanoTime() < end) sleep(5);
    }

    public void pause(String id) {
        try (var _ = store.lock(id)) {
            ContainerRecord r = load(id);
            Status s = status(r);
            if (s != Status.RUNNING && s != Status.CREATED) throw new ContainerException("container not running");
            manager(r).freeze();
        }
    }

    public void resume(String id) {
        try (var _ = store.lock(id)) {
            ContainerRecord r = load(id);
            if (status(r) != Status.PAUSED) throw new ContainerException("container not paused");
            manager(r).thaw();
        }
    }

    /** Host pids of every process in the container's cgroup (for `ps`). */
    public List<Long> pids(String id) {
        return manager(load(id)).pids();
    }

    public CgroupStats stats(String id) {
        ContainerRecord r = load(id);
        if (status(r) == Status.STOPPED) throw new ContainerException("container not running");
        return manager(r).stats();
    }

    /** runc update: applies new resources to a live container's cgroup (the stored config is not changed). */
    public void update(String id, Resources resources) {
        try (var _ = store.lock(id)) {
            ContainerRecord r = load(id);
            if (status(r) == Status.STOPPED) throw new ContainerException("container not running");
            manager(r).apply(resources);
        }
    }

    // ---------------------------------------------------------------- exec

    /**
     * runc exec: runs {@code process} in the container's namespaces and cgroup. Returns its exit code, or 0
     * at once with {@code detach}.
     */
    public int exec(String id, Process process, ExecOptions o) {
        ContainerRecord r;
        LaunchPlan plan;
        try (var _ = store.lock(id)) {
            r = load(id);
            Status s = status(r);
            if (s == Status.STOPPED) throw new ContainerException("cannot exec in a stopped state");
            if (s == Status.PAUSED && !o.ignorePaused()) throw new ContainerException("cannot exec in a paused state");
            if (process == null || process.args() == null || process.args().isEmpty())
                throw new ConfigException("process.args: must not be empty");
            if (process.cwd() != null && !process.cwd().isEmpty() && !process.cwd().startsWith("/"))
                throw new ConfigException("process.cwd: must be an absolute path, got \"" + process.cwd() + "\"");
            checkConsole(new Spec(null, process, null, null, null, null, null, null, null), o.consoleSocket(), !o.detach());
            Linux linux = r.config().linux();
            List<LaunchPlan.Namespace> ns = new ArrayList<>();
            List<NamespaceType> types = new ArrayList<>();
            for (Linux.Namespace n : linux.namespacesOrEmpty()) NamespaceType.fromOci(n.type()).ifPresent(types::add);
            types.sort(null);
            for (NamespaceType t : types) ns.add(new LaunchPlan.Namespace(t.procName(), "/proc/" + r.initPid() + "/ns/" + t.procName()));
            var seccomp = linux.seccomp() == null ? null : SeccompCompiler.compile(linux.seccomp(), warn);
            // runc: exec joins the container's session keyring too, without changing its permissions
            var proc = ProcessTranslator.translate(process, linux.personality(), seccomp, warn,
                    store.sessionKeyring(id).orElse(null), 0);
            List<String> cgroupJoin = SubCgroups.resolve(manager(r).procsFiles(), o.subCgroups()).stream().map(Path::toString).toList();
            plan = new LaunchPlan(LaunchPlan.Mode.EXEC, List.copyOf(ns), List.of(), List.of(), false, List.of(), null,
                    List.of(), List.of(), null, null, proc, null, o.consoleSocket(), cgroupJoin, List.of(), o.preserveFds());
        }
        try (Launch l = Executor.launch(plan, o.stdio(), o.detach() ? Supervision.DETACH : Supervision.FOREGROUND)) {
            l.proceed();
            l.awaitReady();
            if (o.pidFile() != null)
                PidFile.write(o.pidFile(), l.pid(), callerUmask);
            return o.detach() ? 0 : l.waitFor();
        }
    }

    // ---------------------------------------------------------------- helpers

    private ContainerRecord load(String id) {
        if (!StateStore.validId(id)) throw new ContainerException("invalid container id format: " + id);
        return store.read(id).orElseThrow(() -> ContainerException.notExist(id));
    }

    private Status status(ContainerRecord r) {
        return store.status(r, () -> {
            try {
                return manager(r).isFrozen();
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    private static CgroupManager manager(ContainerRecord r) {
        return CgroupManager.forHost(r.cgroupPath(), r.id());
    }

    private static ContainerInfo info(ContainerRecord r, Status s) {
        int pid = s == Status.STOPPED ? 0 : (int) r.initPid();
        return new ContainerInfo(r.ociVersion(), r.id(), pid, s, r.bundle(), r.rootfs(), r.created(), r.owner(),
                r.annotations());
    }

    static String stateJson(ContainerRecord r, Status s) {
        int pid = s == Status.STOPPED ? 0 : (int) r.initPid();
        return StateStore.ociStateJson(r.ociVersion(), r.id(), s.ociName(), pid, r.bundle(), r.annotations());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerException("interrupted");
        }
    }
}
