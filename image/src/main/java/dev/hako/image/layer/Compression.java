package dev.hako.image.layer;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.hako.kernel.compress.IsalGzip;
import dev.hako.oci.image.MediaTypes;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** How a layer blob is compressed. Detected from the first bytes; the media type is only a hint. */
public enum Compression {
    NONE, GZIP, ZSTD;

    private static final int BUFFER = 1 << 16;

    /** The compression a layer media type declares, or null for media types that are not layers. */
    public static Compression fromMediaType(String mediaType) {
        if (mediaType == null) return null;
        return switch (mediaType) {
            case MediaTypes.OCI_LAYER_TAR, MediaTypes.OCI_LAYER_NONDIST_TAR -> NONE;
            case MediaTypes.OCI_LAYER_GZIP, MediaTypes.OCI_LAYER_NONDIST_GZIP, MediaTypes.DOCKER_LAYER_GZIP,
                 MediaTypes.DOCKER_LAYER_FOREIGN_GZIP -> GZIP;
            case MediaTypes.OCI_LAYER_ZSTD, MediaTypes.OCI_LAYER_NONDIST_ZSTD -> ZSTD;
            default -> null;
        };
    }

    /** The OCI layer media type for this compression. */
    public String ociMediaType() {
        return switch (this) {
            case NONE -> MediaTypes.OCI_LAYER_TAR;
            case GZIP -> MediaTypes.OCI_LAYER_GZIP;
            case ZSTD -> MediaTypes.OCI_LAYER_ZSTD;
        };
    }

    /** Detects by magic: gzip 1f 8b, zstd 28 b5 2f fd; anything else is taken as a plain tar. */
    public static Compression detect(byte[] head, int len) {
        if (len >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) return GZIP;
        if (len >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) return ZSTD;
        return NONE;
    }

    /** A stream of the uncompressed tar; the compression is detected from the content. gzip is ISA-L's when it is there. */
    public static InputStream decompress(InputStream raw) throws IOException {
        BufferedInputStream in = raw instanceof BufferedInputStream b ? b : new BufferedInputStream(raw, BUFFER);
        in.mark(4);
        byte[] head = new byte[4];
        int n = 0;
        for (int r; n < 4 && (r = in.read(head, n, 4 - n)) > 0; ) n += r;
        in.reset();
        return switch (detect(head, n)) {
            case NONE -> in;
            case GZIP -> IsalGzip.available() ? IsalGzip.decompress(in) : new GZIPInputStream(in, BUFFER);
            case ZSTD -> new ZstdInputStreamNoFinalizer(in);
        };
    }
}
