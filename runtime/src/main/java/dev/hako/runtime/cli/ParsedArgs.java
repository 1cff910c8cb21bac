package dev.hako.runtime.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The flags and arguments of one command line, parsed with Go's flag rules as urfave/cli applies them:
 * {@code -name} and {@code --name} are the same, values as {@code --name value} or {@code --name=value},
 * booleans optionally {@code --name=false}, the last occurrence wins (lists collect every one),
 * {@code --} ends the flags. {@code interspersed}: flags may follow arguments (runc reorders them for most
 * commands); otherwise the first argument ends the flags (runc's exec and ps, and the global options).
 */
public final class ParsedArgs {
    private final Map<String, String> values = new HashMap<>();
    private final Map<String, List<String>> lists = new HashMap<>();
    private final Set<String> set = new HashSet<>();
    private final List<String> positional = new ArrayList<>();
    private boolean help;

    private ParsedArgs() {}

    /** Thrown for a flag that is not defined, lacks its value, or has a bad boolean. */
    public static final class BadFlag extends Exception {
        public BadFlag(String message) { super(message); }
    }

    public static ParsedArgs parse(List<Flag> flags, List<String> argv, boolean interspersed) throws BadFlag {
        ParsedArgs p = new ParsedArgs();
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals("--")) {
                p.positional.addAll(argv.subList(i + 1, argv.size()));
                break;
            }
            // "-9" is an argument (kill's signal), never a flag
            if (a.length() < 2 || a.charAt(0) != '-' || a.substring(1).chars().allMatch(Character::isDigit)) {
                p.positional.add(a);
                if (!interspersed) {
                    p.positional.addAll(argv.subList(i + 1, argv.size()));
                    break;
                }
                continue;
            }
            String body = a.startsWith("--") ? a.substring(2) : a.substring(1);
            if (body.isEmpty() || body.startsWith("-") || body.startsWith("=")) throw new BadFlag("bad flag syntax: " + a);
            String name = body;
            String value = null;
            int eq = body.indexOf('=');
            if (eq >= 0) {
                name = body.substring(0, eq);
                value = body.substring(eq + 1);
            }
            if (name.equals("h") || name.equals("help")) {
                p.help = true;
                continue;
            }
            Flag f = null;
            for (Flag c : flags) if (c.matches(name)) { f = c; break; }
            if (f == null) throw new BadFlag("flag provided but not defined: -" + name);
            p.set.add(f.name());
            switch (f.kind()) {
                case BOOL -> {
                    boolean b = true;
                    if (value != null) {
                        b = switch (value) {
                            case "1", "t", "T", "true", "TRUE", "True" -> true;
                            case "0", "f", "F", "false", "FALSE", "False" -> false;
                            default -> throw new BadFlag("invalid boolean value \"" + value + "\" for -" + name);
                        };
                    }
                    p.values.put(f.name(), Boolean.toString(b));
                }
                case STRING, LIST -> {
                    if (value == null) {
                        if (i + 1 >= argv.size()) throw new BadFlag("flag needs an argument: -" + name);
                        value = argv.get(++i);
                    }
                    if (f.kind() == Flag.Kind.LIST) p.lists.computeIfAbsent(f.name(), k -> new ArrayList<>()).add(value);
                    else p.values.put(f.name(), value);
                }
            }
        }
        return p;
    }

    public boolean help() { return help; }

    public List<String> args() { return positional; }

    public boolean isSet(String name) { return set.contains(name); }

    public boolean bool(String name) { return Boolean.parseBoolean(values.get(name)); }

    /** A boolean flag that was given (true or false), or null. */
    public Boolean optionalBool(String name) { return isSet(name) ? bool(name) : null; }

    public String string(String name) { return values.get(name); }

    public String string(String name, String dflt) { return values.getOrDefault(name, dflt); }

    public List<String> list(String name) { return lists.getOrDefault(name, List.of()); }

    /** An integer flag; the error is Go's flag package wording. */
    public int integer(String name, int dflt) throws BadFlag {
        String v = values.get(name);
        if (v == null) return dflt;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new BadFlag("invalid value \"" + v + "\" for flag -" + name + ": parse error");
        }
    }
}
