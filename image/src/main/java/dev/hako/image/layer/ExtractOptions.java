package dev.hako.image.layer;

/**
 * How to unpack a layer.
 *
 * @param whiteouts            OVERLAY keeps whiteouts in overlayfs form (for a layer tree used as a lower dir);
 *                             APPLY deletes what they name (for a flattened tree)
 * @param maxUncompressedBytes the uncompressed tar may not be larger than this (decompression bombs)
 * @param devices              what to do with device node entries
 * @param opaqueXattr          the xattr marking an opaque directory in OVERLAY mode ("trusted.overlay.opaque",
 *                             or "user.overlay.opaque" for overlay mounted with userxattr)
 */
public record ExtractOptions(WhiteoutMode whiteouts, long maxUncompressedBytes, DevicePolicy devices, String opaqueXattr) {

    public enum WhiteoutMode { OVERLAY, APPLY }

    /** CREATE fails when mknod is not permitted; CREATE_OR_SKIP then skips with a note; SKIP never creates. */
    public enum DevicePolicy { CREATE, CREATE_OR_SKIP, SKIP }

    /** 64 GiB: larger than any sane layer, small enough to stop a bomb before it fills a disk. */
    public static final long DEFAULT_MAX_UNCOMPRESSED = 64L << 30;

    public ExtractOptions {
        if (whiteouts == null || devices == null || opaqueXattr == null) throw new IllegalArgumentException("null option");
        if (maxUncompressedBytes <= 0) throw new IllegalArgumentException("maxUncompressedBytes must be positive");
    }

    public static ExtractOptions overlay() {
        return new ExtractOptions(WhiteoutMode.OVERLAY, DEFAULT_MAX_UNCOMPRESSED, DevicePolicy.CREATE_OR_SKIP,
                "trusted.overlay.opaque");
    }

    public static ExtractOptions flatten() {
        return new ExtractOptions(WhiteoutMode.APPLY, DEFAULT_MAX_UNCOMPRESSED, DevicePolicy.CREATE_OR_SKIP,
                "trusted.overlay.opaque");
    }

    public ExtractOptions withMaxUncompressedBytes(long max) { return new ExtractOptions(whiteouts, max, devices, opaqueXattr); }
    public ExtractOptions withDevices(DevicePolicy p) { return new ExtractOptions(whiteouts, maxUncompressedBytes, p, opaqueXattr); }
    public ExtractOptions withOpaqueXattr(String x) { return new ExtractOptions(whiteouts, maxUncompressedBytes, devices, x); }
}
