package dev.hako.engine.volume;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A mount a container was created with, as `docker inspect` shows it under "Mounts" (same field names). The
 * container's mounts.json holds the list; it is what tells which volumes a container uses.
 *
 * @param anonymous the volume was made for this container (removed by `rm -v` and `--rm`); not shown by inspect
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MountPoint(
        @JsonProperty("Type") String type,
        @JsonProperty("Name") String name,
        @JsonProperty("Source") String source,
        @JsonProperty("Destination") String destination,
        @JsonProperty("Driver") String driver,
        @JsonProperty("Mode") String mode,
        @JsonProperty("RW") boolean rw,
        @JsonProperty("Propagation") String propagation,
        @JsonProperty("Anonymous") boolean anonymous) {

    public boolean isVolume() { return "volume".equals(type) && name != null; }
}
