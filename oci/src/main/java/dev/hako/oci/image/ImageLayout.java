package dev.hako.oci.image;

/** The oci-layout file of an image layout directory (image-spec image-layout.md). */
public record ImageLayout(String imageLayoutVersion) {
    public static final String VERSION = "1.0.0";
    public static final String FILE = "oci-layout";

    public static ImageLayout current() { return new ImageLayout(VERSION); }
}
