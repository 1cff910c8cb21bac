package dev.hako.cli.format;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The subset of Go's text/template that docker users put in {@code --format}: fields ({@code .A.B}),
 * {@code $}, string/number literals, pipelines, parentheses, {@code if/else/range/with/end}, trim markers,
 * comments, and the functions docker registers (json, join, split, upper, lower, title, truncate, pad)
 * plus Go built-ins (index, len, print, println, printf with %s %d %v %q, eq, ne, not, and, or).
 * Data is plain Java: Map, List, String, Number, Boolean, null (convert records with Jackson first).
 */
public final class GoTemplate {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(JsonGenerator.Feature.ESCAPE_NON_ASCII, false)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

    private final List<Node> nodes;

    private GoTemplate(List<Node> nodes) { this.nodes = nodes; }

    /** Thrown for a template that does not parse or fails at execution; the message says where. */
    public static final class TemplateException extends RuntimeException {
        public TemplateException(String message) { super(message); }
    }

    // ---- AST ----
    private sealed interface Node permits Text, Action, If, Range, With {}
    private record Text(String text) implements Node {}
    private record Action(Pipeline pipeline) implements Node {}
    private record If(Pipeline cond, List<Node> then, List<Node> otherwise) implements Node {}
    private record Range(Pipeline over, List<Node> body, List<Node> otherwise) implements Node {}
    private record With(Pipeline value, List<Node> body, List<Node> otherwise) implements Node {}

    private record Pipeline(List<Command> commands) {}
    private record Command(List<Arg> args) {}
    private sealed interface Arg permits Field, Literal, Ident, Sub {}
    /** {@code root} true for {@code $...}; empty path means the value itself. */
    private record Field(boolean root, List<String> path) implements Arg {}
    private record Literal(Object value) implements Arg {}
    private record Ident(String name) implements Arg {}
    private record Sub(Pipeline pipeline) implements Arg {}

    // ---- parsing ----
    public static GoTemplate parse(String text) {
        List<Object> segments = split(text);
        int[] pos = {0};
        List<Node> nodes = new ArrayList<>();
        String end = parseList(segments, pos, nodes);
        if (end != null) throw new TemplateException("template: unexpected {{" + end + "}}");
        return new GoTemplate(nodes);
    }

    /** Splits into String (text) and ActionText segments, applying the trim markers. */
    private record ActionText(String body) {}

    private static List<Object> split(String text) {
        List<Object> out = new ArrayList<>();
        int i = 0;
        StringBuilder pending = new StringBuilder();
        boolean trimNext = false;
        while (i < text.length()) {
            int open = text.indexOf("{{", i);
            if (open < 0) {
                pending.append(text, i, text.length());
                break;
            }
            pending.append(text, i, open);
            int close = findClose(text, open + 2);
            if (close < 0) throw new TemplateException("template: unclosed action");
            String body = text.substring(open + 2, close);
            if (body.startsWith("- ") || body.equals("-")) {
                body = body.substring(1);
                strip(pending, true);
            }
            boolean trimAfter = false;
            if (body.endsWith(" -") || body.equals("-")) {
                body = body.substring(0, body.length() - 1);
                trimAfter = true;
            }
            String t = pending.toString();
            if (trimNext) t = t.stripLeading();
            if (!t.isEmpty()) out.add(t);
            pending.setLength(0);
            trimNext = trimAfter;
            String trimmed = body.trim();
            if (!(trimmed.startsWith("/*") && trimmed.endsWith("*/"))) out.add(new ActionText(trimmed));
            i = close + 2;
        }
        String t = pending.toString();
        if (trimNext) t = t.stripLeading();
        if (!t.isEmpty()) out.add(t);
        return out;
    }

    private static void strip(StringBuilder b, boolean trailing) {
        int n = b.length();
        while (trailing && n > 0 && Character.isWhitespace(b.charAt(n - 1))) n--;
        b.setLength(n);
    }

