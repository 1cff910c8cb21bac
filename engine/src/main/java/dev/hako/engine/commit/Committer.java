package dev.hako.engine.commit;

import dev.hako.engine.Engine;
import dev.hako.engine.EngineException;
import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.ContainerRecord;
import dev.hako.image.layer.TreeArchiver;
import dev.hako.image.snapshot.Change;
import dev.hako.image.snapshot.Snapshot;
import dev.hako.image.snapshot.Snapshotter;
import dev.hako.image.store.DockerfileChanges;
import dev.hako.image.store.ImageRecord;
import dev.hako.oci.image.ImageConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * docker commit, diff and export over a container's snapshot. The container's own changes are its overlay upper
 * dir, minus the mount points the runtime made for the engine's files (docker keeps those in a hidden init
 * layer, so they show neither in diff nor in a committed image).
 */
public final class Committer {
    /** What the runtime creates in every container to mount the engine's files and the kernel filesystems on. */
    static final Set<String> INIT_PATHS = Set.of("etc/hostname", "etc/hosts", "etc/resolv.conf", "etc/mtab",
            "dev/console", "dev/pts", "dev/shm", "dev/mqueue", "proc", "sys", ".dockerenv");

    private Committer() {}

    private static Snapshot snapshot(Engine engine, ContainerRecord r) {
        return Snapshot.load(engine.store().dir(r.id()).resolve("snapshot"));
    }

    /** docker diff: A/C/D lines, parents shown as C, the init paths left out. */
    public static List<Change> diff(Engine engine, String ref) {
        ContainerRecord r = engine.store().lookup(ref);
        Snapshot s = snapshot(engine, r);
        List<Change> all;
        try {
            all = Snapshotter.named(s.kind()).diff(s);
        } catch (IOException e) {
            throw new EngineException("diff " + ref + ": " + e.getMessage(), 1, e);
        }
        return withoutInitPaths(all, engine.store().dir(r.id()).resolve("snapshot/upper"));
    }

    static List<Change> withoutInitPaths(List<Change> all, Path upper) {
        List<Change> kept = new ArrayList<>();
        for (Change c : all) if (!isInitPath(c.path().substring(1))) kept.add(c);
        // a parent listed only because of an init path ("C /etc" for /etc/hosts) goes too, unless it changed itself
        List<Change> out = new ArrayList<>();
        for (Change c : kept) {
            String p = c.path().substring(1);
            boolean initParent = INIT_PATHS.stream().anyMatch(i -> i.startsWith(p + "/"));
            if (c.kind() == Change.Kind.C && initParent
                    && kept.stream().noneMatch(o -> o.path().startsWith(c.path() + "/"))) continue;
            out.add(c);
        }
        return out;
    }

    static boolean isInitPath(String rel) {
        for (String i : INIT_PATHS) if (rel.equals(i) || rel.startsWith(i + "/")) return true;
        return false;
    }

    /** docker export: the container's filesystem (image and changes, no mounts) as a tar. */
    public static void export(Engine engine, String ref, OutputStream out) {
        ContainerRecord r = engine.store().lookup(ref);
        Snapshot s = snapshot(engine, r);
        try {
            Snapshotter.named(s.kind()).export(s, out);
            out.flush();
        } catch (IOException e) {
            throw new EngineException("export " + ref + ": " + e.getMessage(), 1, e);
        }
    }

    /** The container's changes as a layer tar (overlay whiteouts as .wh. entries, opaque dirs as .wh..wh..opq). */
    static void writeLayer(Snapshot s, OutputStream out) throws IOException {
        if (s.kind().equals("overlay")) {
            TreeArchiver.write(s.dir().resolve("upper"), out, TreeArchiver.Mode.OVERLAY_UPPER,
                    p -> !isInitPath(p), List.of());
        } else {
            Snapshotter.named(s.kind()).writeDiff(s, out);
        }
    }

