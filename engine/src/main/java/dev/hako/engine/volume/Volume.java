package dev.hako.engine.volume;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Map;

/**
 * A volume as `docker volume inspect` shows it (same field names). Stored as volume.json beside the volume's
 * _data directory; {@code Mountpoint} is that directory.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Volume(
        @JsonProperty("CreatedAt") String createdAt,
        @JsonProperty("Driver") String driver,
        @JsonProperty("Labels") Map<String, String> labels,
        @JsonProperty("Mountpoint") String mountpoint,
        @JsonProperty("Name") String name,
        @JsonProperty("Options") Map<String, String> options,
        @JsonProperty("Scope") String scope) {

    /** docker 23+ marks volumes it made for `-v /dst` and image VOLUMEs; `volume prune` without -a removes only these. */
    public static final String ANONYMOUS_LABEL = "com.docker.volume.anonymous";

    @JsonIgnore
    public boolean anonymous() { return labels != null && labels.containsKey(ANONYMOUS_LABEL); }

    @JsonIgnore
    public Map<String, String> labelsOrEmpty() { return labels == null ? Map.of() : labels; }

    @JsonIgnore
    public Map<String, String> optionsOrEmpty() { return options == null ? Map.of() : options; }

    /** Options that make the local driver mount something (type/device/o), rather than a plain directory. */
    @JsonIgnore
    public boolean mountsDevice() { return options != null && options.containsKey("type"); }
}