    private static int findClose(String text, int from) {
        boolean inString = false;
        char quote = 0;
        for (int i = from; i < text.length() - 1; i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\' && quote == '"') i++;
                else if (c == quote) inString = false;
            } else if (c == '"' || c == '`') {
                inString = true;
                quote = c;
            } else if (c == '}' && text.charAt(i + 1) == '}') {
                return i;
            }
        }
        return -1;
    }

    /** Parses nodes until {{end}}/{{else}} (returned) or the end of input (null). */
    private static String parseList(List<Object> segs, int[] pos, List<Node> into) {
        while (pos[0] < segs.size()) {
            Object s = segs.get(pos[0]++);
            if (s instanceof String text) {
                into.add(new Text(text));
                continue;
            }
            String body = ((ActionText) s).body();
            String keyword = body.split("\\s+", 2)[0];
            String rest = body.substring(keyword.length()).trim();
            switch (keyword) {
                case "end", "else" -> {
                    if (!rest.isEmpty()) throw new TemplateException("template: unsupported {{" + body + "}}");
                    return keyword;
                }
                case "if", "range", "with" -> {
                    Pipeline p = parsePipeline(rest);
                    List<Node> body1 = new ArrayList<>();
                    List<Node> body2 = new ArrayList<>();
                    String end = parseList(segs, pos, body1);
                    if ("else".equals(end)) end = parseList(segs, pos, body2);
                    if (!"end".equals(end)) throw new TemplateException("template: unexpected EOF in {{" + keyword + "}}");
                    into.add(switch (keyword) {
                        case "if" -> new If(p, body1, body2);
                        case "range" -> new Range(p, body1, body2);
                        default -> new With(p, body1, body2);
                    });
                }
                default -> into.add(new Action(parsePipeline(body)));
            }
        }
        return null;
    }

    private static Pipeline parsePipeline(String src) {
        Lexer lx = new Lexer(src);
        Pipeline p = lx.pipeline();
        if (lx.peek() != null) throw new TemplateException("template: unexpected \"" + lx.peek() + "\" in " + src);
        return p;
    }

    private static final class Lexer {
        private final List<String> tokens = new ArrayList<>();
        private int at;
        private final String src;

        Lexer(String src) {
            this.src = src;
            int i = 0;
            while (i < src.length()) {
                char c = src.charAt(i);
                if (Character.isWhitespace(c)) { i++; continue; }
                if (c == '|' || c == '(' || c == ')') { tokens.add(String.valueOf(c)); i++; continue; }
                if (c == '"') {
                    int j = i + 1;
                    while (j < src.length() && src.charAt(j) != '"') j += src.charAt(j) == '\\' ? 2 : 1;
                    if (j >= src.length()) throw new TemplateException("template: unterminated quoted string in " + src);
                    tokens.add(src.substring(i, j + 1));
                    i = j + 1;
                    continue;
                }
                if (c == '`') {
                    int j = src.indexOf('`', i + 1);
                    if (j < 0) throw new TemplateException("template: unterminated raw string in " + src);
                    tokens.add(src.substring(i, j + 1));
                    i = j + 1;
                    continue;
                }
                int j = i;
                while (j < src.length() && !Character.isWhitespace(src.charAt(j)) && "|()\"".indexOf(src.charAt(j)) < 0) j++;
                tokens.add(src.substring(i, j));
                i = j;
            }
        }

        String peek() { return at < tokens.size() ? tokens.get(at) : null; }

        Pipeline pipeline() {
            List<Command> cmds = new ArrayList<>();
            cmds.add(command());
            while ("|".equals(peek())) {
                at++;
                cmds.add(command());
            }
            return new Pipeline(cmds);
        }

        Command command() {
            List<Arg> args = new ArrayList<>();
            while (peek() != null && !"|".equals(peek()) && !")".equals(peek())) args.add(arg());
            if (args.isEmpty()) throw new TemplateException("template: missing value in " + src);
            return new Command(args);
        }

        Arg arg() {
            String t = tokens.get(at++);
            if (t.equals("(")) {
                Pipeline p = pipeline();
                if (!")".equals(peek())) throw new TemplateException("template: unclosed left paren in " + src);
                at++;
                return new Sub(p);
            }
            if (t.startsWith("\"")) return new Literal(unquote(t.substring(1, t.length() - 1)));
            if (t.startsWith("`")) return new Literal(t.substring(1, t.length() - 1));
            if (t.startsWith(".") || t.startsWith("$")) {
                boolean root = t.startsWith("$");
                String rest = root ? t.substring(1) : t;
                List<String> path = new ArrayList<>();
                for (String part : rest.split("\\.")) if (!part.isEmpty()) path.add(part);
                return new Field(root, path);
            }
            if (t.equals("true") || t.equals("false")) return new Literal(Boolean.valueOf(t));
            if (t.equals("nil")) return new Literal(null);
            if (t.matches("-?\\d+")) return new Literal(Long.parseLong(t));
            if (t.matches("-?\\d*\\.\\d+")) return new Literal(Double.parseDouble(t));
            if (t.matches("[A-Za-z_][A-Za-z0-9_]*")) return new Ident(t);
            throw new TemplateException("template: unexpected \"" + t + "\" in " + src);
        }

        private static String unquote(String s) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c != '\\' || i + 1 >= s.length()) { b.append(c); continue; }
                char n = s.charAt(++i);
                b.append(switch (n) { case 'n' -> '\n'; case 't' -> '\t'; case 'r' -> '\r'; default -> n; });
            }
            return b.toString();
        }
    }

    // ---- execution ----
    private static final Object MISSING = new Object() {
        @Override public String toString() { return "<no value>"; }
    };

    public String execute(Object data) {
        StringBuilder out = new StringBuilder();
        run(nodes, data, data, out);
        return out.toString();
    }

    private void run(List<Node> list, Object dot, Object root, StringBuilder out) {
        for (Node n : list) {
            switch (n) {
                case Text t -> out.append(t.text());
                case Action a -> out.append(print(eval(a.pipeline(), dot, root)));
                case If i -> run(truthy(eval(i.cond(), dot, root)) ? i.then() : i.otherwise(), dot, root, out);
                case With w -> {
                    Object v = eval(w.value(), dot, root);
                    if (truthy(v)) run(w.body(), v, root, out);
                    else run(w.otherwise(), dot, root, out);
                }
                case Range r -> {
                    Object v = eval(r.over(), dot, root);
                    Collection<?> items = switch (v) {
                        case Collection<?> c -> c;
                        case Map<?, ?> m -> new TreeMap<>(m).values();
                        case null -> List.of();
                        default -> {
                            if (v == MISSING) yield List.of();
                            throw new TemplateException("template: range can't iterate over " + print(v));
                        }
                    };
                    if (items.isEmpty()) run(r.otherwise(), dot, root, out);
                    for (Object item : items) run(r.body(), item, root, out);
                }
            }
        }
    }

    private Object eval(Pipeline p, Object dot, Object root) {
        Object value = null;
        boolean piped = false;
        for (Command c : p.commands()) {
            value = evalCommand(c, dot, root, piped ? value : null, piped);
            piped = true;
        }
        return value;
    }

    private Object evalCommand(Command c, Object dot, Object root, Object pipedIn, boolean piped) {
        Arg first = c.args().getFirst();
        if (first instanceof Ident id) {
            List<Object> args = new ArrayList<>();
            for (Arg a : c.args().subList(1, c.args().size())) args.add(evalArg(a, dot, root));
            if (piped) args.add(pipedIn);
            return call(id.name(), args);
        }
        if (c.args().size() > 1 || piped) {
            throw new TemplateException("template: can't give argument to non-function " + describe(first));
        }
        return evalArg(first, dot, root);
    }

    private Object evalArg(Arg a, Object dot, Object root) {
        return switch (a) {
            case Literal l -> l.value();
            case Sub s -> eval(s.pipeline(), dot, root);
            case Ident id -> call(id.name(), List.of());
            case Field f -> {
                Object v = f.root() ? root : dot;
                for (String name : f.path()) v = field(v, name);
                yield v;
            }
        };
    }

    private static Object field(Object v, String name) {
        if (v instanceof Map<?, ?> m) return m.containsKey(name) ? m.get(name) : MISSING;
        if (v == null || v == MISSING) return MISSING;
        throw new TemplateException("template: can't evaluate field " + name + " in type "
                + v.getClass().getSimpleName().toLowerCase(Locale.ROOT));
    }

    private static String describe(Arg a) {
        return switch (a) {
            case Field f -> (f.root() ? "$" : "") + (f.path().isEmpty() ? (f.root() ? "" : ".") : "." + String.join(".", f.path()));
            case Literal l -> String.valueOf(l.value());
            default -> a.toString();
        };
    }

    private static Object call(String name, List<Object> args) {
        return switch (name) {
            case "json" -> json(arg(args, 0, name));
            case "join" -> {
                need(args, 2, name);
                List<String> parts = new ArrayList<>();
                for (Object o : list(args.get(0), name)) parts.add(print(o));
                yield String.join(print(args.get(1)), parts);
            }
            case "split" -> { need(args, 2, name); yield List.of((Object[]) print(args.get(0)).split(java.util.regex.Pattern.quote(print(args.get(1))), -1)); }
            case "upper" -> print(arg(args, 0, name)).toUpperCase(Locale.ROOT);
            case "lower" -> print(arg(args, 0, name)).toLowerCase(Locale.ROOT);
            case "title" -> {
                String s = print(arg(args, 0, name));
                yield s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
            }
            case "truncate" -> {
                need(args, 2, name);
                String s = print(args.get(0));
                int n = (int) number(args.get(1), name);
                yield s.length() > n ? s.substring(0, n) : s;
            }
            case "pad" -> {
                need(args, 3, name);
                String s = print(args.get(0));
                yield " ".repeat((int) number(args.get(1), name)) + s + " ".repeat((int) number(args.get(2), name));
            }
            case "len" -> switch (arg(args, 0, name)) {
                case Collection<?> c -> (long) c.size();
                case Map<?, ?> m -> (long) m.size();
                case String s -> (long) s.length();
                case Object o -> throw new TemplateException("template: len of type " + o.getClass().getSimpleName());
            };
            case "index" -> {
                Object v = arg(args, 0, name);
                for (Object key : args.subList(1, args.size())) {
                    v = switch (v) {
                        case Map<?, ?> m -> m.get(key instanceof String ? key : print(key));
                        case List<?> l -> {
                            int i = (int) number(key, name);
                            if (i < 0 || i >= l.size()) throw new TemplateException("template: index out of range: " + i);
                            yield l.get(i);
                        }
                        case null -> throw new TemplateException("template: index of untyped nil");
                        default -> throw new TemplateException("template: can't index item of type " + v.getClass().getSimpleName());
                    };
                }
                yield v;
            }
            case "print" -> {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < args.size(); i++) {
                    // Go's fmt.Sprint adds spaces only between operands when neither is a string.
                    if (i > 0 && !(args.get(i) instanceof String) && !(args.get(i - 1) instanceof String)) b.append(' ');
                    b.append(print(args.get(i)));
                }
                yield b.toString();
            }
            case "println" -> {
                List<String> parts = new ArrayList<>();
                for (Object o : args) parts.add(print(o));
                yield String.join(" ", parts) + "\n";
            }
            case "printf" -> printf(print(arg(args, 0, name)), args.subList(1, args.size()));
            case "eq" -> { need(args, 2, name); yield equal(args.get(0), args.get(1)); }
            case "ne" -> { need(args, 2, name); yield !equal(args.get(0), args.get(1)); }
            case "not" -> !truthy(arg(args, 0, name));
            case "and" -> {
                Object last = null;
                for (Object o : args) { last = o; if (!truthy(o)) break; }
                yield last;
            }
            case "or" -> {
                Object last = null;
                for (Object o : args) { last = o; if (truthy(o)) break; }
                yield last;
            }
            default -> throw new TemplateException("template: function \"" + name + "\" not defined");
        };
    }

    private static Object arg(List<Object> args, int i, String fn) {
        if (args.size() <= i) throw new TemplateException("template: wrong number of args for " + fn);
        Object v = args.get(i);
        return v == MISSING ? null : v;
    }

    private static void need(List<Object> args, int n, String fn) {
        if (args.size() != n) throw new TemplateException("template: wrong number of args for " + fn + ": want " + n + " got " + args.size());
    }

    private static List<?> list(Object v, String fn) {
        if (v instanceof List<?> l) return l;
        if (v == null || v == MISSING) return List.of();
        throw new TemplateException("template: " + fn + " needs a list, got " + print(v));
    }

    private static double number(Object v, String fn) {
        if (v instanceof Number n) return n.doubleValue();
        throw new TemplateException("template: " + fn + " needs a number, got " + print(v));
    }

    private static boolean equal(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) return x.doubleValue() == y.doubleValue();
        return java.util.Objects.equals(a == MISSING ? null : a, b == MISSING ? null : b);
    }

    private static String printf(String fmt, List<Object> args) {
        StringBuilder b = new StringBuilder();
        int next = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) { b.append(c); continue; }
            char verb = fmt.charAt(++i);
            if (verb == '%') { b.append('%'); continue; }
            Object v = next < args.size() ? args.get(next++) : null;
            b.append(switch (verb) {
                case 'q' -> json(print(v));
                case 'd' -> v instanceof Number n ? String.valueOf(n.longValue()) : print(v);
                default -> print(v);
            });
        }
        return b.toString();
    }

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Boolean b -> b;
            case Number n -> n.doubleValue() != 0;
            case String s -> !s.isEmpty();
            case Collection<?> c -> !c.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            default -> v != MISSING;
        };
    }

    /** Go's default formatting (%v) of a value. */
    static String print(Object v) {
        return switch (v) {
            case null -> "<nil>";
            case String s -> s;
            case Double d when d == Math.rint(d) && Math.abs(d) < 1e21 -> String.valueOf(d.longValue());
            case Map<?, ?> m -> {
                StringBuilder b = new StringBuilder("map[");
                boolean first = true;
                for (var e : new TreeMap<>(m).entrySet()) {
                    if (!first) b.append(' ');
                    first = false;
                    b.append(print(e.getKey())).append(':').append(print(e.getValue()));
                }
                yield b.append(']').toString();
            }
            case Collection<?> c -> {
                List<String> parts = new ArrayList<>();
                for (Object o : c) parts.add(print(o));
                yield "[" + String.join(" ", parts) + "]";
            }
            default -> v.toString();
        };
    }

    private static String json(Object v) {
        try {
            return JSON.writeValueAsString(v == MISSING ? null : v);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new TemplateException("template: json: " + e.getOriginalMessage());
        }
    }

    /** Converts a record or bean to the Map/List form the template walks (field names as JSON names). */
    public static Object dataOf(Object value, ObjectMapper mapper) {
        return mapper.convertValue(value, Object.class);
    }
}
