package dev.hako.engine.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.oci.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs CNI plugins as the CNI spec (1.0.0) says: one executable per plugin found on CNI_PATH, the operation in
 * CNI_COMMAND and the rest of CNI_* in the environment, the network configuration on stdin, a result or an error
 * ({code, msg, details}) on stdout. A conflist is a chain: each ADD gets the previous plugin's result as
 * prevResult; DEL runs the chain in reverse with the cached result of the ADD, as libcni does, so a DEL after a
 * crash still tells each plugin what it made. Results are cached per attachment (network, container, interface).
 */
public final class CniInvoker {
    public static final String VERSION = "1.0.0";
    private static final ObjectMapper M = Json.mapper();

    private final List<Path> cniPath;
    private final Path cacheDir;

    /** An attachment of a container to a network: CNI's (container id, netns, ifname) triple plus CNI_ARGS. */
    public record Attachment(String containerId, String netns, String ifName, String args) {}

    /**
     * @param cniPath  where plugins are looked up, in order (CNI_PATH)
     * @param cacheDir where ADD results are kept for DEL and CHECK
     */
    public CniInvoker(List<Path> cniPath, Path cacheDir) {
        this.cniPath = List.copyOf(cniPath);
        this.cacheDir = cacheDir;
    }

    public List<Path> cniPath() { return cniPath; }

