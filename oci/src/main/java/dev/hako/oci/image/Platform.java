package dev.hako.oci.image;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.hako.oci.OciException;

import java.util.List;
import java.util.Locale;

/** A platform (image-spec image-index.md): os/architecture[/variant]. */
public record Platform(
        String architecture,
        String os,
        @JsonProperty("os.version") String osVersion,
        @JsonProperty("os.features") List<String> osFeatures,
        String variant,
        List<String> features) {

    public Platform(String os, String architecture, String variant) {
        this(architecture, os, null, null, variant, null);
    }

    /** The platform this JVM runs on, normalized (amd64, arm64/v8, ...). */
    public static Platform host() {
        String arch = System.getProperty("os.arch", "amd64");
        return new Platform("linux", arch, null).normalize();
    }

    /** Parses {@code os/arch[/variant]} as in {@code --platform linux/arm64/v8}; the result is normalized. */
    public static Platform parse(String s) {
        if (s == null || s.isBlank()) throw new OciException("invalid platform: empty (want os/arch[/variant], e.g. linux/amd64)");
        String[] p = s.trim().toLowerCase(Locale.ROOT).split("/", -1);
        if (p.length < 2 || p.length > 3)
            throw new OciException("invalid platform \"" + s + "\": want os/arch[/variant], e.g. linux/amd64 or linux/arm/v7");
        for (String part : p)
            if (!part.matches("[a-z0-9._-]+"))
                throw new OciException("invalid platform \"" + s + "\": empty or bad component \"" + part + "\"");
        return new Platform(p[0], p[1], p.length == 3 ? p[2] : null).normalize();
    }

    /** Canonical names as containerd's platforms package uses: x86_64→amd64, aarch64→arm64 (variant v8), ... */
    public Platform normalize() {
        String a = architecture == null ? null : architecture.toLowerCase(Locale.ROOT);
        String v = variant == null ? null : variant.toLowerCase(Locale.ROOT);
        String o = os == null ? null : os.toLowerCase(Locale.ROOT);
        if (a != null) {
            switch (a) {
                case "x86_64", "x86-64", "amd64" -> { a = "amd64"; if ("v1".equals(v)) v = null; }
                case "i386", "i686", "x86", "386" -> a = "386";
                case "aarch64", "arm64" -> { a = "arm64"; if (v == null || "8".equals(v)) v = "v8"; }
                case "armhf" -> { a = "arm"; v = "v7"; }
                case "armel" -> { a = "arm"; v = "v6"; }
                case "arm" -> { if (v == null) v = "v7"; else if (v.matches("\\d")) v = "v" + v; }
                default -> { }
            }
        }
        return new Platform(a, o, osVersion, osFeatures, v, features);
    }

    /** True if an image for {@code candidate} can run on this (wanted) platform: same os, arch and variant after normalizing. */
    public boolean matches(Platform candidate) {
        if (candidate == null) return false;
        Platform want = normalize(), got = candidate.normalize();
        if (want.os != null && !want.os.equals(got.os)) return false;
        if (want.architecture != null && !want.architecture.equals(got.architecture)) return false;
        return want.variant == null || want.variant.equals(got.variant)
                || (got.variant == null && ("v8".equals(want.variant) || "v7".equals(want.variant)));
    }

    /** {@code os/arch[/variant]}. */
    @JsonIgnore
    public String displayName() {
        return os + "/" + architecture + (variant == null || variant.isEmpty() ? "" : "/" + variant);
    }

    @Override
    public String toString() { return displayName(); }
}
