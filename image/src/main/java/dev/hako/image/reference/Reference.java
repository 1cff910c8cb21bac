package dev.hako.image.reference;

import dev.hako.oci.OciException;
import dev.hako.oci.image.Digest;

import java.util.regex.Pattern;

/**
 * A fully qualified image reference {@code registry/repository[:tag][@digest]}, normalized the way
 * docker does: {@code busybox} → {@code docker.io/library/busybox:latest}.
 *
 * @param registry   host[:port] (docker.io for Docker Hub; see {@link #apiHost()})
 * @param repository path inside the registry, e.g. library/busybox
 * @param tag        the tag, or null when only a digest was given
 * @param digest     the pinned digest, or null
 */
public record Reference(String registry, String repository, String tag, Digest digest) {

    public static final String DOCKER_HUB = "docker.io";
    public static final String DEFAULT_TAG = "latest";

    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern DOMAIN_LABEL = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?");

    public Reference {
        if (registry == null || registry.isEmpty()) throw new InvalidReferenceException("reference: registry is required");
        if (repository == null || repository.isEmpty()) throw new InvalidReferenceException("reference: repository is required");
    }

    /** Parses and normalizes with Docker Hub as the default registry and "latest" as the default tag. */
    public static Reference parse(String s) {
        Reference r = parseLoose(s);
        return r.tag == null && r.digest == null ? r.withTag(DEFAULT_TAG) : r;
    }

    /** Like {@link #parse} but without adding ":latest" when neither tag nor digest is given. */
    public static Reference parseLoose(String s) {
        Parts p = split(s);
        String domain = p.domain == null ? DOCKER_HUB : p.domain;
        String repo = p.path;
        if (domain.equals("index.docker.io") || domain.equals("registry-1.docker.io")) domain = DOCKER_HUB;
        if (domain.equals(DOCKER_HUB) && !repo.contains("/")) repo = "library/" + repo;
        return new Reference(domain, repo, p.tag, p.digest);
    }

    /** True if {@code s} names its registry (first component has '.', ':' or is localhost). */
    public static boolean isQualified(String s) {
        return split(s).domain != null;
    }

    /**
     * Parses a reference that must not name a registry (the short name part) and returns it
     * under {@code registry}, e.g. for unqualified-search-registries. Docker Hub gets library/.
     */
    public static Reference parseUnder(String registry, String shortName) {
        Parts p = split(shortName);
        if (p.domain != null) throw new InvalidReferenceException("\"" + shortName + "\" already names a registry");
        String repo = p.path;
        if (registry.equals(DOCKER_HUB) && !repo.contains("/")) repo = "library/" + repo;
        Reference r = new Reference(validateDomain(registry, shortName), repo, p.tag, p.digest);
        return r.tag == null && r.digest == null ? r.withTag(DEFAULT_TAG) : r;
    }

    private record Parts(String domain, String path, String tag, Digest digest) {}

    private static Parts split(String s) {
        if (s == null || s.isBlank()) throw new InvalidReferenceException("invalid reference format: empty image name");
        if (s.length() > 4096) throw new InvalidReferenceException("invalid reference format: reference too long");
        String rest = s;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            String d = rest.substring(at + 1);
            rest = rest.substring(0, at);
            try {
                digest = Digest.parse(d);
            } catch (OciException e) {
                throw new InvalidReferenceException("invalid reference \"" + s + "\": " + e.getMessage());
            }
        }
        String tag = null;
        int slash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > slash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches())
                throw new InvalidReferenceException("invalid reference \"" + s + "\": bad tag \"" + tag
                        + "\" (letters, digits, _ . -, at most 128, not starting with . or -)");
        }
        String domain = null, path = rest;
        int first = rest.indexOf('/');
        if (first > 0) {
            String c = rest.substring(0, first);
            if (c.contains(".") || c.contains(":") || c.equals("localhost") || !c.equals(c.toLowerCase())) {
                domain = validateDomain(c, s);
                path = rest.substring(first + 1);
            }
        }
        if (path.isEmpty()) throw new InvalidReferenceException("invalid reference \"" + s + "\": empty repository");
        if (!path.equals(path.toLowerCase()))
            throw new InvalidReferenceException("invalid reference \"" + s + "\": repository name must be lowercase");
        for (String comp : path.split("/", -1))
            if (!COMPONENT.matcher(comp).matches())
                throw new InvalidReferenceException("invalid reference \"" + s + "\": bad path component \"" + comp
                        + "\" (lowercase letters, digits, separated by . _ __ or -)");
        if ((domain == null ? 0 : domain.length() + 1) + path.length() > 255)
            throw new InvalidReferenceException("invalid reference \"" + s + "\": name longer than 255 characters");
        return new Parts(domain, path, tag, digest);
    }

    private static String validateDomain(String d, String whole) {
        String host = d, port = null;
        if (d.startsWith("[")) {
            int close = d.indexOf(']');
            if (close < 0 || !d.substring(1, close).matches("[0-9A-Fa-f:.]+"))
                throw new InvalidReferenceException("invalid reference \"" + whole + "\": bad IPv6 host in \"" + d + "\"");
            host = d.substring(0, close + 1);
            if (close + 1 < d.length()) {
                if (d.charAt(close + 1) != ':') throw new InvalidReferenceException("invalid reference \"" + whole + "\": bad host \"" + d + "\"");
                port = d.substring(close + 2);
            }
        } else {
            int colon = d.indexOf(':');
            if (colon >= 0) { host = d.substring(0, colon); port = d.substring(colon + 1); }
            for (String label : host.split("\\.", -1))
                if (!DOMAIN_LABEL.matcher(label).matches())
                    throw new InvalidReferenceException("invalid reference \"" + whole + "\": bad registry host \"" + d + "\"");
        }
        if (port != null && (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535))
            throw new InvalidReferenceException("invalid reference \"" + whole + "\": bad port \"" + port + "\"");
        return d;
    }

    /** registry/repository, e.g. docker.io/library/busybox. */
    public String name() { return registry + "/" + repository; }

    /** The host to talk to: registry-1.docker.io for docker.io, else the registry itself. */
    public String apiHost() { return registry.equals(DOCKER_HUB) ? "registry-1.docker.io" : registry; }

    /** What to ask the manifests endpoint for: the digest if pinned, else the tag. */
    public String manifestReference() { return digest != null ? digest.toString() : tag != null ? tag : DEFAULT_TAG; }

    public Reference withTag(String t) {
        if (t != null && !TAG.matcher(t).matches()) throw new InvalidReferenceException("invalid tag \"" + t + "\"");
        return new Reference(registry, repository, t, digest);
    }

    public Reference withDigest(Digest d) { return new Reference(registry, repository, tag, d); }

    public Reference withRegistry(String r) { return new Reference(r, repository, tag, digest); }

    public Reference withRepository(String repo) { return new Reference(registry, repo, tag, digest); }

    /** Docker's short form: busybox:latest, user/app:1, host:5000/x:y. */
    public String familiar() {
        String n = name();
        if (registry.equals(DOCKER_HUB)) n = repository.startsWith("library/") ? repository.substring(8) : repository;
        return n + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    /** name[:tag][@digest]. */
    @Override
    public String toString() {
        return name() + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }
}
