package dev.hako.engine.volume;

import dev.hako.engine.EngineException;
import dev.hako.oci.Json;
import dev.hako.oci.runtime.Mount;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A container's binds, volumes and --mount tmpfs: planned (parsed and checked, nothing made) before the
 * container exists, then prepared (volumes created or found, device volumes mounted, image content copied up,
 * missing -v bind sources made) once its root filesystem is mounted. The result is recorded in the container's
 * mounts.json; {@link #rollback} undoes what a failed create made.
 */
public final class VolumeMounts {
    public static final String FILE = "mounts.json";

    private final VolumeStore volumes;
    private final List<MountRequest> requests;
    private final List<String> created = new ArrayList<>();
    private final List<Volume> mounted = new ArrayList<>();

    private VolumeMounts(VolumeStore volumes, List<MountRequest> requests) {
        this.volumes = volumes;
        this.requests = requests;
    }

    /**
     * Parses -v and --mount, adds an anonymous volume for each image VOLUME nothing else covers, and refuses two
     * mounts on one destination and --mount binds of missing paths (docker's errors), all before anything exists.
     *
     * @param tmpfsTargets destinations of --tmpfs (kept by the spec builder; they count as taken)
     */
    public static VolumeMounts plan(VolumeStore volumes, List<String> volumeFlags, List<String> mountFlags,
                                    Set<String> imageVolumes, List<String> tmpfsTargets) {
        List<MountRequest> out = new ArrayList<>();
        Set<String> taken = new LinkedHashSet<>();
        for (String t : tmpfsTargets) taken.add(Path.of(t).normalize().toString());
        for (String v : volumeFlags) add(out, taken, MountSpecs.volumeFlag(v));
        for (String m : mountFlags) {
            MountRequest r = MountSpecs.mountFlag(m);
            if (r.type() == MountRequest.Type.BIND && !Files.exists(Path.of(r.source())))
                throw new EngineException("invalid mount config for type \"bind\": bind source path does not exist: " + r.source());
            add(out, taken, r);
        }
        if (imageVolumes != null) {
            for (String dst : imageVolumes) {
                if (!dst.startsWith("/")) continue;
                String clean = Path.of(dst).normalize().toString();
                if (clean.equals("/") || !taken.add(clean)) continue;
                out.add(MountRequest.anonymousVolume(clean, MountRequest.Origin.IMAGE));
            }
        }
        // parents before children, as docker sorts them: /data before /data/sub
        out.sort(Comparator.comparingInt(r -> Path.of(r.target()).getNameCount()));
        return new VolumeMounts(volumes, List.copyOf(out));
    }

    private static void add(List<MountRequest> out, Set<String> taken, MountRequest r) {
        if (!taken.add(r.target())) throw new EngineException("Duplicate mount point: " + r.target());
        out.add(r);
    }

    public List<MountRequest> requests() { return requests; }

    /** What {@link #prepare} returns: the OCI mounts for config.json and the mount points for mounts.json. */
    public record Prepared(List<Mount> mounts, List<MountPoint> points) {}

    /**
     * Makes what the plan needs and writes {@code containerDir/mounts.json}.
     *
     * @param rootfs the container's mounted root filesystem (copy-up source)
     */
    public Prepared prepare(Path containerDir, Path rootfs) {
        List<Mount> mounts = new ArrayList<>();
        List<MountPoint> points = new ArrayList<>();
        for (MountRequest r : requests) {
            switch (r.type()) {
                case BIND -> {
                    Path src = Path.of(r.source());
                    if (!Files.exists(src, LinkOption.NOFOLLOW_LINKS) && r.origin() == MountRequest.Origin.VOLUME_FLAG) {
                        try {
                            Files.createDirectories(src); // docker's -v makes a missing source (--mount refuses it)
                        } catch (IOException e) {
                            throw new EngineException("error while creating mount source path '" + src + "': " + e.getMessage(), e);
                        }
                    }
                    List<String> o = new ArrayList<>(List.of(r.recursive() ? "rbind" : "bind"));
                    o.add(r.propagation().isEmpty() ? "rprivate" : r.propagation());
                    if (r.readOnly()) o.add("ro");
                    mounts.add(new Mount(r.target(), "bind", src.toString(), List.copyOf(o), null, null));
                    points.add(new MountPoint("bind", null, src.toString(), r.target(), null, r.mode(), !r.readOnly(),
                            r.propagation().isEmpty() ? "rprivate" : r.propagation(), false));
                }
                case VOLUME -> {
                    boolean anonymous = r.source() == null;
                    String name = anonymous ? volumes.newAnonymousName() : r.source();
                    Map<String, String> labels = new LinkedHashMap<>(r.volumeLabels());
                    if (anonymous) labels.put(Volume.ANONYMOUS_LABEL, "");
                    VolumeStore.Ensured e = volumes.ensure(name, r.volumeDriver(), r.volumeOptions(), labels);
                    if (e.created()) created.add(name);
                    Volume v = e.volume();
                    if (v.mountsDevice()) mounted.add(v);
                    volumes.mount(v);
                    if (!r.noCopy() && VolumeStore.isEmpty(v)) CopyUp.copy(rootfs, r.target(), Path.of(v.mountpoint()));
                    List<String> o = new ArrayList<>(List.of("rbind", "rprivate"));
                    if (r.readOnly()) o.add("ro");
                    mounts.add(new Mount(r.target(), "bind", v.mountpoint(), List.copyOf(o), null, null));
                    String mode = r.origin() == MountRequest.Origin.VOLUME_FLAG ? (r.mode().isEmpty() ? "z" : r.mode())
                            : r.origin() == MountRequest.Origin.MOUNT_FLAG ? "z" : "";
                    points.add(new MountPoint("volume", name, v.mountpoint(), r.target(), v.driver(), mode, !r.readOnly(), "", anonymous));
                }
                case TMPFS -> {
                    List<String> o = new ArrayList<>(List.of("nosuid", "nodev", "noexec"));
                    o.addAll(r.tmpfsOptions());
                    if (r.readOnly()) o.add("ro");
                    mounts.add(new Mount(r.target(), "tmpfs", "tmpfs", List.copyOf(o), null, null));
                    points.add(new MountPoint("tmpfs", null, "", r.target(), null, "", !r.readOnly(), "", false));
                }
            }
        }
        Json.writeAtomic(containerDir.resolve(FILE), points);
        return new Prepared(List.copyOf(mounts), List.copyOf(points));
    }

    /**
     * After a failed create (the container's files are gone): unmounts the device volumes it mounted that no
     * container uses, and removes the volumes it made.
     *
     * @param usersLeft volume name → containers that use it
     */
    public void rollback(java.util.function.Supplier<Map<String, List<String>>> usersLeft) {
        for (Volume v : mounted) {
            try {
                if (!usersLeft.get().getOrDefault(v.name(), List.of()).isEmpty()) continue;
                volumes.unmount(v);
            } catch (RuntimeException e) {
                // as below: the create's own failure is the one to report
            }
        }
        mounted.clear();
        for (String name : created.reversed()) {
            try {
                volumes.remove(name);
            } catch (RuntimeException e) {
                // the create's own failure is the one to report; a later prune takes what is left
            }
        }
        created.clear();
    }

    // ---- what containers use

    /** The mount points recorded for the container in {@code containerDir} (none for containers made before volumes). */
    public static List<MountPoint> read(Path containerDir) {
        Path f = containerDir.resolve(FILE);
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return List.of();
        try {
            return List.of(Json.mapper().readValue(f.toFile(), MountPoint[].class));
        } catch (IOException e) {
            throw new UncheckedIOException("read " + f + ": " + e.getMessage(), e);
        }
    }

    /** Volume name → ids of the containers whose mounts use it, from every container directory given. */
    public static Map<String, List<String>> users(Map<String, Path> containerDirs) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        containerDirs.forEach((id, dir) -> {
            try {
                for (MountPoint p : read(dir)) if (p.isVolume()) out.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(id);
            } catch (RuntimeException e) {
                // a damaged file must not hide the other containers' volumes
            }
        });
        return out;
    }

    /** Before a start: the device volumes the container uses are mounted again (unmounted when unused, or by a reboot). */
    public static void mountDevices(VolumeStore volumes, Path containerDir) {
        for (MountPoint p : read(containerDir)) {
            if (!p.isVolume()) continue;
            Volume v = volumes.find(p.name());
            if (v == null) throw new EngineException("error while mounting volume '" + p.source() + "': get " + p.name() + ": no such volume");
            volumes.mount(v);
        }
    }

    /**
     * After a container is gone: its device volumes no other container uses are unmounted; with
     * {@code removeAnonymous} (rm -v, --rm) its anonymous volumes no other container uses are removed.
     *
     * @param usersLeft volume name → containers that still use it
     */
    public static void release(VolumeStore volumes, List<MountPoint> points, Map<String, List<String>> usersLeft,
                               boolean removeAnonymous) {
        for (MountPoint p : points) {
            if (!p.isVolume() || !usersLeft.getOrDefault(p.name(), List.of()).isEmpty()) continue;
            Volume v = volumes.find(p.name());
            if (v == null) continue;
            if (removeAnonymous && p.anonymous()) volumes.remove(p.name());
            else volumes.unmount(v);
        }
    }
}
