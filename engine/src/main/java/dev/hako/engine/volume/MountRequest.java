package dev.hako.engine.volume;

import java.util.List;
import java.util.Map;

/**
 * One mount a container asks for, parsed from `-v`, `--mount` or an image's VOLUME, before anything exists on
 * disk.
 *
 * @param source       bind: the host path; volume: the name (null: a new anonymous volume); tmpfs: null
 * @param target       the destination in the container (absolute, cleaned)
 * @param mode         what -v gave after the second colon ("" if nothing), shown as Mode by inspect
 * @param propagation  bind propagation ("" for the default rprivate)
 * @param recursive    bind: rbind (docker's default) rather than bind
 * @param tmpfsOptions tmpfs: size=/mode= options
 */
public record MountRequest(Type type, String source, String target, boolean readOnly, boolean noCopy, String mode,
                           String propagation, boolean recursive, Map<String, String> volumeOptions,
                           Map<String, String> volumeLabels, String volumeDriver, List<String> tmpfsOptions, Origin origin) {

    public enum Type {
        BIND, VOLUME, TMPFS;

        public String dockerName() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /** Where the request came from: docker treats a missing bind source differently for -v and --mount. */
    public enum Origin { VOLUME_FLAG, MOUNT_FLAG, IMAGE }

    public MountRequest {
        volumeOptions = volumeOptions == null ? Map.of() : Map.copyOf(volumeOptions);
        volumeLabels = volumeLabels == null ? Map.of() : Map.copyOf(volumeLabels);
        tmpfsOptions = tmpfsOptions == null ? List.of() : List.copyOf(tmpfsOptions);
        mode = mode == null ? "" : mode;
        propagation = propagation == null ? "" : propagation;
    }

    static MountRequest anonymousVolume(String target, Origin origin) {
        return new MountRequest(Type.VOLUME, null, target, false, false, "", "", true, null, null, null, null, origin);
    }
}
