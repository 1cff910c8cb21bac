package dev.hako.runtime.cgroups;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns linux.cgroupsPath into the cgroup's path inside every hierarchy (always absolute, "/a/b").
 *
 * <ul>
 *   <li>absolute ("/machine/c1"): taken as is, relative to each hierarchy's mount point
 *       (what runc's cgroupfs driver does; podman's cgroupfs manager passes these);</li>
 *   <li>relative ("c1" or "pod/c1"): placed under the runtime's default parent ({@value #DEFAULT_PARENT});
 *       runc puts relative paths under its own cgroup instead, which makes a container's place
 *       depend on where the runtime process happened to run, so we don't;</li>
 *   <li>empty or null: {@value #DEFAULT_PARENT}/&lt;container id&gt; (runc uses /&lt;id&gt;);</li>
 *   <li>systemd style "slice:prefix:name": rejected, hako has only the cgroupfs driver.</li>
 * </ul>
 * "." and ".." components are cleaned lexically and can never climb above the hierarchy root.
 */
public final class CgroupPath {
    public static final String DEFAULT_PARENT = "/hako";

    private CgroupPath() {}

    public static String resolve(String cgroupsPath, String containerId) {
        return resolve(cgroupsPath, containerId, DEFAULT_PARENT);
    }

    public static String resolve(String cgroupsPath, String containerId, String defaultParent) {
        if (cgroupsPath == null || cgroupsPath.isEmpty()) {
            requireId(containerId);
            return clean(defaultParent + "/" + containerId);
        }
        if (isSystemdStyle(cgroupsPath)) {
            throw new CgroupException("cgroupsPath \"" + cgroupsPath + "\" is in systemd form (slice:prefix:name), "
                    + "but the systemd cgroup driver is not supported; use a cgroupfs path such as /hako/<id>");
        }
        String path = cgroupsPath.startsWith("/") ? clean(cgroupsPath) : clean(defaultParent + "/" + cgroupsPath);
        if (path.equals("/")) {
            throw new CgroupException("cgroupsPath \"" + cgroupsPath + "\" names the root cgroup; a container needs its own");
        }
        return path;
    }

    static boolean isSystemdStyle(String p) {
        return !p.startsWith("/") && p.split(":", -1).length == 3;
    }

    private static void requireId(String id) {
        if (id == null || id.isEmpty() || id.contains("/") || id.equals(".") || id.equals("..")) {
            throw new CgroupException("invalid container id for a cgroup name: \"" + id + "\"");
        }
    }

    /** Lexical clean: collapse "//", drop ".", resolve ".." without going above "/". */
    static String clean(String p) {
        List<String> parts = new ArrayList<>();
        for (String s : p.split("/")) {
            if (s.isEmpty() || s.equals(".")) continue;
            if (s.equals("..")) {
                if (!parts.isEmpty()) parts.removeLast();
                continue;
            }
            parts.add(s);
        }
        return "/" + String.join("/", parts);
    }
}
