package dev.hako.image.layer;

import dev.hako.oci.image.Digest;

import java.util.List;

/**
 * What an extraction did.
 *
 * @param diffId           sha256 of the uncompressed tar (compare with the image config's rootfs.diff_ids)
 * @param uncompressedSize bytes of the uncompressed tar
 * @param entries          tar entries processed
 * @param notes            things skipped or adjusted (device nodes not permitted, dropped xattrs, ...)
 */
public record ExtractResult(Digest diffId, long uncompressedSize, long entries, List<String> notes) {
    public ExtractResult { notes = List.copyOf(notes); }
}
