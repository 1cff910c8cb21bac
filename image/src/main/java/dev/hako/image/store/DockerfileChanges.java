package dev.hako.image.store;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.hako.oci.Json;
import dev.hako.oci.image.ImageConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Dockerfile instructions `docker import --change` and `docker commit --change` accept:
 * CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR.
 */
public final class DockerfileChanges {
    private DockerfileChanges() {}

    public static ImageConfig.Config apply(ImageConfig.Config base, List<String> changes) {
        ImageConfig.Config c = base != null ? base : ImageConfig.Config.of(null, null, null, null);
        for (String change : changes) c = applyOne(c, change.strip());
        return c;
    }

    private static ImageConfig.Config applyOne(ImageConfig.Config c, String change) {
        String[] kv = change.split("\\s+", 2);
        String op = kv[0].toUpperCase(Locale.ROOT);
        String arg = kv.length > 1 ? kv[1].strip() : "";
        if (arg.isEmpty()) throw new ImageException(op + " requires at least one argument");
        return switch (op) {
            case "CMD" -> with(c, "Cmd", execOrShell(arg));
            case "ENTRYPOINT" -> with(c, "Entrypoint", execOrShell(arg));
            case "WORKDIR" -> with(c, "WorkingDir", arg);
            case "USER" -> with(c, "User", arg);
            case "STOPSIGNAL" -> with(c, "StopSignal", arg);
            case "ENV" -> {
                Map<String, String> env = new LinkedHashMap<>();
                for (String e : c.envOrEmpty()) {
                    int eq = e.indexOf('=');
                    env.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
                }
                env.putAll(pairs(arg, "ENV"));
                List<String> out = new ArrayList<>();
                env.forEach((k, v) -> out.add(k + "=" + v));
                yield with(c, "Env", out);
            }
            case "LABEL" -> {
                Map<String, String> labels = new TreeMap<>(c.labelsOrEmpty());
                labels.putAll(pairs(arg, "LABEL"));
                yield with(c, "Labels", labels);
            }
            case "EXPOSE" -> {
                Map<String, Map<String, Object>> ports = new TreeMap<>(c.exposedPorts() == null ? Map.of() : c.exposedPorts());
                for (String p : arg.split("\\s+")) {
                    String port = p.contains("/") ? p.toLowerCase(Locale.ROOT) : p + "/tcp";
                    if (!port.matches("\\d{1,5}(-\\d{1,5})?/(tcp|udp|sctp)"))
                        throw new ImageException("invalid containerPort: " + p);
                    ports.put(port, Map.of());
                }
                yield with(c, "ExposedPorts", ports);
            }
            case "VOLUME" -> {
                Map<String, Map<String, Object>> vols = new TreeMap<>(c.volumes() == null ? Map.of() : c.volumes());
                List<String> paths = arg.startsWith("[") ? jsonArray(arg) : List.of(arg.split("\\s+"));
                for (String v : paths) vols.put(v, Map.of());
                yield with(c, "Volumes", vols);
            }
            case "ONBUILD" -> {
                List<String> on = new ArrayList<>(c.onBuild() == null ? List.of() : c.onBuild());
                on.add(arg);
                yield with(c, "OnBuild", on);
            }
            default -> throw new ImageException(kv[0] + " is not a valid change command");
        };
    }

    /** JSON form ["a","b"] or shell form (wrapped in /bin/sh -c). */
    private static List<String> execOrShell(String arg) {
        if (arg.startsWith("[")) {
            try {
                return jsonArray(arg);
            } catch (RuntimeException e) {
                // docker falls back to the shell form when the JSON doesn't parse
            }
        }
        return List.of("/bin/sh", "-c", arg);
    }

    private static List<String> jsonArray(String arg) {
        try {
            return Json.mapper().readValue(arg, new TypeReference<List<String>>() {});
        } catch (Exception e) {
            throw new ImageException("invalid JSON array: " + arg);
        }
    }

    /** "k=v k2="v 2"" or the legacy "k v" form. */
    private static Map<String, String> pairs(String arg, String op) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> words = words(arg);
        if (!words.getFirst().contains("=")) {
            String[] kv = arg.split("\\s+", 2);
            out.put(kv[0], kv.length > 1 ? unquote(kv[1]) : "");
            return out;
        }
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq <= 0) throw new ImageException(op + " names can not be blank or lack '=': " + w);
            out.put(w.substring(0, eq), w.substring(eq + 1));
        }
        return out;
    }

    /** Splits on spaces outside quotes, removing the quotes. */
    private static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean any = false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (quote != 0) {
                if (ch == quote) quote = 0;
                else if (ch == '\\' && quote == '"' && i + 1 < s.length()) cur.append(s.charAt(++i));
                else cur.append(ch);
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
                any = true;
            } else if (Character.isWhitespace(ch)) {
                if (any || !cur.isEmpty()) out.add(cur.toString());
                cur.setLength(0);
                any = false;
            } else if (ch == '\\' && i + 1 < s.length()) {
                cur.append(s.charAt(++i));
            } else {
                cur.append(ch);
            }
        }
        if (any || !cur.isEmpty()) out.add(cur.toString());
        return out;
    }

    private static String unquote(String s) {
        List<String> w = words(s);
        return w.size() == 1 ? w.getFirst() : s;
    }

    /** A copy of {@code c} with one field (by its JSON name) replaced. */
    private static ImageConfig.Config with(ImageConfig.Config c, String field, Object value) {
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) Json.mapper().valueToTree(c);
        tree.set(field, Json.mapper().valueToTree(value));
        return Json.mapper().convertValue(tree, ImageConfig.Config.class);
    }
}
