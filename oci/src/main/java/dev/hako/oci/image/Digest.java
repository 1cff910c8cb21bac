package dev.hako.oci.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.hako.oci.OciException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.util.HexFormat;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A content digest {@code algorithm:encoded} (image-spec descriptor.md). Only sha256 and sha512
 * are accepted: anything else can't be verified, and unverifiable content is refused.
 * Serialized to/from JSON as its string form.
 */
public record Digest(String algorithm, String encoded) implements Comparable<Digest> {

    public static final String SHA256 = "sha256";
    public static final String SHA512 = "sha512";

    public Digest {
        if (algorithm == null || encoded == null) throw new OciException("digest: algorithm and encoded part are required");
        int want = switch (algorithm) {
            case SHA256 -> 64;
            case SHA512 -> 128;
            default -> throw new OciException("unsupported digest algorithm \"" + algorithm + "\" (want sha256 or sha512)");
        };
        if (encoded.length() != want)
            throw new OciException("invalid " + algorithm + " digest \"" + algorithm + ":" + encoded + "\": encoded part has "
                    + encoded.length() + " characters, want " + want);
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                throw new OciException("invalid " + algorithm + " digest \"" + algorithm + ":" + encoded
                        + "\": character '" + c + "' at " + i + " is not lowercase hex");
        }
    }

    /** Parses {@code sha256:<64 hex>} or {@code sha512:<128 hex>}; the error says what is wrong. */
    @JsonCreator
    public static Digest parse(String s) {
        if (s == null || s.isEmpty()) throw new OciException("invalid digest: empty");
        int colon = s.indexOf(':');
        if (colon <= 0 || colon == s.length() - 1)
            throw new OciException("invalid digest \"" + s + "\": want algorithm:encoded, e.g. sha256:<64 hex>");
        String alg = s.substring(0, colon);
        if (!alg.matches("[a-z0-9]+(?:[+._-][a-z0-9]+)*"))
            throw new OciException("invalid digest \"" + s + "\": bad algorithm \"" + alg + "\"");
        return new Digest(alg, s.substring(colon + 1));
    }

    /** True if {@code s} parses as a supported digest. */
    public static boolean isValid(String s) {
        try { parse(s); return true; } catch (OciException e) { return false; }
    }

    public static Digest sha256(byte[] content) { return of(SHA256, content); }

    public static Digest of(String algorithm, byte[] content) {
        MessageDigest md = messageDigest(algorithm);
        return new Digest(algorithm, HexFormat.of().formatHex(md.digest(content)));
    }

    /** Digests a whole stream (does not close it). */
    public static Digest compute(String algorithm, InputStream in) throws IOException {
        MessageDigest md = messageDigest(algorithm);
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        return new Digest(algorithm, HexFormat.of().formatHex(md.digest()));
    }

    public static Digest compute(String algorithm, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) { return compute(algorithm, in); }
    }

    /** A fresh MessageDigest for this digest's algorithm, for verifying while streaming. */
    public MessageDigest newMessageDigest() { return messageDigest(algorithm); }

    /** The Digest of what {@code md} has consumed so far, in {@code algorithm}. */
    public static Digest fromMessageDigest(String algorithm, MessageDigest md) {
        return new Digest(algorithm, HexFormat.of().formatHex(md.digest()));
    }

    public static MessageDigest messageDigest(String algorithm) {
        String name = switch (algorithm) {
            case SHA256 -> "SHA-256";
            case SHA512 -> "SHA-512";
            default -> throw new OciException("unsupported digest algorithm \"" + algorithm + "\"");
        };
        try {
            for (Provider p : PREFERRED) if (p.getService("MessageDigest", name) != null) return MessageDigest.getInstance(name, p);
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Providers on the class path (META-INF/services/java.security.Provider) whose digests are used before the
     * JDK's: the kernel module's OpenSSL one is fast before the JIT has compiled the JDK's. Not installed in the
     * JVM, so an application embedding hako keeps its own provider order.
     */
    private static final List<Provider> PREFERRED = ServiceLoader.load(Provider.class).stream()
            .map(ServiceLoader.Provider::get).filter(p -> p.getName().startsWith("Hako")).toList();

    /** The first 12 characters of the encoded part, as docker prints image ids. */
    public String shortHex() { return encoded.substring(0, 12); }

    @JsonValue
    @Override
    public String toString() { return algorithm + ":" + encoded; }

    @Override
    public int compareTo(Digest o) { return toString().compareTo(o.toString()); }
}
