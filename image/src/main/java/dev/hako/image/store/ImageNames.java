package dev.hako.image.store;

import dev.hako.image.reference.Reference;

/** Conversions between the normalized names the store keeps and the familiar names docker prints. */
public final class ImageNames {
    private ImageNames() {}

    /** busybox → docker.io/library/busybox:latest (the key the store uses). */
    public static String normalize(String name) { return Reference.parse(name).toString(); }

    /** docker.io/library/busybox:latest → busybox:latest; host:5000/x:y stays. */
    public static String familiar(String normalized) { return familiar(Reference.parseLoose(normalized)); }

    public static String familiar(Reference r) { return r.familiar(); }

    /** The repository part to show in REPOSITORY columns: busybox, host:5000/x. */
    public static String familiarRepository(String normalized) {
        Reference r = Reference.parseLoose(normalized);
        return new Reference(r.registry(), r.repository(), null, null).familiar();
    }

    /** The tag of a normalized tagged name, or null. */
    public static String tag(String normalized) { return Reference.parseLoose(normalized).tag(); }
}
