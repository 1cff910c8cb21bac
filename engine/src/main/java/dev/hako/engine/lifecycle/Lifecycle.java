package dev.hako.engine.lifecycle;

import dev.hako.engine.EngineException;
import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.Status;
import dev.hako.oci.runtime.Mount;
import dev.hako.oci.runtime.Spec;
import dev.hako.runtime.cli.Signals;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's side of a container's life beyond one run: restart policies (carried out by the monitor, see
 * {@link LifecycleFiles}), stop signal and timeout, log driver and rotation, {@code --init}. Engine calls it at
 * create, start, stop and status; the state lives in files in the container's directory.
 */
public final class Lifecycle {
    private static final DateTimeFormatter RFC3339_NANO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'")
            .withZone(ZoneOffset.UTC);
    private final Path root, runRoot;

    /** @param root the engine's (absolute) root; runRoot its (absolute) run root: the restart command names both */
    public Lifecycle(Path root, Path runRoot) {
        this.root = root;
        this.runRoot = runRoot;
    }

    // ---------------------------------------------------------------- create

    /** Refuses bad lifecycle flags with docker's messages, before anything is made. */
    public static void validate(RunOptions o, boolean autoRemove) {
        RestartPolicy p = RestartPolicy.parse(o.restart);
        if (autoRemove && !p.none()) throw new EngineException("Conflicting options: cannot specify both --restart and --rm", 125, null);
        if (o.stopSignal != null && !o.stopSignal.isEmpty()) {
            try {
                Signals.parse(o.stopSignal);
            } catch (RuntimeException e) {
                throw new EngineException("Invalid signal: " + o.stopSignal, 125, e);
            }
        }
        LogConfig.of(o.logDriver, o.logOpts);
    }

    /** The container's log-config for its monitor, and with --init the spec that runs hako-init as PID 1. */
    public Spec prepare(Path dir, RunOptions o, Spec spec) {
        LogConfig.of(o.logDriver, o.logOpts).write(dir);
        if (!o.init) return spec;
        Path init = InitBinary.install(root);
        List<Mount> mounts = new ArrayList<>(spec.mountsOrEmpty());
        mounts.add(new Mount(InitBinary.CONTAINER_PATH, "bind", init.toString(), List.of("bind", "ro"), null, null));
        List<String> args = new ArrayList<>(List.of(InitBinary.CONTAINER_PATH, "--"));
        args.addAll(spec.process().args());
        Spec s = new Spec(spec.ociVersion(), spec.process().withArgs(args), spec.root(), spec.hostname(), spec.domainname(),
                List.copyOf(mounts), spec.hooks(), spec.annotations(), spec.linux());
        return s;
    }

    // ---------------------------------------------------------------- start / stop

    /** A user's start resets what a stop or earlier restarts left: the stop mark, RestartCount, the backoff. */
    public void beforeStart(String id, Path dir, RunOptions o, boolean byUser) {
        LifecycleFiles f = new LifecycleFiles(dir);
        f.clearMonitor(); // the previous run's: its death says nothing about the new run
        if (!byUser) return;
        f.clearStopped();
        f.writePolicy(RestartPolicy.parse(o.restart), restartCommand(id));
    }

    /** The new run exists (the runtime created it): no longer "restarting". */
    public void created(Path dir) { new LifecycleFiles(dir).clearRestarting(); }

    /**
     * stop, kill, rm: marks the container stopped by the user before any signal (so its monitor won't restart
     * it) and ends a restart waiting its backoff. True if one was waiting: the container is exited now.
     */
    public boolean markStopped(Path dir) {
        LifecycleFiles f = new LifecycleFiles(dir);
        try (var _ = f.lock()) {
            f.markStopped();
            if (f.restarting() == null) return false;
            f.cancelRestart();
            return true;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new EngineException(e.getMessage(), e);
        }
    }

    /**
     * The monitor's restart: under the lock a stop takes, starts the container unless a stop came first. A
     * start that fails leaves the container exited with the failure's code (as docker, no further restarts).
     */
    public void restartByPolicy(Path dir, Runnable start, java.util.function.IntConsumer failed) {
        LifecycleFiles f = new LifecycleFiles(dir);
        try (var _ = f.lock()) {
            if (f.stopped()) return;
            try {
                start.run();
            } catch (RuntimeException e) {
                int code = e instanceof EngineException ee ? ee.exitCode() : 125;
                writeExit(dir, code);
                failed.accept(code);
                throw e;
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new EngineException(e.getMessage(), e);
        } finally {
            // ours only: the new run's monitor may already wait its own backoff
            f.clearRestartingOf(ProcessHandle.current().pid());
        }
    }

    private static void writeExit(Path dir, int code) {
        try {
            Path tmp = dir.resolve("exit.tmp");
            Files.writeString(tmp, code + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, dir.resolve("exit"), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("write " + dir.resolve("exit") + ": " + e.getMessage(), e);
        }
    }

    /** How the monitor starts the container again: this JVM's java and class path, the RestartMain entry point. */
    public List<String> restartCommand(String id) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xss1m",
                "--enable-native-access=ALL-UNNAMED", "-Xlog:disable"));
        for (String p : List.of("hako.executor", InitBinary.PROPERTY)) {
            String v = System.getProperty(p);
            if (v != null && !v.isEmpty()) cmd.add("-D" + p + "=" + Path.of(v).toAbsolutePath());
        }
        // the monitor runs in "/": every class path entry must be absolute
        List<String> cp = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator))
            if (!e.isEmpty()) cp.add(e.endsWith("*") ? e : Path.of(e).toAbsolutePath().toString());
        cmd.addAll(List.of("-cp", String.join(File.pathSeparator, cp), RestartMain.class.getName(),
                root.toString(), runRoot.toString(), id));
        return cmd;
    }

    // ---------------------------------------------------------------- status

    /** "restarting" while the monitor waits its backoff or runs the restart, else null. */
    public static Status restarting(Path dir) {
        LifecycleFiles.Restarting r = new LifecycleFiles(dir).restarting();
        return r == null ? null : new Status("restarting", r.exitCode(), RFC3339_NANO.format(r.since()), 0);
    }

    /** Whether the container's monitor still runs (then an exit file not there yet is coming); null: not known. */
    public static Boolean monitorAlive(Path dir) { return new LifecycleFiles(dir).monitorAlive(); }

    public static int restartCount(Path dir) { return new LifecycleFiles(dir).restartCount(); }
}
