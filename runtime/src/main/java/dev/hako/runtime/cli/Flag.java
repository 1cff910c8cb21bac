package dev.hako.runtime.cli;

/**
 * One command-line flag, as urfave/cli (runc's CLI library) declares them: a long name, an optional short
 * alias, a kind, and the help text (with runc's "(default: x)" suffix where runc shows one).
 */
public record Flag(String name, String alias, Kind kind, String help) {
    public enum Kind { BOOL, STRING, LIST }

    public static Flag bool(String name, String alias, String help) { return new Flag(name, alias, Kind.BOOL, help); }

    public static Flag string(String name, String alias, String help) { return new Flag(name, alias, Kind.STRING, help); }

    public static Flag list(String name, String alias, String help) { return new Flag(name, alias, Kind.LIST, help); }

    public boolean takesValue() { return kind != Kind.BOOL; }

    public boolean matches(String n) { return n.equals(name) || n.equals(alias); }

    /** "--bundle value, -b value" as urfave prints it. */
    String synopsis() {
        String v = takesValue() ? " value" : "";
        String s = (name.length() == 1 ? "-" : "--") + name + v;
        if (alias != null) s += ", " + (alias.length() == 1 ? "-" : "--") + alias + v;
        return s;
    }
}
