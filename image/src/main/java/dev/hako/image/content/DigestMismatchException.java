package dev.hako.image.content;

import dev.hako.oci.image.Digest;

/** Content whose digest or size differs from its descriptor; it was not stored. */
public class DigestMismatchException extends ContentException {
    public DigestMismatchException(String message) { super(message); }

    static DigestMismatchException digest(Digest expected, Digest actual, long size) {
        return new DigestMismatchException("digest mismatch: expected " + expected + ", got " + actual + " (" + size + " bytes)");
    }

    static DigestMismatchException size(Digest expected, long expectedSize, long actualSize) {
        return new DigestMismatchException("size mismatch for " + expected + ": expected " + expectedSize + " bytes, got "
                + (actualSize > expectedSize ? "more than " + expectedSize : actualSize));
    }
}
