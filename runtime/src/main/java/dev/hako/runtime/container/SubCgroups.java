package dev.hako.runtime.container;

import dev.hako.runtime.config.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * runc exec --cgroup {@code [controller:]path}: the exec'd process joins an existing sub-cgroup of the container's
 * instead of the container's own. On cgroup v1 a bare path applies to every hierarchy and {@code memory:path} to the
 * hierarchy that has the memory controller; on v2 there is one path (a controller prefix names nothing more).
 */
final class SubCgroups {
    private SubCgroups() {}

    /**
     * @param procsFiles the container's cgroup.procs files, one per hierarchy (/sys/fs/cgroup/HIERARCHY/… on v1)
     * @return the cgroup.procs files to join
     */
    static List<Path> resolve(List<Path> procsFiles, List<String> specs) {
        if (specs.isEmpty()) return procsFiles;
        List<Path> out = new ArrayList<>(procsFiles);
        for (String spec : specs) {
            int colon = spec.indexOf(':');
            String controller = colon < 0 ? null : spec.substring(0, colon);
            String sub = colon < 0 ? spec : spec.substring(colon + 1);
            if (sub.isEmpty() || sub.startsWith("/") || List.of(sub.split("/")).contains(".."))
                throw new ConfigException("invalid --cgroup argument \"" + spec + "\": the path must be relative to the container's cgroup, without \"..\"");
            boolean matched = false;
            for (int i = 0; i < procsFiles.size(); i++) {
                Path cg = procsFiles.get(i).getParent();
                if (controller != null && procsFiles.size() > 1 && !hierarchyHas(cg, controller)) continue;
                Path target = cg.resolve(sub);
                if (!Files.isDirectory(target))
                    throw new ConfigException("invalid --cgroup argument \"" + spec + "\": " + target + " does not exist");
                out.set(i, target.resolve("cgroup.procs"));
                matched = true;
            }
            if (!matched) throw new ConfigException("invalid --cgroup argument \"" + spec + "\": no hierarchy has the " + controller + " controller");
        }
        return out;
    }

    /** v1 hierarchies are mounted at /sys/fs/cgroup/NAME with NAME the comma-joined controllers ("cpu,cpuacct"). */
    private static boolean hierarchyHas(Path cgroupDir, String controller) {
        Path root = Path.of("/sys/fs/cgroup");
        if (!cgroupDir.startsWith(root) || cgroupDir.getNameCount() <= root.getNameCount()) return false;
        String hierarchy = cgroupDir.getName(root.getNameCount()).toString();
        return List.of(hierarchy.split(",")).contains(controller);
    }
}
