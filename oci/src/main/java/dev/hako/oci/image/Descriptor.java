package dev.hako.oci.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.hako.oci.OciException;

import java.util.List;
import java.util.Map;

/**
 * A content descriptor (image-spec descriptor.md): what a blob is, its digest and its exact size.
 * {@code size} is required by the spec; a missing size reads as -1 and fails {@link #validate}.
 */
public record Descriptor(
        String mediaType,
        Digest digest,
        long size,
        List<String> urls,
        Map<String, String> annotations,
        Platform platform,
        String artifactType,
        String data) {

    /** The annotation that names a tag in an OCI layout's index.json. */
    public static final String ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";
    public static final String ANNOTATION_CREATED = "org.opencontainers.image.created";

    /** JSON creator: a missing size becomes -1 so {@link #validate} can refuse it (0 is a valid size). */
    @JsonCreator
    static Descriptor json(@JsonProperty("mediaType") String mediaType, @JsonProperty("digest") Digest digest,
                           @JsonProperty("size") Long size, @JsonProperty("urls") List<String> urls,
                           @JsonProperty("annotations") Map<String, String> annotations,
                           @JsonProperty("platform") Platform platform, @JsonProperty("artifactType") String artifactType,
                           @JsonProperty("data") String data) {
        return new Descriptor(mediaType, digest, size == null ? -1 : size, urls, annotations, platform, artifactType, data);
    }

    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, null, null, null, null, null);
    }

    public Descriptor withAnnotations(Map<String, String> a) {
        return new Descriptor(mediaType, digest, size, urls, a, platform, artifactType, data);
    }

    public Descriptor withPlatform(Platform p) {
        return new Descriptor(mediaType, digest, size, urls, annotations, p, artifactType, data);
    }

    public Descriptor withMediaType(String mt) {
        return new Descriptor(mt, digest, size, urls, annotations, platform, artifactType, data);
    }

    /** The tag in annotations (org.opencontainers.image.ref.name), or null. */
    @JsonIgnore
    public String refName() { return annotations == null ? null : annotations.get(ANNOTATION_REF_NAME); }

    @JsonIgnore
    public Map<String, String> annotationsOrEmpty() { return annotations == null ? Map.of() : annotations; }

    /** Checks the required fields; {@code where} names the document and field for the message. */
    public Descriptor validate(String where) {
        if (mediaType == null || mediaType.isEmpty()) throw new OciException(where + ": descriptor has no mediaType");
        if (digest == null) throw new OciException(where + ": descriptor has no digest");
        if (size < 0) throw new OciException(where + ": descriptor " + digest + " has no or a negative size (" + size + ")");
        return this;
    }
}
