package dev.hako.oci.image;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.hako.oci.OciException;

import java.util.List;
import java.util.Map;

/**
 * An image manifest: OCI (application/vnd.oci.image.manifest.v1+json) or Docker schema 2
 * (application/vnd.docker.distribution.manifest.v2+json), which share this shape.
 * Keep the raw bytes when you need the digest: re-serializing a parsed document changes it.
 */
public record Manifest(
        int schemaVersion,
        String mediaType,
        String artifactType,
        Descriptor config,
        List<Descriptor> layers,
        Descriptor subject,
        Map<String, String> annotations) implements ImageDocument {

    public Manifest(String mediaType, Descriptor config, List<Descriptor> layers) {
        this(2, mediaType, null, config, layers, null, null);
    }

    @JsonIgnore
    public List<Descriptor> layersOrEmpty() { return layers == null ? List.of() : layers; }

    /** Config plus layers: every blob this manifest references. */
    @JsonIgnore
    public List<Descriptor> blobs() {
        var out = new java.util.ArrayList<Descriptor>();
        if (config != null) out.add(config);
        out.addAll(layersOrEmpty());
        return out;
    }

    /** Total size of config and layers (what a pull downloads at most). */
    @JsonIgnore
    public long totalSize() {
        long s = 0;
        for (Descriptor d : blobs()) s += Math.max(0, d.size());
        return s;
    }

    @Override
    public Manifest validate(String where) {
        if (schemaVersion != 2) throw new OciException(where + ": schemaVersion " + schemaVersion + ", want 2");
        if (mediaType != null && !MediaTypes.isManifest(mediaType))
            throw new OciException(where + ": mediaType " + mediaType + " is not an image manifest");
        if (config == null) throw new OciException(where + ": manifest has no config");
        config.validate(where + " config");
        int i = 0;
        for (Descriptor d : layersOrEmpty()) d.validate(where + " layers[" + i++ + "]");
        return this;
    }
}
