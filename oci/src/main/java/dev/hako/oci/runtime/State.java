package dev.hako.oci.runtime;

import java.util.Map;

/** The runtime-spec state, as printed by `state` and passed to hooks on stdin. */
public record State(String ociVersion, String id, String status, int pid, String bundle,
                    Map<String, String> annotations) {

    public static final String CREATING = "creating";
    public static final String CREATED = "created";
    public static final String RUNNING = "running";
    public static final String STOPPED = "stopped";
    public static final String PAUSED = "paused";
}
