package dev.hako.image.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hako.oci.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A docker credential helper ({@code docker-credential-NAME get|store|erase}): the server URL or a JSON document on
 * stdin, JSON {@code {"ServerURL","Username","Secret"}} on stdout. A Username of {@code <token>} means the Secret is
 * an identity token. "credentials not found" is no error: the registry just has none there.
 */
final class CredentialHelper {
    private static final String TOKEN_USER = "<token>";
    private final String name;
    private final String searchPath;
    private final Map<String, String> env;
    private final Path cwd;

    /**
     * @param env the environment the helper runs with (the user's: HOME, its keyring's variables); null = ours
     * @param cwd the user's working directory: relative PATH entries start there and the helper runs there; null = ours
     */
    CredentialHelper(String name, String searchPath, Map<String, String> env, Path cwd) {
        if (!name.matches("[A-Za-z0-9._-]+")) throw new AuthException("credential helper name \"" + name + "\" is not valid");
        this.name = name;
        this.searchPath = searchPath;
        this.env = env;
        this.cwd = cwd;
    }

    private String program() { return "docker-credential-" + name; }

    /** Empty when the helper has nothing for the server, or is not installed (a config copied from another machine,
     *  e.g. Docker Desktop's credsStore: the file's plain entries still count, as podman reads them). */
    Optional<Credentials> get(String serverUrl) {
        if (locate() == null) return Optional.empty();
        Result r = run("get", serverUrl);
        if (r.code != 0) {
            if (r.out.toLowerCase().contains("credentials not found")) return Optional.empty();
            throw new AuthException(program() + " get " + serverUrl + ": " + r.describe());
        }
        JsonNode n;
        try {
            n = Json.mapper().readTree(r.out);
        } catch (IOException e) {
            throw new AuthException(program() + " get " + serverUrl + ": output is not JSON: " + e.getMessage(), e);
        }
        String user = n.path("Username").asText("");
        String secret = n.path("Secret").asText("");
        if (secret.isEmpty()) return Optional.empty();
        if (user.equals(TOKEN_USER)) return Optional.of(new Credentials("", "", secret));
        return Optional.of(new Credentials(user, secret, null));
    }

    void store(String serverUrl, Credentials c) {
        Map<String, String> doc = new LinkedHashMap<>();
        doc.put("ServerURL", serverUrl);
        boolean token = c.identityToken() != null && !c.identityToken().isEmpty();
        doc.put("Username", token ? TOKEN_USER : c.username());
        doc.put("Secret", token ? c.identityToken() : c.password());
        Result r = run("store", new String(Json.bytes(doc), StandardCharsets.UTF_8));
        if (r.code != 0) throw new AuthException(program() + " store " + serverUrl + ": " + r.describe());
    }

    boolean erase(String serverUrl) {
        Result r = run("erase", serverUrl);
        if (r.code == 0) return true;
        if (r.out.toLowerCase().contains("credentials not found")) return false;
        throw new AuthException(program() + " erase " + serverUrl + ": " + r.describe());
    }

    private record Result(int code, String out) {
        String describe() { return "exit status " + code + (out.isBlank() ? "" : ": " + out.strip()); }
    }

    private Result run(String verb, String input) {
        Path exe = find();
        try {
            ProcessBuilder pb = new ProcessBuilder(List.of(exe.toString(), verb)).redirectErrorStream(true);
            if (env != null) {
                pb.environment().clear();
                pb.environment().putAll(env);
            }
            if (cwd != null) pb.directory(cwd.toFile());
            Process p = pb.start();
            try (var in = p.getOutputStream()) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // a helper that fails without reading its input (broken pipe): its exit status and output say why
            }
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AuthException(program() + " " + verb + ": no answer within 60 s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AuthException("run " + exe + " " + verb + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuthException(program() + " " + verb + ": interrupted", e);
        }
    }

    private Path find() {
        Path p = locate();
        if (p == null) throw new AuthException("credential helper " + program() + " is not on PATH (" + searchPath + ")");
        return p;
    }

    private Path locate() {
        for (String dir : searchPath.split(":")) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, program());
            if (cwd != null) p = cwd.resolve(p);   // a relative entry is the user's directory, not ours
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }
}
