package dev.hako.oci.image;

import dev.hako.oci.Json;
import dev.hako.oci.OciException;

import java.nio.charset.StandardCharsets;

/** What a manifest endpoint returns: a single-platform manifest or an index of them. */
public sealed interface ImageDocument permits Manifest, Index {

    int schemaVersion();

    String mediaType();

    /** Checks required fields; {@code where} names the document in the message. */
    ImageDocument validate(String where);

    /**
     * Parses manifest bytes. The type comes from {@code contentType} (e.g. an HTTP Content-Type or a
     * descriptor's mediaType), else from the document's mediaType field, else from its shape
     * (manifests[] → index, config → manifest). Schema 1 is refused with a message naming {@code where}.
     */
    static ImageDocument parse(byte[] bytes, String contentType, String where) {
        String ct = contentType == null ? null : contentType.split(";", 2)[0].trim();
        if (MediaTypes.isSchema1(ct))
            throw new OciException(where + ": Docker image manifest schema 1 (" + ct + ") is not supported; "
                    + "the image must be pushed again with a current client");
        com.fasterxml.jackson.databind.JsonNode tree;
        try {
            tree = Json.mapper().readTree(bytes);
        } catch (java.io.IOException e) {
            throw new OciException(where + ": invalid manifest JSON: " + e.getMessage(), e);
        }
        if (tree == null || !tree.isObject()) throw new OciException(where + ": manifest is not a JSON object");
        String mt = tree.path("mediaType").isTextual() ? tree.get("mediaType").asText() : null;
        if (tree.path("schemaVersion").asInt(-1) == 1 || MediaTypes.isSchema1(mt))
            throw new OciException(where + ": Docker image manifest schema 1 is not supported; "
                    + "the image must be pushed again with a current client");
        String kind = ct != null && (MediaTypes.isIndex(ct) || MediaTypes.isManifest(ct)) ? ct : mt;
        boolean index;
        if (kind != null && MediaTypes.isIndex(kind)) index = true;
        else if (kind != null && MediaTypes.isManifest(kind)) index = false;
        else if (tree.has("manifests")) index = true;
        else if (tree.has("config")) index = false;
        else throw new OciException(where + ": unknown manifest type " + (kind == null ? "(no mediaType)" : kind)
                    + ": " + new String(bytes, 0, Math.min(bytes.length, 200), StandardCharsets.UTF_8));
        try {
            Class<? extends ImageDocument> type = index ? Index.class : Manifest.class;
            ImageDocument doc = Json.mapper().treeToValue(tree, type);
            return doc.validate(where);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new OciException(where + ": invalid " + (index ? "index" : "manifest") + ": " + e.getOriginalMessage(), e);
        }
    }
}
