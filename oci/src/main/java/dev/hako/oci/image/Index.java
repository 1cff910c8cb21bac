package dev.hako.oci.image;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.hako.oci.OciException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An image index (OCI) or manifest list (Docker schema 2); also the shape of an OCI layout's index.json.
 * Keep the raw bytes when you need the digest: re-serializing a parsed document changes it.
 */
public record Index(
        int schemaVersion,
        String mediaType,
        String artifactType,
        List<Descriptor> manifests,
        Descriptor subject,
        Map<String, String> annotations) implements ImageDocument {

    public Index(String mediaType, List<Descriptor> manifests) {
        this(2, mediaType, null, manifests, null, null);
    }

    @JsonIgnore
    public List<Descriptor> manifestsOrEmpty() { return manifests == null ? List.of() : manifests; }

    /**
     * The manifest for {@code want} (exact variant first, then a variant-less entry); null if none.
     * Attestation entries (platform unknown/unknown) never match.
     */
    public Descriptor select(Platform want) {
        String wantVariant = want.normalize().variant();
        Descriptor loose = null;
        for (Descriptor d : manifestsOrEmpty()) {
            if (d.platform() == null || !want.matches(d.platform())) continue;
            if (java.util.Objects.equals(wantVariant, d.platform().normalize().variant())) return d;
            if (loose == null) loose = d;
        }
        return loose;
    }

    /** The platforms offered, for "no match for platform" messages. */
    @JsonIgnore
    public List<String> platformNames() {
        List<String> out = new ArrayList<>();
        for (Descriptor d : manifestsOrEmpty()) if (d.platform() != null) out.add(d.platform().displayName());
        return out;
    }

    public Index withManifests(List<Descriptor> m) {
        return new Index(schemaVersion, mediaType, artifactType, m, subject, annotations);
    }

    @Override
    public Index validate(String where) {
        if (schemaVersion != 2) throw new OciException(where + ": schemaVersion " + schemaVersion + ", want 2");
        if (mediaType != null && !MediaTypes.isIndex(mediaType))
            throw new OciException(where + ": mediaType " + mediaType + " is not an image index");
        int i = 0;
        for (Descriptor d : manifestsOrEmpty()) d.validate(where + " manifests[" + i++ + "]");
        return this;
    }
}
