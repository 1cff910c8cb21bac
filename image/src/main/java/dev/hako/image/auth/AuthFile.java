package dev.hako.image.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.oci.AtomicFiles;
import dev.hako.oci.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Registry credentials in the files podman and docker use: {@code {"auths":{"host[/repo]":{"auth":"base64(user:pass)"}}}}.
 * Reads the first file that has an entry, most specific key first (host/ns/repo, host/ns, host; Docker Hub also
 * under https://index.docker.io/v1/). Writes go to one file, atomically, mode 0600 (its new directories 0700), keeping other content.
 * Credential helpers work as docker's: {@code credHelpers} (per registry) first, then {@code credsStore}, then
 * {@code auths}; a helper is the program {@code docker-credential-NAME} on the user's PATH, run with the user's
 * environment (see {@link CredentialHelper}): the CLI service passes its caller's, not its own.
 */
public final class AuthFile {
    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    private final List<Path> readOrder;
    private final Path writeTo;
    private final String searchPath;
    private final Map<String, String> env;
    private final Path cwd;

    /** @param readOrder files to search, first wins; @param writeTo the file login/logout change. */
    public AuthFile(List<Path> readOrder, Path writeTo) { this(readOrder, writeTo, System.getenv()); }

    /** @param searchPath the PATH credential helpers are looked up in (they run with this process's environment) */
    public AuthFile(List<Path> readOrder, Path writeTo, String searchPath) {
        this(readOrder, writeTo, searchPath, null);
    }

    /** @param env the user's environment: credential helpers are looked up on its PATH and run with it */
    public AuthFile(List<Path> readOrder, Path writeTo, Map<String, String> env) {
        this(readOrder, writeTo, env.get("PATH"), Map.copyOf(env));
    }

    private AuthFile(List<Path> readOrder, Path writeTo, String searchPath, Map<String, String> env) {
        this(readOrder, writeTo, searchPath, env, null);
    }

    private AuthFile(List<Path> readOrder, Path writeTo, String searchPath, Map<String, String> env, Path cwd) {
        this.readOrder = List.copyOf(readOrder);
        this.writeTo = writeTo;
        this.searchPath = searchPath == null ? DEFAULT_PATH : searchPath;
        this.env = env;
        this.cwd = cwd;
    }

    /**
     * These files for a user working in {@code cwd} (the CLI service's caller; the service's own cwd is "/"):
     * relative file names and relative PATH entries mean its directory, and credential helpers run in it.
     */
    public AuthFile inDirectory(Path cwd) {
        return new AuthFile(readOrder.stream().map(cwd::resolve).toList(), writeTo == null ? null : cwd.resolve(writeTo),
                searchPath, env, cwd);
    }

    /** A single file for reading and writing (tests). */
    public static AuthFile of(Path file) { return new AuthFile(List.of(file), file); }

    /** A single file for reading and writing (--authfile), for the user with environment {@code env}. */
    public static AuthFile of(Path file, Map<String, String> env) { return new AuthFile(List.of(file), file, env); }

    /**
     * podman's lookup: $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json
     * (~/.config/containers/auth.json without XDG_RUNTIME_DIR), then ~/.docker/config.json ($DOCKER_CONFIG).
     */
    public static AuthFile defaults(Map<String, String> env) {
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        List<Path> read = new ArrayList<>();
        Path primary;
        if (env.get("REGISTRY_AUTH_FILE") != null && !env.get("REGISTRY_AUTH_FILE").isEmpty()) {
            primary = Path.of(env.get("REGISTRY_AUTH_FILE"));
        } else if (env.get("XDG_RUNTIME_DIR") != null && !env.get("XDG_RUNTIME_DIR").isEmpty()) {
            primary = Path.of(env.get("XDG_RUNTIME_DIR"), "containers", "auth.json");
        } else {
            primary = Path.of(home, ".config", "containers", "auth.json");
        }
        read.add(primary);
        if (env.get("REGISTRY_AUTH_FILE") == null && env.get("XDG_RUNTIME_DIR") != null)
            read.add(Path.of(home, ".config", "containers", "auth.json"));
        String dockerCfg = env.get("DOCKER_CONFIG");
        read.add(dockerCfg != null && !dockerCfg.isEmpty() ? Path.of(dockerCfg, "config.json") : Path.of(home, ".docker", "config.json"));
        return new AuthFile(read, primary, env);
    }

    public static AuthFile defaults() { return defaults(System.getenv()); }

    public List<Path> readOrder() { return readOrder; }

    public Path writeTo() { return writeTo; }

    /** Credentials for {@code registry} (host[:port]) and {@code repository} (may be null). */
    public Optional<Credentials> lookup(String registry, String repository) {
        List<String> keys = candidateKeys(registry, repository);
        for (Path f : readOrder) {
            if (!Files.isRegularFile(f)) continue;
            JsonNode root = readTree(f);
            CredentialHelper helper = helperFor(root, registry);
            if (helper != null) {
                Optional<Credentials> c = helper.get(serverUrl(registry));
                if (c.isPresent()) return c;
            }
            ObjectNode auths = root.get("auths") instanceof ObjectNode o ? o : null;
            if (auths == null) continue;
            for (String want : keys) {
                for (Map.Entry<String, JsonNode> e : auths.properties()) {
                    if (!normalizeKey(e.getKey()).equals(want)) continue;
                    JsonNode v = e.getValue();
                    String where = f + " auths[\"" + e.getKey() + "\"]";
                    String auth = v.path("auth").asText("");
                    String idt = v.path("identitytoken").asText("");
                    if (!auth.isEmpty()) {
                        Credentials c = Credentials.decode(auth, where);
                        return Optional.of(idt.isEmpty() ? c : new Credentials(c.username(), c.password(), idt));
                    }
                    if (!v.path("username").asText("").isEmpty())
                        return Optional.of(new Credentials(v.path("username").asText(), v.path("password").asText(""),
                                idt.isEmpty() ? null : idt));
                }
            }
        }
        return Optional.empty();
    }

    static List<String> candidateKeys(String registry, String repository) {
        List<String> keys = new ArrayList<>();
        String host = registry.equals("docker.io") || registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")
                ? "docker.io" : registry;
        if (repository != null && !repository.isEmpty()) {
            String r = repository;
            while (true) {
                keys.add(host + "/" + r);
                int slash = r.lastIndexOf('/');
                if (slash < 0) break;
                r = r.substring(0, slash);
            }
        }
        keys.add(host);
        return keys;
    }

    /** "https://index.docker.io/v1/" → docker.io; "https://host:5000" → host:5000; "host/ns/" → host/ns. */
    static String normalizeKey(String key) {
        String k = key.trim();
        int scheme = k.indexOf("://");
        if (scheme >= 0) k = k.substring(scheme + 3);
        while (k.endsWith("/")) k = k.substring(0, k.length() - 1);
        if (k.endsWith("/v1") || k.endsWith("/v2")) k = k.substring(0, k.length() - 3);
        if (k.equals("index.docker.io") || k.equals("registry-1.docker.io")) return "docker.io";
        if (k.startsWith("index.docker.io/")) k = "docker.io" + k.substring("index.docker.io".length());
        return k;
    }

    /** The helper that holds {@code registry}'s credentials in this file: its credHelpers entry, else credsStore. */
    private CredentialHelper helperFor(JsonNode root, String registry) {
        String host = normalizeKey(registry);
        String name = null;
        if (root.get("credHelpers") instanceof ObjectNode helpers) {
            for (Map.Entry<String, JsonNode> e : helpers.properties())
                if (normalizeKey(e.getKey()).equals(host)) name = e.getValue().asText("");
        }
        if ((name == null || name.isEmpty()) && root.path("credsStore").isTextual()) name = root.path("credsStore").asText();
        return name == null || name.isEmpty() ? null : new CredentialHelper(name, searchPath, env, cwd);
    }

    /** What docker hands a helper as the server: Docker Hub's legacy URL, else host[:port]. */
    static String serverUrl(String registry) {
        String host = normalizeKey(registry);
        return host.equals("docker.io") ? "https://index.docker.io/v1/" : host;
    }

    private static JsonNode readTree(Path f) {
        try {
            JsonNode n = Json.mapper().readTree(f.toFile());
            if (n == null || n.isMissingNode()) return Json.mapper().createObjectNode();
            if (!n.isObject()) throw new AuthException(f + ": not a JSON object");
            return n;
        } catch (IOException e) {
            throw new AuthException("read " + f + ": " + e.getMessage(), e);
        }
    }

    /** Stores credentials for {@code key} (host[:port] or host/repo) in {@link #writeTo()}. */
    public synchronized void store(String key, Credentials c) {
        ObjectNode root = Files.exists(writeTo) ? (ObjectNode) readTree(writeTo) : Json.mapper().createObjectNode();
        CredentialHelper helper = key.contains("/") ? null : helperFor(root, key);
        if (helper != null) {
            helper.store(serverUrl(key), c);
            return;
        }
        ObjectNode auths = root.get("auths") instanceof ObjectNode o ? o : root.putObject("auths");
        String k = normalizeKey(key);
        for (Iterator<String> it = auths.fieldNames(); it.hasNext(); ) if (normalizeKey(it.next()).equals(k)) it.remove();
        ObjectNode entry = auths.putObject(k);
        entry.put("auth", c.encoded());
        if (c.identityToken() != null) entry.put("identitytoken", c.identityToken());
        write(root);
    }

    /** Removes the entry for {@code key}; false if there was none. */
    public synchronized boolean remove(String key) {
        if (!Files.exists(writeTo)) return false;
        ObjectNode root = (ObjectNode) readTree(writeTo);
        CredentialHelper helper = key.contains("/") ? null : helperFor(root, key);
        if (helper != null) return helper.erase(serverUrl(key));
        if (!(root.get("auths") instanceof ObjectNode auths)) return false;
        String k = normalizeKey(key);
        boolean removed = false;
        for (Iterator<String> it = auths.fieldNames(); it.hasNext(); ) {
            if (normalizeKey(it.next()).equals(k)) { it.remove(); removed = true; }
        }
        if (removed) write(root);
        return removed;
    }

    /**
     * As docker and podman write it: missing directories mode 0700, a temp file mode 0600 from its creation (the
     * credentials are never readable by others, not even for a moment), renamed over the file.
     */
    private void write(ObjectNode root) {
        Path dir = writeTo.toAbsolutePath().getParent();
        try {
            if (!Files.isDirectory(dir))
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            AtomicFiles.write(writeTo, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(root),
                    PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new AuthException("write " + writeTo + ": " + e.getMessage(), e);
        } catch (java.io.UncheckedIOException e) {
            throw new AuthException("write " + writeTo + ": " + e.getCause().getMessage(), e);
        }
    }

}
