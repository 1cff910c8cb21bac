package dev.hako.runtime.cli;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small JSON writer for what the CLI prints (state, list, features, spec, events), shaped like Go's
 * encoding/json output (MarshalIndent with the given indent, or compact). Keeps Jackson off the start-up
 * path of commands that only print. Values: Map (insertion order kept), Collection, String, Number,
 * Boolean, null, or {@link Raw} for pre-encoded JSON.
 */
public final class JsonText {
    private JsonText() {}

    /** Pre-encoded JSON inserted verbatim (compact output only makes sense for compact raw text). */
    public record Raw(String json) {}

    /** Ordered map builder: {@code JsonText.obj("a", 1, "b", "x")}. */
    public static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    public static String compact(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, null, 0);
        return sb.toString();
    }

    public static String indented(Object value, String indent) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, indent, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, String indent, int depth) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> quote(sb, s);
            case Boolean b -> sb.append(b);
            case Double d -> sb.append(d.isNaN() || d.isInfinite() ? "null" : formatDouble(d));
            case Float f -> sb.append(formatDouble(f.doubleValue()));
            case Number n -> sb.append(n);
            case Raw r -> sb.append(r.json());
            case Map<?, ?> m -> {
                if (m.isEmpty()) { sb.append("{}"); return; }
                sb.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!first) sb.append(',');
                    first = false;
                    newline(sb, indent, depth + 1);
                    quote(sb, String.valueOf(e.getKey()));
                    sb.append(indent == null ? ":" : ": ");
                    write(sb, e.getValue(), indent, depth + 1);
                }
                newline(sb, indent, depth);
                sb.append('}');
            }
            case Collection<?> c -> {
                if (c.isEmpty()) { sb.append("[]"); return; }
                sb.append('[');
                boolean first = true;
                for (Object o : c) {
                    if (!first) sb.append(',');
                    first = false;
                    newline(sb, indent, depth + 1);
                    write(sb, o, indent, depth + 1);
                }
                newline(sb, indent, depth);
                sb.append(']');
            }
            case int[] a -> {
                var list = new java.util.ArrayList<Integer>(a.length);
                for (int i : a) list.add(i);
                write(sb, list, indent, depth);
            }
            case long[] a -> {
                var list = new java.util.ArrayList<Long>(a.length);
                for (long i : a) list.add(i);
                write(sb, list, indent, depth);
            }
            default -> quote(sb, v.toString());
        }
    }

    private static String formatDouble(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static void newline(StringBuilder sb, String indent, int depth) {
        if (indent == null) return;
        sb.append('\n');
        for (int i = 0; i < depth; i++) sb.append(indent);
    }

    /** Quotes like Go's encoding/json (HTML-safe: <, >, & escaped). */
    public static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '<', '>', '&', '\u2028', '\u2029' -> sb.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    public static String quote(String s) {
        StringBuilder sb = new StringBuilder();
        quote(sb, s);
        return sb.toString();
    }
}
