package dev.hako.image.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The TOML subset registries.conf uses: comments, [table], [[array.of.tables]], dotted and quoted keys,
 * basic and literal strings, booleans, integers, (multi-line) arrays, inline tables.
 * Result: nested {@code Map<String,Object>}; arrays are {@code List<Object>}. Errors name the file and line.
 */
final class Toml {
    private final String src, file;
    private int pos, line = 1;

    private Toml(String src, String file) { this.src = src; this.file = file; }

    static Map<String, Object> parse(String src, String file) {
        return new Toml(src, file).document();
    }

    private RegistryConfigException err(String msg) {
        return new RegistryConfigException(file + ":" + line + ": " + msg);
    }

    private Map<String, Object> document() {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> current = root;
        while (true) {
            skipWsCommentsNewlines();
            if (pos >= src.length()) return root;
            char c = src.charAt(pos);
            if (c == '[') {
                boolean array = src.startsWith("[[", pos);
                pos += array ? 2 : 1;
                List<String> keys = keyPath();
                skipWs();
                if (!src.startsWith(array ? "]]" : "]", pos)) throw err("expected " + (array ? "]]" : "]") + " after table name");
                pos += array ? 2 : 1;
                current = array ? appendTable(root, keys) : openTable(root, keys);
                endOfLine();
            } else {
                List<String> keys = keyPath();
                skipWs();
                if (pos >= src.length() || src.charAt(pos) != '=') throw err("expected = after key " + String.join(".", keys));
                pos++;
                skipWs();
                Object v = value();
                Map<String, Object> t = current;
                for (int i = 0; i < keys.size() - 1; i++) t = subTable(t, keys.get(i));
                String k = keys.getLast();
                if (t.containsKey(k)) throw err("duplicate key " + String.join(".", keys));
                t.put(k, v);
                endOfLine();
            }
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> subTable(Map<String, Object> t, String k) {
        Object o = t.computeIfAbsent(k, x -> new LinkedHashMap<String, Object>());
        if (o instanceof Map<?, ?> m) return (Map<String, Object>) m;
        if (o instanceof List<?> l && !l.isEmpty() && l.getLast() instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw err("key " + k + " is not a table");
    }

    private Map<String, Object> openTable(Map<String, Object> root, List<String> keys) {
        Map<String, Object> t = root;
        for (String k : keys) t = subTable(t, k);
        return t;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> appendTable(Map<String, Object> root, List<String> keys) {
        Map<String, Object> t = root;
        for (int i = 0; i < keys.size() - 1; i++) t = subTable(t, keys.get(i));
        Object o = t.computeIfAbsent(keys.getLast(), x -> new ArrayList<Object>());
        if (!(o instanceof List<?>)) throw err(String.join(".", keys) + " is not an array of tables");
        Map<String, Object> fresh = new LinkedHashMap<>();
        ((List<Object>) o).add(fresh);
        return fresh;
    }

    private List<String> keyPath() {
        List<String> keys = new ArrayList<>();
        while (true) {
            skipWs();
            if (pos >= src.length()) throw err("expected a key");
            char c = src.charAt(pos);
            if (c == '"') keys.add(basicString());
            else if (c == '\'') keys.add(literalString());
            else {
                int s = pos;
                while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_' || src.charAt(pos) == '-')) pos++;
                if (s == pos) throw err("expected a key, found '" + c + "'");
                keys.add(src.substring(s, pos));
            }
            skipWs();
            if (pos < src.length() && src.charAt(pos) == '.') { pos++; continue; }
            return keys;
        }
    }

    private Object value() {
        if (pos >= src.length()) throw err("expected a value");
        char c = src.charAt(pos);
        if (c == '"') return src.startsWith("\"\"\"", pos) ? multiline("\"\"\"") : basicString();
        if (c == '\'') return src.startsWith("'''", pos) ? multiline("'''") : literalString();
        if (c == '[') return array();
        if (c == '{') return inlineTable();
        if (src.startsWith("true", pos)) { pos += 4; return Boolean.TRUE; }
        if (src.startsWith("false", pos)) { pos += 5; return Boolean.FALSE; }
        int s = pos;
        while (pos < src.length() && "+-0123456789_".indexOf(src.charAt(pos)) >= 0) pos++;
        if (s == pos) throw err("unsupported value starting with '" + c + "'");
        try {
            return Long.parseLong(src.substring(s, pos).replace("_", ""));
        } catch (NumberFormatException e) {
            throw err("bad integer " + src.substring(s, pos));
        }
    }

    private List<Object> array() {
        pos++;
        List<Object> out = new ArrayList<>();
        while (true) {
            skipWsCommentsNewlines();
            if (pos >= src.length()) throw err("unterminated array");
            if (src.charAt(pos) == ']') { pos++; return out; }
            out.add(value());
            skipWsCommentsNewlines();
            if (pos < src.length() && src.charAt(pos) == ',') pos++;
            else if (pos < src.length() && src.charAt(pos) != ']') throw err("expected , or ] in array");
        }
    }

    private Map<String, Object> inlineTable() {
        pos++;
        Map<String, Object> t = new LinkedHashMap<>();
        skipWs();
        if (pos < src.length() && src.charAt(pos) == '}') { pos++; return t; }
        while (true) {
            List<String> keys = keyPath();
            skipWs();
            if (pos >= src.length() || src.charAt(pos) != '=') throw err("expected = in inline table");
            pos++;
            skipWs();
            Map<String, Object> target = t;
            for (int i = 0; i < keys.size() - 1; i++) target = subTable(target, keys.get(i));
            target.put(keys.getLast(), value());
            skipWs();
            if (pos >= src.length()) throw err("unterminated inline table");
            char c = src.charAt(pos++);
            if (c == '}') return t;
            if (c != ',') throw err("expected , or } in inline table");
            skipWs();
        }
    }

    private String basicString() {
        pos++;
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= src.length() || src.charAt(pos) == '\n') throw err("unterminated string");
            char c = src.charAt(pos++);
            if (c == '"') return b.toString();
            if (c != '\\') { b.append(c); continue; }
            if (pos >= src.length()) throw err("unterminated string");
            char e = src.charAt(pos++);
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case '"' -> b.append('"');
                case '\\' -> b.append('\\');
                case 'u', 'U' -> {
                    int n = e == 'u' ? 4 : 8;
                    if (pos + n > src.length()) throw err("bad unicode escape");
                    b.appendCodePoint(Integer.parseInt(src.substring(pos, pos + n), 16));
                    pos += n;
                }
                default -> throw err("bad escape \\" + e);
            }
        }
    }

    private String literalString() {
        int end = src.indexOf('\'', pos + 1);
        int nl = src.indexOf('\n', pos + 1);
        if (end < 0 || (nl >= 0 && nl < end)) throw err("unterminated literal string");
        String s = src.substring(pos + 1, end);
        pos = end + 1;
        return s;
    }

    private String multiline(String delim) {
        int end = src.indexOf(delim, pos + 3);
        if (end < 0) throw err("unterminated multi-line string");
        String s = src.substring(pos + 3, end);
        for (char ch : s.toCharArray()) if (ch == '\n') line++;
        pos = end + 3;
        return s.startsWith("\n") ? s.substring(1) : s;
    }

    private void skipWs() {
        while (pos < src.length() && (src.charAt(pos) == ' ' || src.charAt(pos) == '\t')) pos++;
    }

    private void skipWsCommentsNewlines() {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\r') pos++;
            else if (c == '\n') { pos++; line++; }
            else if (c == '#') { while (pos < src.length() && src.charAt(pos) != '\n') pos++; }
            else return;
        }
    }

    private void endOfLine() {
        skipWs();
        if (pos < src.length() && src.charAt(pos) == '#') while (pos < src.length() && src.charAt(pos) != '\n') pos++;
        if (pos < src.length() && src.charAt(pos) == '\r') pos++;
        if (pos < src.length() && src.charAt(pos) != '\n') throw err("unexpected '" + src.charAt(pos) + "' after value");
    }
}
