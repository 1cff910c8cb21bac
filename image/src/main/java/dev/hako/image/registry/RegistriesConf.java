package dev.hako.image.registry;

import dev.hako.image.reference.InvalidReferenceException;
import dev.hako.image.reference.Reference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * containers-registries.conf(5) version 2: unqualified-search-registries, [[registry]] with
 * prefix/location/insecure/blocked and [[registry.mirror]], and [aliases]. Files in registries.conf.d
 * (sorted) override the main file: a [[registry]] with the same prefix replaces the earlier one,
 * a set unqualified-search-registries replaces the list, aliases merge.
 */
public record RegistriesConf(List<String> unqualifiedSearchRegistries, String shortNameMode,
                             List<Registry> registries, Map<String, String> aliases) {

    public static final Path SYSTEM_FILE = Path.of("/etc/containers/registries.conf");
    public static final Path SYSTEM_DIR = Path.of("/etc/containers/registries.conf.d");

    /** One [[registry]] table. */
    public record Registry(String prefix, String location, boolean insecure, boolean blocked,
                           boolean mirrorByDigestOnly, List<Mirror> mirrors) {}

    /** One [[registry.mirror]]. pullFromMirror: all, digest-only or tag-only. */
    public record Mirror(String location, boolean insecure, String pullFromMirror) {}

    /** Where to try a pull, in order: mirrors then the primary location, with the rewritten reference. */
    public record Endpoint(Reference reference, boolean insecure, boolean mirror) {}

    public static RegistriesConf empty() { return new RegistriesConf(List.of(), null, List.of(), Map.of()); }

    /** The system configuration (/etc/containers/registries.conf and .d), or empty if absent. */
    public static RegistriesConf system() { return load(SYSTEM_FILE, SYSTEM_DIR); }

    /** Loads {@code file} (may be absent) and then {@code dropInDir}/*.conf (may be null or absent). */
    public static RegistriesConf load(Path file, Path dropInDir) {
        RegistriesConf conf = empty();
        if (file != null && Files.isRegularFile(file)) conf = conf.merge(parseFile(file));
        if (dropInDir != null && Files.isDirectory(dropInDir)) {
            List<Path> dropIns;
            try (Stream<Path> s = Files.list(dropInDir)) {
                dropIns = s.filter(p -> p.getFileName().toString().endsWith(".conf")).sorted().toList();
            } catch (IOException e) {
                throw new RegistryConfigException("list " + dropInDir + ": " + e.getMessage(), e);
            }
            for (Path p : dropIns) conf = conf.merge(parseFile(p));
        }
        return conf;
    }

    static RegistriesConf parseFile(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new RegistryConfigException("read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses one file's text; {@code name} is used in error messages. Absent lists are null (= not set). */
    public static RegistriesConf parse(String text, String name) {
        Map<String, Object> doc = Toml.parse(text, name);
        List<String> search = strings(doc.get("unqualified-search-registries"), name, "unqualified-search-registries");
        if (search == null && doc.get("registries") instanceof Map<?, ?> v1 && v1.get("search") instanceof Map<?, ?> s)
            search = strings(s.get("registries"), name, "registries.search.registries"); // v1 format
        String mode = doc.get("short-name-mode") instanceof String s ? s : null;
        List<Registry> regs = new ArrayList<>();
        if (doc.get("registry") instanceof List<?> list) {
            for (Object o : list) {
                if (!(o instanceof Map<?, ?> m)) throw new RegistryConfigException(name + ": [[registry]] must be a table");
                String location = str(m.get("location"));
                String prefix = str(m.get("prefix"));
                if (prefix == null || prefix.isEmpty()) prefix = location;
                if (prefix == null || prefix.isEmpty())
                    throw new RegistryConfigException(name + ": [[registry]] needs a prefix or a location");
                if (location != null && location.contains("://"))
                    throw new RegistryConfigException(name + ": registry location \"" + location + "\" must not have a scheme; use insecure = true for http");
                List<Mirror> mirrors = new ArrayList<>();
                if (m.get("mirror") instanceof List<?> ml)
                    for (Object mo : ml)
                        if (mo instanceof Map<?, ?> mm) {
                            String ml2 = str(mm.get("location"));
                            if (ml2 == null) throw new RegistryConfigException(name + ": mirror of " + prefix + " has no location");
                            mirrors.add(new Mirror(ml2, Boolean.TRUE.equals(mm.get("insecure")),
                                    str(mm.get("pull-from-mirror")) == null ? "all" : str(mm.get("pull-from-mirror"))));
                        }
                regs.add(new Registry(prefix, location == null ? prefix : location, Boolean.TRUE.equals(m.get("insecure")),
                        Boolean.TRUE.equals(m.get("blocked")), Boolean.TRUE.equals(m.get("mirror-by-digest-only")),
                        List.copyOf(mirrors)));
            }
        }
        Map<String, String> aliases = new LinkedHashMap<>();
        if (doc.get("aliases") instanceof Map<?, ?> am)
            am.forEach((k, v) -> { if (v instanceof String s) aliases.put(k.toString(), s); });
        return new RegistriesConf(search, mode, List.copyOf(regs), aliases);
    }

    private static String str(Object o) { return o instanceof String s ? s : null; }

    private static List<String> strings(Object o, String file, String key) {
        if (o == null) return null;
        if (!(o instanceof List<?> l)) throw new RegistryConfigException(file + ": " + key + " must be an array of strings");
        List<String> out = new ArrayList<>();
        for (Object e : l) {
            if (!(e instanceof String s)) throw new RegistryConfigException(file + ": " + key + " must be an array of strings");
            out.add(s);
        }
        return List.copyOf(out);
    }

    /** {@code later} overrides this. */
    public RegistriesConf merge(RegistriesConf later) {
        List<String> search = later.unqualifiedSearchRegistries != null ? later.unqualifiedSearchRegistries : unqualifiedSearchRegistries;
        String mode = later.shortNameMode != null ? later.shortNameMode : shortNameMode;
        Map<String, Registry> byPrefix = new LinkedHashMap<>();
        for (Registry r : registries) byPrefix.put(r.prefix(), r);
        for (Registry r : later.registries) byPrefix.put(r.prefix(), r);
        Map<String, String> al = new LinkedHashMap<>(aliases);
        al.putAll(later.aliases);
        return new RegistriesConf(search, mode, List.copyOf(byPrefix.values()), al);
    }

    public List<String> searchRegistries() { return unqualifiedSearchRegistries == null ? List.of() : unqualifiedSearchRegistries; }

    /** The [[registry]] whose prefix matches {@code ref} longest (prefix "*.example.com" matches subdomains), or null. */
    public Registry find(Reference ref) {
        String name = ref.name();
        Registry best = null;
        int bestLen = -1;
        for (Registry r : registries) {
            String p = r.prefix();
            boolean match;
            if (p.startsWith("*.")) {
                String suffix = p.substring(1);
                match = ref.registry().endsWith(suffix);
            } else {
                match = name.equals(p) || name.startsWith(p + "/");
            }
            if (match && p.length() > bestLen) { best = r; bestLen = p.length(); }
        }
        return best;
    }

    /** True if pulls and pushes to this host are over http or without TLS verification. */
    public boolean isInsecure(Reference ref) {
        Registry r = find(ref);
        if (r != null && r.insecure()) return true;
        for (Registry reg : registries)
            for (Mirror m : reg.mirrors())
                if (m.insecure() && (m.location().equals(ref.registry()) || m.location().startsWith(ref.registry() + "/"))) return true;
        return false;
    }

    /**
     * The places to pull {@code ref} from: mirrors in order, then the primary (location rewritten).
     * Throws if the matching registry is blocked.
     */
    public List<Endpoint> pullEndpoints(Reference ref) {
        Registry r = find(ref);
        if (r == null) return List.of(new Endpoint(ref, false, false));
        if (r.blocked()) throw new RegistryConfigException("registry " + ref.name() + " is blocked in registries.conf (prefix " + r.prefix() + ")");
        List<Endpoint> out = new ArrayList<>();
        for (Mirror m : r.mirrors()) {
            boolean digestOnly = r.mirrorByDigestOnly() || "digest-only".equals(m.pullFromMirror());
            if (digestOnly && ref.digest() == null) continue;
            if ("tag-only".equals(m.pullFromMirror()) && ref.digest() != null) continue;
            out.add(new Endpoint(rewrite(ref, r.prefix(), m.location()), m.insecure(), true));
        }
        out.add(new Endpoint(rewrite(ref, r.prefix(), r.location()), r.insecure(), false));
        return out;
    }

    /** Where to push {@code ref}: the primary location (never a mirror). */
    public Endpoint pushEndpoint(Reference ref) {
        Registry r = find(ref);
        if (r == null) return new Endpoint(ref, false, false);
        if (r.blocked()) throw new RegistryConfigException("registry " + ref.name() + " is blocked in registries.conf (prefix " + r.prefix() + ")");
        return new Endpoint(rewrite(ref, r.prefix(), r.location()), r.insecure(), false);
    }

    private static Reference rewrite(Reference ref, String prefix, String location) {
        if (prefix.startsWith("*.") || location.equals(prefix)) return ref;
        String name = ref.name();
        if (!name.equals(prefix) && !name.startsWith(prefix + "/")) return ref;
        String rest = name.substring(prefix.length());
        String full = location + rest;
        int slash = full.indexOf('/');
        if (slash < 0) throw new RegistryConfigException("registry location " + location + " leaves no repository for " + ref);
        try {
            return new Reference(full.substring(0, slash), full.substring(slash + 1), ref.tag(), ref.digest());
        } catch (InvalidReferenceException e) {
            throw new RegistryConfigException("registry location " + location + " gives a bad name for " + ref + ": " + e.getMessage());
        }
    }

    /**
     * Candidates for a name as typed by a user: qualified names as is; an alias if [aliases] has one;
     * else the name under each unqualified-search-registry in order; with none configured, docker.io.
     */
    public List<Reference> resolveShortName(String name) {
        if (Reference.isQualified(name)) return List.of(Reference.parse(name));
        Reference bare = Reference.parseUnder("localhost", name); // validates; registry replaced below
        String aliasKey = bare.repository();
        String alias = aliases.get(aliasKey);
        if (alias != null) {
            Reference a = Reference.parseLoose(alias);
            return List.of(new Reference(a.registry(), a.repository(), bare.tag(), bare.digest()));
        }
        List<String> regs = searchRegistries().isEmpty() ? List.of(Reference.DOCKER_HUB) : searchRegistries();
        List<Reference> out = new ArrayList<>();
        for (String r : regs) out.add(Reference.parseUnder(r, name));
        return out;
    }
}
