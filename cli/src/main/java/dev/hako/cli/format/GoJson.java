package dev.hako.cli.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Iterator;
import java.util.Map;

/** JSON as Go's json.MarshalIndent writes it (docker inspect): 4-space indent, "k": v, [] and {}, HTML-safe escapes. */
public final class GoJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private GoJson() {}

    public static String indent(Object value) {
        StringBuilder b = new StringBuilder();
        write(MAPPER.valueToTree(value), b, "");
        return b.toString();
    }

    private static void write(JsonNode n, StringBuilder b, String ind) {
        if (n == null || n.isNull() || n.isMissingNode()) { b.append("null"); return; }
        if (n.isObject()) {
            if (n.isEmpty()) { b.append("{}"); return; }
            b.append("{\n");
            Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator();
            while (it.hasNext()) {
                var e = it.next();
                b.append(ind).append("    ");
                string(e.getKey(), b);
                b.append(": ");
                write(e.getValue(), b, ind + "    ");
                if (it.hasNext()) b.append(',');
                b.append('\n');
            }
            b.append(ind).append('}');
        } else if (n.isArray()) {
            if (n.isEmpty()) { b.append("[]"); return; }
            b.append("[\n");
            for (int i = 0; i < n.size(); i++) {
                b.append(ind).append("    ");
                write(n.get(i), b, ind + "    ");
                if (i < n.size() - 1) b.append(',');
                b.append('\n');
            }
            b.append(ind).append(']');
        } else if (n.isTextual()) {
            string(n.textValue(), b);
        } else {
            b.append(n.toString());
        }
    }

    private static void string(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '<', '>', '&', '\u2028', '\u2029' -> b.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }
}
