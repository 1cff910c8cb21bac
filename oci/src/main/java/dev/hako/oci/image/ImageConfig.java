package dev.hako.oci.image;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.hako.oci.OciException;

import java.util.List;
import java.util.Map;

/**
 * An image configuration (image-spec config.md), in the shape Docker writes too
 * (application/vnd.docker.container.image.v1+json). Unknown fields (container_config, docker_version,
 * ...) are ignored on read, so keep the raw bytes for digests and re-pushes.
 */
public record ImageConfig(
        String created,
        String author,
        String architecture,
        String os,
        @JsonProperty("os.version") String osVersion,
        @JsonProperty("os.features") List<String> osFeatures,
        String variant,
        Config config,
        RootFs rootfs,
        List<History> history) {

    /** The execution defaults (the "config" object); JSON names are Docker's capitalized ones. */
    public record Config(
            @JsonProperty("Hostname") String hostname,
            @JsonProperty("Domainname") String domainname,
            @JsonProperty("User") String user,
            @JsonProperty("ExposedPorts") Map<String, Map<String, Object>> exposedPorts,
            @JsonProperty("Tty") Boolean tty,
            @JsonProperty("OpenStdin") Boolean openStdin,
            @JsonProperty("Env") List<String> env,
            @JsonProperty("Entrypoint") List<String> entrypoint,
            @JsonProperty("Cmd") List<String> cmd,
            @JsonProperty("Healthcheck") Healthcheck healthcheck,
            @JsonProperty("ArgsEscaped") Boolean argsEscaped,
            @JsonProperty("Volumes") Map<String, Map<String, Object>> volumes,
            @JsonProperty("WorkingDir") String workingDir,
            @JsonProperty("OnBuild") List<String> onBuild,
            @JsonProperty("Labels") Map<String, String> labels,
            @JsonProperty("StopSignal") String stopSignal,
            @JsonProperty("StopTimeout") Integer stopTimeout,
            @JsonProperty("Shell") List<String> shell) {

        /** A config with only the fields most images set. */
        public static Config of(List<String> env, List<String> entrypoint, List<String> cmd, String workingDir) {
            return new Config(null, null, null, null, null, null, env, entrypoint, cmd, null, null, null,
                    workingDir, null, null, null, null, null);
        }

        @JsonIgnore public List<String> envOrEmpty() { return env == null ? List.of() : env; }
        @JsonIgnore public Map<String, String> labelsOrEmpty() { return labels == null ? Map.of() : labels; }
    }

    /** Docker's HEALTHCHECK; durations in nanoseconds. */
    public record Healthcheck(
            @JsonProperty("Test") List<String> test,
            @JsonProperty("Interval") Long interval,
            @JsonProperty("Timeout") Long timeout,
            @JsonProperty("StartPeriod") Long startPeriod,
            @JsonProperty("StartInterval") Long startInterval,
            @JsonProperty("Retries") Integer retries) {}

    /** The layer DiffIDs (digests of the uncompressed tars), bottom first. */
    public record RootFs(String type, @JsonProperty("diff_ids") List<Digest> diffIds) {
        public RootFs(List<Digest> diffIds) { this("layers", diffIds); }
    }

    public record History(
            String created,
            @JsonProperty("created_by") String createdBy,
            String author,
            String comment,
            @JsonProperty("empty_layer") Boolean emptyLayer) {
        @JsonIgnore public boolean isEmptyLayer() { return Boolean.TRUE.equals(emptyLayer); }
    }

    @JsonIgnore
    public List<Digest> diffIds() {
        return rootfs == null || rootfs.diffIds() == null ? List.of() : rootfs.diffIds();
    }

    @JsonIgnore
    public Platform platform() { return new Platform(architecture, os, osVersion, osFeatures, variant, null); }

    /** Checks what pulling and running need: os, architecture, rootfs of type layers. */
    public ImageConfig validate(String where) {
        if (architecture == null || architecture.isEmpty()) throw new OciException(where + ": config has no architecture");
        if (os == null || os.isEmpty()) throw new OciException(where + ": config has no os");
        if (rootfs == null) throw new OciException(where + ": config has no rootfs");
        if (!"layers".equals(rootfs.type())) throw new OciException(where + ": rootfs.type is " + rootfs.type() + ", want layers");
        return this;
    }

    public ImageConfig withConfig(Config c) {
        return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant, c, rootfs, history);
    }

    public ImageConfig withRootfs(RootFs r) {
        return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant, config, r, history);
    }

    public ImageConfig withHistory(List<History> h) {
        return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant, config, rootfs, h);
    }
}
