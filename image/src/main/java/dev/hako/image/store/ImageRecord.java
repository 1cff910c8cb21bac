package dev.hako.image.store;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.hako.oci.image.Digest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What hako knows about one local image, keyed by its ID (the config digest, as docker's IMAGE ID).
 *
 * @param id                 config digest = IMAGE ID
 * @param manifestDigest     the single-platform manifest in the content store
 * @param manifestMediaType  its media type (OCI or Docker v2 schema 2)
 * @param repoTags           normalized names with tags, e.g. docker.io/library/busybox:latest
 * @param repoDigests        normalized name@digest, e.g. 127.0.0.1:5000/busybox@sha256:… (the digest the registry serves)
 * @param created            config.created (RFC 3339), or null
 * @param lastTagTime        when a tag last changed (docker's Metadata.LastTagTime), RFC 3339
 * @param size               bytes of the unpacked layers (docker's Size)
 * @param platform           os/arch[/variant]
 * @param diffIds            layer DiffIDs, bottom first
 * @param chainIds           layer ChainIDs (names in the layer store), bottom first
 * @param layerSizes         bytes of each uncompressed layer tar, bottom first
 */
public record ImageRecord(
        Digest id,
        Digest manifestDigest,
        String manifestMediaType,
        List<String> repoTags,
        List<String> repoDigests,
        String created,
        String lastTagTime,
        long size,
        String platform,
        List<Digest> diffIds,
        List<Digest> chainIds,
        List<Long> layerSizes) {

    public ImageRecord {
        if (id == null) throw new IllegalArgumentException("image record: id is required");
        repoTags = repoTags == null ? List.of() : List.copyOf(repoTags);
        repoDigests = repoDigests == null ? List.of() : List.copyOf(repoDigests);
        diffIds = diffIds == null ? List.of() : List.copyOf(diffIds);
        chainIds = chainIds == null ? List.of() : List.copyOf(chainIds);
        layerSizes = layerSizes == null ? List.of() : List.copyOf(layerSizes);
    }

    /** No tags: docker's "<none>:<none>" dangling image. */
    @JsonIgnore
    public boolean dangling() { return repoTags.isEmpty(); }

    @JsonIgnore
    public Instant createdInstant() {
        try { return created == null ? null : Instant.parse(created); } catch (RuntimeException e) { return null; }
    }

    /** The top layer's ChainID (what a container's snapshot sits on), or null for an image without layers. */
    @JsonIgnore
    public Digest topChainId() { return chainIds.isEmpty() ? null : chainIds.getLast(); }

    public ImageRecord withRepoTags(List<String> tags) {
        return new ImageRecord(id, manifestDigest, manifestMediaType, tags, repoDigests, created,
                Instant.now().toString(), size, platform, diffIds, chainIds, layerSizes);
    }

    public ImageRecord withRepoDigests(List<String> digests) {
        return new ImageRecord(id, manifestDigest, manifestMediaType, repoTags, digests, created, lastTagTime, size,
                platform, diffIds, chainIds, layerSizes);
    }

    public ImageRecord addRepoTag(String tag) {
        if (repoTags.contains(tag)) return this;
        List<String> t = new ArrayList<>(repoTags);
        t.add(tag);
        return withRepoTags(t);
    }

    public ImageRecord addRepoDigest(String d) {
        if (repoDigests.contains(d)) return this;
        List<String> t = new ArrayList<>(repoDigests);
        t.add(d);
        return withRepoDigests(t);
    }
}
