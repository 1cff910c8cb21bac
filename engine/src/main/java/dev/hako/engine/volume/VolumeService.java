package dev.hako.engine.volume;

import dev.hako.engine.EngineException;
import dev.hako.engine.Pruned;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** `docker volume create/ls/inspect/rm/prune` over a {@link VolumeStore}, knowing which containers use what. */
public final class VolumeService {
    private final VolumeStore store;
    private final Supplier<Map<String, Path>> containerDirs;

    /** @param containerDirs every container's id → its directory (where its mounts.json is) */
    public VolumeService(VolumeStore store, Supplier<Map<String, Path>> containerDirs) {
        this.store = store;
        this.containerDirs = containerDirs;
    }

    public VolumeStore store() { return store; }

    /** docker volume create: no name gives a random 64-hex one, labelled anonymous (moby's volume service does the same). */
    public Volume create(String name, String driver, Map<String, String> options, Map<String, String> labels) {
        if (name != null && !name.isEmpty()) return store.ensure(name, driver, options, labels).volume();
        Map<String, String> l = new java.util.LinkedHashMap<>(labels == null ? Map.of() : labels);
        l.put(Volume.ANONYMOUS_LABEL, "");
        return store.ensure(store.newAnonymousName(), driver, options, l).volume();
    }

    public List<Volume> list() { return store.list(); }

    public Volume inspect(String name) { return store.get(name); }

    /** Volume name → the containers whose mounts use it. */
    public Map<String, List<String>> usage() { return VolumeMounts.users(containerDirs.get()); }

    /**
     * docker volume rm: a volume a container uses is refused (also with force, as docker's); force only makes a
     * missing volume no error.
     */
    public void remove(String name, boolean force) {
        Volume v = store.find(name);
        if (v == null) {
            if (force) return;
            throw new EngineException("get " + name + ": no such volume", 1, null);
        }
        List<String> users = usage().getOrDefault(name, List.of());
        if (!users.isEmpty())
            throw new EngineException("remove " + name + ": volume is in use - [" + String.join(", ", users) + "]", 1, null);
        store.remove(name);
    }

    /** docker volume prune (23+): unused anonymous volumes; with {@code all} every unused volume. */
    public Pruned prune(boolean all) {
        Map<String, List<String>> users = usage();
        List<String> deleted = new ArrayList<>();
        long freed = 0;
        for (Volume v : store.list()) {
            if (!users.getOrDefault(v.name(), List.of()).isEmpty()) continue;
            if (!all && !v.anonymous()) continue;
            long size = store.size(v);
            try {
                store.remove(v.name());
            } catch (RuntimeException e) {
                continue; // taken meanwhile or unremovable: kept, as docker's prune skips it
            }
            deleted.add(v.name());
            freed += size;
        }
        return new Pruned(deleted, freed);
    }

    public long size(Volume v) { return store.size(v); }
}
