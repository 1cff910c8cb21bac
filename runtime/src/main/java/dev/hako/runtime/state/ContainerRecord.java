package dev.hako.runtime.state;

import dev.hako.oci.runtime.Hooks;
import dev.hako.oci.runtime.Spec;

import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What the runtime keeps about a container in {@code <root>/<id>/state.json}. The config it was created from
 * is kept beside it and read only when asked for ({@link #config}): state, start, kill and delete don't need
 * it, and binding a whole config.json costs more than everything else those commands do.
 *
 * <p>Fields: {@code initPid} host pid of the container init (0 before it exists); {@code initStartTime} its
 * start time (field 22 of /proc/PID/stat) so a recycled pid is never taken for the container; {@code created}
 * RFC 3339 creation time; {@code cgroupPath} the resolved cgroup path ("/hako/id") in every hierarchy;
 * {@code config} the config.json the container was created from (hooks, namespaces for exec); {@code status}
 * the last status this runtime recorded ("creating", "created", "running"), the live status is derived, see
 * {@link StateStore#status}; {@code owner} the owner runc reports ("" for root).
 */
public final class ContainerRecord {
    private final String ociVersion;
    private final String id;
    private final long initPid;
    private final long initStartTime;
    private final String bundle;
    private final String rootfs;
    private final String created;
    private final String cgroupPath;
    private final String status;
    private final String owner;
    private final Map<String, String> annotations;
    private final Config config;

    public ContainerRecord(String ociVersion, String id, long initPid, long initStartTime, String bundle,
                           String rootfs, String created, String cgroupPath, String status, String owner,
                           Map<String, String> annotations, Spec config) {
        this(ociVersion, id, initPid, initStartTime, bundle, rootfs, created, cgroupPath, status, owner, annotations,
                Config.of(config));
    }

    ContainerRecord(String ociVersion, String id, long initPid, long initStartTime, String bundle, String rootfs,
                    String created, String cgroupPath, String status, String owner, Map<String, String> annotations,
                    Config config) {
        this.ociVersion = ociVersion;
        this.id = id;
        this.initPid = initPid;
        this.initStartTime = initStartTime;
        this.bundle = bundle;
        this.rootfs = rootfs;
        this.created = created;
        this.cgroupPath = cgroupPath;
        this.status = status;
        this.owner = owner;
        this.annotations = annotations;
        this.config = config;
    }

    /**
     * The config, loaded at most once. {@code hasHooks} is known without loading it (the state file records
     * it), so hook-less containers never read it on start or delete.
     */
    static final class Config {
        private static final Config NONE = new Config(null, false);
        private final boolean hasHooks;
        private Supplier<Spec> loader;
        private Spec spec;
        private boolean stored;   // already in the state directory's config file

        private Config(Spec spec, boolean hasHooks) {
            this.spec = spec;
            this.hasHooks = hasHooks;
        }

        static Config of(Spec spec) {
            return spec == null ? NONE : new Config(spec, hasHooks(spec.hooks()));
        }

        /** @param stored whether the config is in the state directory's config file already */
        static Config lazy(Supplier<Spec> loader, boolean hasHooks, boolean stored) {
            Config c = new Config(null, hasHooks);
            c.loader = loader;
            c.stored = stored;
            return c;
        }

        synchronized Spec get() {
            if (loader != null) {
                spec = loader.get();
                loader = null;
            }
            return spec;
        }

        boolean hasHooks() { return hasHooks; }

        synchronized boolean stored() { return stored; }

        synchronized void markStored() { stored = true; }

        /** Whether any config is recorded (without loading it). */
        boolean present() { return this != NONE; }

        static boolean hasHooks(Hooks h) {
            return h != null && (nonEmpty(h.prestart()) || nonEmpty(h.createRuntime()) || nonEmpty(h.createContainer())
                    || nonEmpty(h.startContainer()) || nonEmpty(h.poststart()) || nonEmpty(h.poststop()));
        }

        private static boolean nonEmpty(java.util.List<?> l) { return l != null && !l.isEmpty(); }
    }

    public String ociVersion() { return ociVersion; }
    public String id() { return id; }
    public long initPid() { return initPid; }
    public long initStartTime() { return initStartTime; }
    public String bundle() { return bundle; }
    public String rootfs() { return rootfs; }
    public String created() { return created; }
    public String cgroupPath() { return cgroupPath; }
    public String status() { return status; }
    public String owner() { return owner; }
    public Map<String, String> annotations() { return annotations; }

    /** The config the container was created from; read from the state directory on first use. */
    public Spec config() { return config.get(); }

    /** The config's hooks; null, without reading the config, when it has none. */
    public Hooks hooks() {
        if (!config.hasHooks()) return null;
        Spec s = config.get();
        return s == null ? null : s.hooks();
    }

    Config configHolder() { return config; }

    public ContainerRecord withInit(long pid, long startTime) {
        return new ContainerRecord(ociVersion, id, pid, startTime, bundle, rootfs, created, cgroupPath, status, owner,
                annotations, config);
    }

    public ContainerRecord withStatus(String s) {
        return new ContainerRecord(ociVersion, id, initPid, initStartTime, bundle, rootfs, created, cgroupPath, s, owner,
                annotations, config);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContainerRecord r && initPid == r.initPid && initStartTime == r.initStartTime
                && Objects.equals(ociVersion, r.ociVersion) && Objects.equals(id, r.id)
                && Objects.equals(bundle, r.bundle) && Objects.equals(rootfs, r.rootfs)
                && Objects.equals(created, r.created) && Objects.equals(cgroupPath, r.cgroupPath)
                && Objects.equals(status, r.status) && Objects.equals(owner, r.owner)
                && Objects.equals(annotations, r.annotations) && Objects.equals(config(), r.config());
    }

    @Override
    public int hashCode() {
        return Objects.hash(ociVersion, id, initPid, initStartTime, bundle, rootfs, created, cgroupPath, status, owner,
                annotations);
    }

    @Override
    public String toString() {
        return "ContainerRecord[id=" + id + ", initPid=" + initPid + ", initStartTime=" + initStartTime + ", bundle="
                + bundle + ", status=" + status + ", cgroupPath=" + cgroupPath + "]";
    }
}