    /**
     * docker commit: a new image of the container's image plus its changes, with the container's settings (Cmd,
     * Entrypoint, Env, User, WorkingDir, Labels) and the {@code changes} applied; the image's ID.
     *
     * @param pause freeze a running container while its changes are read (docker's default)
     */
    public static ImageRecord commit(Engine engine, String ref, String reference, String author, String message,
                                     List<String> changes, boolean pause) {
        ContainerRecord r = engine.store().lookup(ref);
        ImageRecord base;
        try {
            base = engine.images().resolve(r.imageId());
        } catch (RuntimeException e) {
            throw new EngineException("commit " + ref + ": image " + r.imageId() + " is gone: " + e.getMessage(), 1, e);
        }
        ImageConfig baseConfig = engine.images().config(base);
        ImageConfig.Config cc;
        try {
            cc = DockerfileChanges.apply(containerConfig(baseConfig.config(), r.options()), changes == null ? List.of() : changes);
        } catch (RuntimeException e) {
            throw new EngineException(e.getMessage(), 1, e);
        }
        String now = Instant.now().toString();
        List<ImageConfig.History> history = new ArrayList<>(baseConfig.history() == null ? List.of() : baseConfig.history());
        history.add(new ImageConfig.History(now, String.join(" ", r.args()), emptyToNull(author), emptyToNull(message), null));
        ImageConfig config = new ImageConfig(now, emptyToNull(author), baseConfig.architecture(), baseConfig.os(),
                baseConfig.osVersion(), baseConfig.osFeatures(), baseConfig.variant(), cc, baseConfig.rootfs(), history);

        Path tmp = engine.store().dir(r.id()).resolve("commit.tar");
        boolean paused = false;
        try {
            if (pause && engine.status(r).state().equals("running")) {
                engine.pause(r.id());
                paused = true;
            }
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                writeLayer(snapshot(engine, r), out);
            }
        } catch (IOException e) {
            throw new EngineException("commit " + ref + ": " + e.getMessage(), 1, e);
        } finally {
            if (paused) engine.unpause(r.id());
        }
        try (InputStream in = Files.newInputStream(tmp)) {
            return engine.images().commit(base, in, config, message, reference);
        } catch (IOException e) {
            throw new EngineException("commit " + ref + ": " + e.getMessage(), 1, e);
        } catch (EngineException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new EngineException(e.getMessage(), 1, e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                // a leftover temp file goes with the container's directory
            }
        }
    }

    /** The image's config overlaid with what the container was created with, as docker's container Config. */
    static ImageConfig.Config containerConfig(ImageConfig.Config image, RunOptions o) {
        ImageConfig.Config i = image != null ? image : ImageConfig.Config.of(null, null, null, null);
        List<String> entrypoint = o.entrypoint == null ? i.entrypoint() : o.entrypoint.isEmpty() ? null : List.of(o.entrypoint);
        List<String> cmd = !o.command.isEmpty() ? o.command : o.entrypoint != null ? null : i.cmd();
        Map<String, String> env = new LinkedHashMap<>();
        for (String e : i.envOrEmpty()) put(env, e);
        for (String e : o.env) put(env, e);
        List<String> envList = new ArrayList<>();
        env.forEach((k, v) -> envList.add(v == null ? k : k + "=" + v));
        Map<String, String> labels = new TreeMap<>(i.labelsOrEmpty());
        labels.putAll(o.labels);
        return new ImageConfig.Config(i.hostname(), i.domainname(),
                o.user != null && !o.user.isEmpty() ? o.user : i.user(), i.exposedPorts(), i.tty(), i.openStdin(),
                envList.isEmpty() ? null : envList, entrypoint, cmd, i.healthcheck(), i.argsEscaped(), i.volumes(),
                o.workdir != null && !o.workdir.isEmpty() ? o.workdir : i.workingDir(), i.onBuild(),
                labels.isEmpty() ? null : labels, i.stopSignal(), i.stopTimeout(), i.shell());
    }

    private static void put(Map<String, String> env, String e) {
        int eq = e.indexOf('=');
        env.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? null : e.substring(eq + 1));
    }

    private static String emptyToNull(String s) { return s == null || s.isEmpty() ? null : s; }
}
