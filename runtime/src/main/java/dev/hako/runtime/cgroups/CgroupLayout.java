package dev.hako.runtime.cgroups;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * How cgroups are mounted on this host: v1 hierarchies (one per mount, possibly several
 * controllers co-mounted, or a named hierarchy like {@code name=systemd}) and/or the cgroup2
 * hierarchy, with the controllers the cgroup2 root offers.
 *
 * @param mode        {@link Mode#V2} when only cgroup2 is mounted, {@link Mode#V1} when only v1,
 *                    {@link Mode#HYBRID} when both (v1 controllers + a cgroup2 mount, usually at
 *                    /sys/fs/cgroup/unified, holding whatever controllers v1 does not)
 * @param v1          the v1 hierarchies, one entry per distinct mount
 * @param unified     the cgroup2 mount point, or null
 * @param v2Controllers controllers listed in the cgroup2 root's cgroup.controllers
 */
public record CgroupLayout(Mode mode, List<V1Hierarchy> v1, Path unified, Set<String> v2Controllers) {

    public enum Mode { V1, V2, HYBRID }

    /** A v1 hierarchy: where it is mounted and what it holds ("cpu", "cpuacct", "name=systemd", ...). */
    public record V1Hierarchy(Path mountPoint, Set<String> controllers) {}

    /** Controller names a v1 mount can carry; other super options (rw, relatime, ...) are not controllers. */
    static final Set<String> V1_CONTROLLERS = Set.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer",
            "blkio", "pids", "hugetlb", "net_cls", "net_prio", "perf_event", "rdma", "misc");

    public CgroupLayout {
        v1 = List.copyOf(v1);
        v2Controllers = Set.copyOf(v2Controllers);
    }

    /** Reads /proc/self/mountinfo and the cgroup2 root's cgroup.controllers. */
    public static CgroupLayout detect() {
        String mountinfo;
        try {
            mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
        } catch (IOException e) {
            throw new UncheckedIOException("read /proc/self/mountinfo", e);
        }
        return parse(mountinfo, dir -> {
            try {
                return CgroupFs.read(dir.resolve("cgroup.controllers"));
            } catch (CgroupException e) {
                return "";
            }
        });
    }

    /** Pure parser (unit-tested): {@code controllers} reads a cgroup2 mount's cgroup.controllers. */
    static CgroupLayout parse(String mountinfo, java.util.function.Function<Path, String> controllers) {
        List<V1Hierarchy> v1 = new ArrayList<>();
        Path unified = null;
        for (String line : mountinfo.split("\n")) {
            if (line.isBlank()) continue;
            // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
            int dash = line.indexOf(" - ");
            if (dash < 0) continue;
            String[] pre = line.substring(0, dash).split(" ");
            String[] post = line.substring(dash + 3).split(" ");
            if (pre.length < 5 || post.length < 1) continue;
            String fstype = post[0];
            Path mountPoint = Path.of(unescape(pre[4]));
            if (fstype.equals("cgroup2")) {
                // First cgroup2 mount wins; later ones are usually bind mounts of the same hierarchy.
                if (unified == null || preferred(mountPoint, unified)) unified = mountPoint;
            } else if (fstype.equals("cgroup")) {
                Set<String> ctrls = new LinkedHashSet<>();
                if (post.length >= 3) {
                    for (String opt : post[2].split(",")) {
                        // Of the named hierarchies only systemd's is joined (as runc does).
                        if (V1_CONTROLLERS.contains(opt) || opt.equals("name=systemd")) ctrls.add(opt);
                    }
                }
                if (ctrls.isEmpty()) continue;
                int existing = -1;
                for (int i = 0; i < v1.size(); i++) if (v1.get(i).controllers().equals(ctrls)) existing = i;
                if (existing < 0) v1.add(new V1Hierarchy(mountPoint, Set.copyOf(ctrls)));
                else if (preferred(mountPoint, v1.get(existing).mountPoint()))
                    v1.set(existing, new V1Hierarchy(mountPoint, Set.copyOf(ctrls)));
            }
        }
        Set<String> v2 = new LinkedHashSet<>();
        if (unified != null) {
            for (String c : controllers.apply(unified).trim().split("\\s+")) if (!c.isEmpty()) v2.add(c);
        }
        Mode mode;
        if (v1.isEmpty() && unified != null) mode = Mode.V2;
        else if (!v1.isEmpty() && unified != null) mode = Mode.HYBRID;
        else if (!v1.isEmpty()) mode = Mode.V1;
        else throw new CgroupException("no cgroup filesystem is mounted (checked /proc/self/mountinfo)");
        return new CgroupLayout(mode, v1, unified, v2);
    }

    // A duplicate mount under /sys/fs/cgroup beats one elsewhere (e.g. a bind mount into a container dir).
    private static boolean preferred(Path candidate, Path current) {
        return candidate.startsWith("/sys/fs/cgroup") && !current.startsWith("/sys/fs/cgroup");
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else b.append(c);
        }
        return b.toString();
    }

    /** The v1 hierarchy holding {@code controller}, if mounted as v1. */
    public Optional<V1Hierarchy> v1Hierarchy(String controller) {
        for (V1Hierarchy h : v1) if (h.controllers().contains(controller)) return Optional.of(h);
        return Optional.empty();
    }

    /** True when the controller is usable at all: mounted as v1, or offered by the cgroup2 root. */
    public boolean hasController(String controller) {
        return v1Hierarchy(controller).isPresent() || v2Controllers.contains(controller);
    }

    /** In hybrid mode: the controllers that only cgroup2 offers (e.g. hugetlb on this kind of host). */
    public Set<String> v2OnlyControllers() {
        Set<String> out = new LinkedHashSet<>();
        for (String c : v2Controllers) if (v1Hierarchy(c).isEmpty()) out.add(c);
        return out;
    }
}
