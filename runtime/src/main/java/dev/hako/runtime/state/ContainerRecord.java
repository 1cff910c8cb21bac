package dev.hako.runtime.state;

import dev.hako.oci.runtime.Spec;

import java.util.Map;

/**
 * What the runtime keeps about a container in {@code <root>/<id>/state.json}.
 *
 * @param initPid       host pid of the container init (0 before it exists)
 * @param initStartTime start time of the init (field 22 of /proc/PID/stat) so a recycled pid is never taken
 *                      for the container
 * @param created       RFC 3339 creation time
 * @param cgroupPath    the resolved cgroup path ("/hako/id") in every hierarchy
 * @param config        the config.json the container was created from (hooks, namespaces for exec)
 * @param status        the last status this runtime recorded ("creating", "created", "running"); the live
 *                      status is derived, see {@link StateStore#status}
 * @param owner         the owner runc reports ("" for root)
 */
public record ContainerRecord(String ociVersion, String id, long initPid, long initStartTime, String bundle,
                              String rootfs, String created, String cgroupPath, String status, String owner,
                              Map<String, String> annotations, Spec config) {

    public ContainerRecord withInit(long pid, long startTime) {
        return new ContainerRecord(ociVersion, id, pid, startTime, bundle, rootfs, created, cgroupPath, status, owner,
                annotations, config);
    }

    public ContainerRecord withStatus(String s) {
        return new ContainerRecord(ociVersion, id, initPid, initStartTime, bundle, rootfs, created, cgroupPath, s, owner,
                annotations, config);
    }
}
