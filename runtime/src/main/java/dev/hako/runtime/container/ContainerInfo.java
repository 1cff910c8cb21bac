package dev.hako.runtime.container;

import dev.hako.oci.runtime.State;
import dev.hako.runtime.state.Status;

import java.util.Map;

/**
 * What `state` and `list` report. {@code pid} is 0 once the container has stopped (as runc reports).
 * {@code created} is RFC 3339.
 */
public record ContainerInfo(String ociVersion, String id, int pid, Status status, String bundle, String rootfs,
                            String created, String owner, Map<String, String> annotations) {

    /** The runtime-spec state (what hooks get on stdin). */
    public State toOciState() {
        return new State(ociVersion, id, status.ociName(), pid, bundle, annotations);
    }
}
