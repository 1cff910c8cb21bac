package dev.hako.runtime.rootfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a "cgroup" mount in config.json shows inside the container: for each host hierarchy, the host
 * directory of the container's own cgroup (bound in without a cgroup namespace) and the mount data used
 * to mount that hierarchy afresh when the container has its own cgroup namespace.
 *
 * @param v1      cgroup v1 hierarchies (empty on a pure v2 host)
 * @param v2      the container's cgroup v2 directory when the host is pure v2 (null otherwise)
 */
public record CgroupView(List<Hierarchy> v1, Path v2) {

    /**
     * @param name      the directory under /sys/fs/cgroup ("cpu", "cpu,cpuacct", "systemd")
     * @param hostDir   the container's cgroup directory in this hierarchy on the host
     * @param data      mount data for a fresh cgroup mount ("cpu,cpuacct", "name=systemd")
     */
    public record Hierarchy(String name, Path hostDir, String data) {}

    /** One line of /proc/self/mountinfo about a cgroup filesystem. */
    public record HostMount(Path mountPoint, String fstype, String root, String superOptions) {
        /** "cpu,cpuacct" or "name=systemd": the hierarchy's controllers from the super options. */
        public String controllers() {
            List<String> out = new ArrayList<>();
            for (String o : superOptions.split(","))
                if (!o.equals("rw") && !o.equals("ro") && !o.startsWith("release_agent") && !o.equals("clone_children")
                        && !o.equals("noprefix") && !o.equals("xattr") && !o.startsWith("cpuset_v2_mode")
                        && !o.equals("favordynmods") && !o.equals("nsdelegate") && !o.equals("memory_recursiveprot"))
                    out.add(o);
            return String.join(",", out);
        }
    }

    /** cgroup and cgroup2 mounts of the host, from /proc/self/mountinfo. */
    public static List<HostMount> hostMounts() {
        List<HostMount> out = new ArrayList<>();
        try {
            for (String line : dev.hako.runtime.process.ProcFs.read(Path.of("/proc/self/mountinfo")).lines().toList()) {
                String[] halves = line.split(" - ", 2);
                if (halves.length != 2) continue;
                String[] a = halves[0].split(" ");
                String[] b = halves[1].split(" ");
                if (b.length < 3 || !(b[0].equals("cgroup") || b[0].equals("cgroup2"))) continue;
                out.add(new HostMount(Path.of(unescape(a[4])), b[0], unescape(a[3]), b[2]));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("read /proc/self/mountinfo: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * The view of a container whose cgroup path (relative to each hierarchy's root, e.g. "/hako/abc")
     * is {@code cgroupPath}. On a hybrid host the cgroup2 hierarchy is left out, as runc does.
     */
    public static CgroupView forPath(String cgroupPath) {
        List<HostMount> mounts = hostMounts();
        String rel = cgroupPath.startsWith("/") ? cgroupPath.substring(1) : cgroupPath;
        boolean anyV1 = mounts.stream().anyMatch(m -> m.fstype().equals("cgroup"));
        List<Hierarchy> v1 = new ArrayList<>();
        Path v2 = null;
        for (HostMount m : mounts) {
            if (m.fstype().equals("cgroup")) {
                String name = m.mountPoint().getFileName().toString();
                v1.add(new Hierarchy(name, m.mountPoint().resolve(rel), m.controllers()));
            } else if (!anyV1 && m.mountPoint().equals(Path.of("/sys/fs/cgroup"))) {
                v2 = m.mountPoint().resolve(rel);
            }
        }
        return new CgroupView(List.copyOf(v1), v2);
    }

    static String unescape(String s) {
        if (!s.contains("\\")) return s;
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
}
