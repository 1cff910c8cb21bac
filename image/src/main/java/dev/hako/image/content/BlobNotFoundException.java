package dev.hako.image.content;

import dev.hako.oci.image.Digest;

/** The store has no blob with this digest. */
public class BlobNotFoundException extends ContentException {
    private final transient Digest digest;

    public BlobNotFoundException(Digest digest, String where) {
        super("blob " + digest + " not found in " + where);
        this.digest = digest;
    }

    public Digest digest() { return digest; }
}
