package dev.hako.oci.image;

import java.util.List;

/** Media types of the OCI image-spec and of Docker's image manifest v2 schema 2. */
public final class MediaTypes {
    private MediaTypes() {}

    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYOUT_HEADER = "application/vnd.oci.layout.header.v1+json";
    public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";
    public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    public static final String OCI_LAYER_NONDIST_TAR = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public static final String OCI_LAYER_NONDIST_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    public static final String OCI_LAYER_NONDIST_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_V1 = "application/vnd.docker.distribution.manifest.v1+json";
    public static final String DOCKER_MANIFEST_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String DOCKER_LAYER_FOREIGN_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    public static final String DOCKER_PLUGIN_CONFIG = "application/vnd.docker.plugin.v1+json";

    /** The Accept list for manifest requests: every form hako can read, best first. */
    public static final List<String> MANIFEST_ACCEPT = List.of(OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST);

    public static boolean isIndex(String mt) { return OCI_INDEX.equals(mt) || DOCKER_MANIFEST_LIST.equals(mt); }

    public static boolean isManifest(String mt) { return OCI_MANIFEST.equals(mt) || DOCKER_MANIFEST.equals(mt); }

    public static boolean isSchema1(String mt) {
        return DOCKER_MANIFEST_V1.equals(mt) || DOCKER_MANIFEST_V1_SIGNED.equals(mt);
    }

    public static boolean isConfig(String mt) { return OCI_CONFIG.equals(mt) || DOCKER_CONFIG.equals(mt); }

    /** Compression of a layer media type; null if the type is not a known layer type. */
    public static Compression layerCompression(String mt) {
        if (mt == null) return null;
        return switch (mt) {
            case OCI_LAYER_TAR, OCI_LAYER_NONDIST_TAR -> Compression.NONE;
            case OCI_LAYER_GZIP, OCI_LAYER_NONDIST_GZIP, DOCKER_LAYER_GZIP, DOCKER_LAYER_FOREIGN_GZIP -> Compression.GZIP;
            case OCI_LAYER_ZSTD, OCI_LAYER_NONDIST_ZSTD -> Compression.ZSTD;
            default -> null;
        };
    }

    public static boolean isLayer(String mt) { return layerCompression(mt) != null; }

    /** Layer compression named by a media type. */
    public enum Compression { NONE, GZIP, ZSTD }
}
