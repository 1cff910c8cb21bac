package dev.hako.engine.network;

/** An IPv4 address with a prefix length ("10.89.0.0/24"); the arithmetic subnet allocation and overlap checks need. */
public record Ipv4Cidr(int address, int prefix) {
    public Ipv4Cidr {
        if (prefix < 0 || prefix > 32) throw new IllegalArgumentException("invalid prefix length /" + prefix);
    }

    /** "a.b.c.d/n" or, with {@code defaultPrefix} >= 0, a bare "a.b.c.d". */
    public static Ipv4Cidr parse(String text, int defaultPrefix) {
        String t = text.trim();
        int slash = t.indexOf('/');
        int prefix = defaultPrefix;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid CIDR address: " + text);
            }
            t = t.substring(0, slash);
        } else if (defaultPrefix < 0) {
            throw new IllegalArgumentException("invalid CIDR address: " + text);
        }
        if (prefix < 0 || prefix > 32) throw new IllegalArgumentException("invalid CIDR address: " + text);
        return new Ipv4Cidr(parseAddress(t, text), prefix);
    }

    public static Ipv4Cidr parse(String text) { return parse(text, -1); }

    public static int parseAddress(String t, String shown) {
        String[] p = t.split("\\.", -1);
        if (p.length != 4) throw new IllegalArgumentException("invalid IPv4 address: " + shown);
        int a = 0;
        for (String s : p) {
            if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(Character::isDigit)) throw new IllegalArgumentException("invalid IPv4 address: " + shown);
            int v = Integer.parseInt(s);
            if (v > 255) throw new IllegalArgumentException("invalid IPv4 address: " + shown);
            a = (a << 8) | v;
        }
        return a;
    }

    public static String format(int a) {
        return ((a >>> 24) & 255) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
    }

    public int mask() { return prefix == 0 ? 0 : -1 << (32 - prefix); }

    /** The network address (host bits cleared). */
    public Ipv4Cidr network() { return new Ipv4Cidr(address & mask(), prefix); }

    public boolean contains(int ip) { return (ip & mask()) == (address & mask()); }

    public boolean contains(Ipv4Cidr other) { return other.prefix >= prefix && contains(other.address); }

    public boolean overlaps(Ipv4Cidr other) {
        int p = Math.min(prefix, other.prefix);
        int m = p == 0 ? 0 : -1 << (32 - p);
        return (address & m) == (other.address & m);
    }

    /** The n-th address of the network (1: the first host, docker's default gateway). */
    public int host(int n) { return (address & mask()) + n; }

    /** The last usable host address (before broadcast). */
    public int lastHost() { return (address | ~mask()) - 1; }

    public String ip() { return format(address); }

    @Override
    public String toString() { return format(address) + "/" + prefix; }
}