    /**
     * ADD through the chain; the last plugin's result. When a plugin fails, the chain is DELeted (in reverse, what
     * was added so far included) so no address, interface or rule stays, and the plugin's error is thrown.
     */
    public JsonNode add(ObjectNode conflist, Attachment a, ObjectNode runtimeConfig) {
        String net = conflist.path("name").asText();
        JsonNode prev = null;
        try {
            for (JsonNode plugin : conflist.withArray("plugins")) {
                prev = exec("ADD", plugin, conflist, a, runtimeConfig, prev);
            }
        } catch (RuntimeException e) {
            try {
                delChain(conflist, a, runtimeConfig, prev);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        writeCache(net, a, runtimeConfig, prev);
        return prev;
    }

    /** DEL through the chain in reverse with the cached ADD result; then the cache entry goes. Idempotent. */
    public void del(ObjectNode conflist, Attachment a) {
        String net = conflist.path("name").asText();
        JsonNode cached = readCache(net, a);
        ObjectNode rc = cached != null && cached.get("runtimeConfig") instanceof ObjectNode o ? o : M.createObjectNode();
        JsonNode prev = cached != null && cached.hasNonNull("result") ? cached.get("result") : null;
        delChain(conflist, a, rc, prev);
        try {
            Files.deleteIfExists(cacheFile(net, a));
        } catch (IOException e) {
            throw new UncheckedIOException("remove " + cacheFile(net, a) + ": " + e.getMessage(), e);
        }
    }

    private void delChain(ObjectNode conflist, Attachment a, ObjectNode runtimeConfig, JsonNode prev) {
        List<JsonNode> plugins = new ArrayList<>();
        conflist.withArray("plugins").forEach(plugins::add);
        RuntimeException first = null;
        for (int i = plugins.size() - 1; i >= 0; i--) {
            try {
                exec("DEL", plugins.get(i), conflist, a, runtimeConfig, prev);
            } catch (RuntimeException e) {
                // the spec asks DEL to go on: later plugins still release what they hold
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }

    /** CHECK through the chain with the cached result; throws the first plugin's error. */
    public void check(ObjectNode conflist, Attachment a) {
        String net = conflist.path("name").asText();
        JsonNode cached = readCache(net, a);
        if (cached == null) throw new CniException("network " + net + ": no cached result for container " + a.containerId(), 0, null);
        ObjectNode rc = cached.get("runtimeConfig") instanceof ObjectNode o ? o : M.createObjectNode();
        for (JsonNode plugin : conflist.withArray("plugins")) exec("CHECK", plugin, conflist, a, rc, cached.get("result"));
    }

    /** The CNI versions a plugin speaks (VERSION). */
    public List<String> versions(String network, String type) {
        ObjectNode conf = M.createObjectNode().put("cniVersion", VERSION);
        JsonNode r = run(network, type, "VERSION", conf, Map.of("CNI_COMMAND", "VERSION"));
        List<String> out = new ArrayList<>();
        r.path("supportedVersions").forEach(v -> out.add(v.asText()));
        return out;
    }

    /**
     * GC (CNI 1.1): each plugin that speaks 1.1.0 releases whatever it holds for attachments not in {@code valid}.
     * Plugins that predate GC are skipped; the engine's own orphan sweep DELs what it knows instead.
     */
    public void gc(ObjectNode conflist, List<Attachment> valid) {
        String net = conflist.path("name").asText();
        for (JsonNode plugin : conflist.withArray("plugins")) {
            String type = plugin.path("type").asText();
            if (!versions(net, type).contains("1.1.0")) continue;
            ObjectNode conf = ((ObjectNode) plugin).deepCopy();
            conf.put("name", net).put("cniVersion", "1.1.0");
            ArrayNode va = conf.putArray("cni.dev/valid-attachments");
            for (Attachment a : valid) va.addObject().put("containerID", a.containerId()).put("ifname", a.ifName());
            run(net, type, "GC", conf, Map.of("CNI_COMMAND", "GC", "CNI_PATH", pathString()));
        }
    }

    private JsonNode exec(String command, JsonNode plugin, ObjectNode conflist, Attachment a, ObjectNode runtimeConfig, JsonNode prev) {
        String net = conflist.path("name").asText();
        ObjectNode conf = ((ObjectNode) plugin).deepCopy();
        conf.put("name", net);
        conf.put("cniVersion", conflist.path("cniVersion").asText(VERSION));
        // only the capabilities the plugin declares (libcni's rule)
        ObjectNode rc = M.createObjectNode();
        JsonNode caps = plugin.path("capabilities");
        if (runtimeConfig != null) {
            for (Iterator<String> it = runtimeConfig.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (caps.path(k).asBoolean(false)) rc.set(k, runtimeConfig.get(k));
            }
        }
        if (!rc.isEmpty()) conf.set("runtimeConfig", rc);
        if (prev != null) conf.set("prevResult", prev);
        Map<String, String> env = Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", a.containerId(),
                "CNI_NETNS", a.netns() == null ? "" : a.netns(), "CNI_IFNAME", a.ifName(),
                "CNI_ARGS", a.args() == null ? "" : a.args(), "CNI_PATH", pathString());
        JsonNode r = run(net, plugin.path("type").asText(), command, conf, env);
        // ADD passes its result down the chain; a plugin may return nothing on DEL/CHECK
        return command.equals("ADD") ? r : prev;
    }

    private String pathString() {
        return String.join(":", cniPath.stream().map(Path::toString).toList());
    }

    /** Finds the plugin on CNI_PATH. */
    Path find(String network, String type) {
        if (type.isEmpty() || type.contains("/")) throw new CniException("network " + network + ": invalid plugin type \"" + type + "\"", 0, null);
        for (Path dir : cniPath) {
            Path p = dir.resolve(type);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        throw new CniException("network " + network + ": failed to find plugin \"" + type + "\" in path " + cniPath, 0, null);
    }

    private JsonNode run(String network, String type, String command, ObjectNode conf, Map<String, String> env) {
        Path exe = find(network, type);
        ProcessBuilder pb = new ProcessBuilder(exe.toString());
        Map<String, String> e = pb.environment();
        e.clear();
        // plugins run iptables, ip and friends: they need a PATH
        e.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        e.putAll(env);
        pb.redirectError(ProcessBuilder.Redirect.PIPE);
        byte[] out;
        String err;
        int code;
        try {
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(M.writeValueAsBytes(conf));
            } catch (IOException closed) {
                // the plugin did not read its stdin (VERSION may not): its answer still tells
            }
            // stderr on its own thread: a plugin that fills one pipe must not block on the other
            var errText = new java.util.concurrent.CompletableFuture<String>();
            Thread.ofVirtual().start(() -> {
                try (InputStream s = p.getErrorStream()) {
                    errText.complete(new String(s.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException x) {
                    errText.complete("");
                }
            });
            try (InputStream s = p.getInputStream()) {
                out = s.readAllBytes();
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CniException("network " + network + ": plugin " + type + " (" + command + ") timed out", 0, null);
            }
            code = p.exitValue();
            err = errText.join().trim();
        } catch (IOException ex) {
            throw new CniException("network " + network + ": run plugin " + exe + ": " + ex.getMessage(), 0, ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new CniException("network " + network + ": interrupted while running plugin " + type, 0, ex);
        }
        JsonNode parsed = null;
        try {
            if (out.length > 0) parsed = M.readTree(out);
        } catch (IOException ex) {
            // not JSON: reported below with what the plugin printed
        }
        if (code != 0) {
            StringBuilder msg = new StringBuilder("network " + network + ": plugin " + type + " failed (" + command + "): ");
            int cniCode = 0;
            if (parsed != null && parsed.has("msg")) {
                cniCode = parsed.path("code").asInt(0);
                msg.append(parsed.path("msg").asText());
                String details = parsed.path("details").asText("");
                if (!details.isEmpty()) msg.append(": ").append(details);
            } else {
                String text = new String(out, StandardCharsets.UTF_8).trim();
                msg.append(!text.isEmpty() ? text : !err.isEmpty() ? err : "exit status " + code);
            }
            throw new CniException(msg.toString(), cniCode, null);
        }
        return parsed;
    }

    // ---- result cache (libcni keeps it in /var/lib/cni/results; ours lives beside the netns, under the run root)

    Path cacheFile(String network, Attachment a) {
        return cacheDir.resolve(network + "-" + a.containerId() + "-" + a.ifName());
    }

    private void writeCache(String network, Attachment a, ObjectNode runtimeConfig, JsonNode result) {
        ObjectNode c = M.createObjectNode();
        c.put("kind", "cniCacheV1").put("containerId", a.containerId()).put("ifName", a.ifName())
                .put("networkName", network).put("netns", a.netns()).put("cniArgs", a.args());
        if (runtimeConfig != null) c.set("runtimeConfig", runtimeConfig);
        c.set("result", result);
        try {
            Files.createDirectories(cacheDir);
            Path f = cacheFile(network, a);
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            Files.write(tmp, M.writeValueAsBytes(c));
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("write CNI cache in " + cacheDir + ": " + e.getMessage(), e);
        }
    }

    /** The cached ADD of this attachment, or null. */
    public JsonNode readCache(String network, Attachment a) {
        Path f = cacheFile(network, a);
        try {
            return M.readTree(Files.readAllBytes(f));
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;  // torn: DEL runs without prevResult, which plugins accept
        }
    }
}
