package dev.hako.engine.network.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The names of one network as stored in {@code <runRoot>/dns/<network>/records}: the responder's listen address
 * and, per container, its IPv4 address and names. A line format, so the responder needs no JSON library:
 * <pre>
 * listen 10.211.3.1
 * forward no                (only for internal networks: unknown names are not sent upstream)
 * container &lt;id&gt; 10.211.3.5 web 0123456789ab webalias
 * </pre>
 */
public record NetworkRecords(String network, String listenIp, boolean forward, List<Entry> entries) {
    static final String FILE = "records";
    private static final Pattern NETWORK = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]+"); // printable, no spaces

    /** One container on the network; names are lower-case (DNS compares case-insensitively). */
    public record Entry(String containerId, String ipv4, List<String> names) {
        public Entry {
            names = List.copyOf(names);
        }
    }

    public NetworkRecords {
        entries = List.copyOf(entries);
    }

    public NetworkRecords(String network, String listenIp, List<Entry> entries) { this(network, listenIp, true, entries); }

    NetworkRecords withForward(boolean forward) { return new NetworkRecords(network, listenIp, forward, entries); }

    static void checkNetwork(String network) {
        if (network == null || !NETWORK.matcher(network).matches() || network.length() > 128)
            throw new IllegalArgumentException("invalid network name for DNS: \"" + network + "\"");
    }

    static void checkToken(String what, String value) {
        if (value == null || !TOKEN.matcher(value).matches())
            throw new IllegalArgumentException("invalid " + what + " for DNS: \"" + value + "\"");
    }

    /** A dotted IPv4 literal, checked without any name lookup. */
    static Inet4Address ipv4(String what, String literal) {
        try {
            if (literal != null && InetAddress.ofLiteral(literal) instanceof Inet4Address a && literal.equals(a.getHostAddress())) return a;
        } catch (IllegalArgumentException ignored) {
            // fall through to our message
        }
        throw new IllegalArgumentException("invalid " + what + " (an IPv4 address is expected): \"" + literal + "\"");
    }

    /** A container name or alias as a DNS name: lower-case, labels 1..63 bytes, no spaces. */
    static String dnsName(String name) {
        checkToken("container name or alias", name);
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) n = n.substring(0, n.length() - 1);
        try {
            DnsMessage.encodeName(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid container name or alias for DNS: \"" + name + "\": " + e.getMessage());
        }
        if (n.isEmpty()) throw new IllegalArgumentException("invalid container name or alias for DNS: \"" + name + "\"");
        return n;
    }

    NetworkRecords with(String listen, String containerId, List<String> names, String ip) {
        List<String> clean = new ArrayList<>();
        for (String n : names) {
            String d = dnsName(n);
            if (!clean.contains(d)) clean.add(d);
        }
        List<Entry> next = new ArrayList<>();
        for (Entry e : entries) if (!e.containerId().equals(containerId)) next.add(e);
        next.add(new Entry(containerId, ip, clean));
        return new NetworkRecords(network, listen, forward, next);
    }

    NetworkRecords without(String containerId) {
        List<Entry> next = new ArrayList<>();
        for (Entry e : entries) if (!e.containerId().equals(containerId)) next.add(e);
        return new NetworkRecords(network, listenIp, forward, next);
    }

    String format() {
        var sb = new StringBuilder("listen ").append(listenIp).append('\n');
        if (!forward) sb.append("forward no\n");
        for (Entry e : entries) {
            sb.append("container ").append(e.containerId()).append(' ').append(e.ipv4());
            for (String n : e.names()) sb.append(' ').append(n);
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Parses a records file; lines it can't read are skipped (the file is ours and written atomically). */
    static NetworkRecords parse(String network, String text) {
        String listen = null;
        boolean forward = true;
        List<Entry> entries = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && f[0].equals("listen")) listen = f[1];
            else if (f.length == 2 && f[0].equals("forward")) forward = !f[1].equals("no");
            else if (f.length >= 3 && f[0].equals("container"))
                entries.add(new Entry(f[1], f[2], List.of(f).subList(3, f.length)));
        }
        return new NetworkRecords(network, listen, forward, entries);
    }

    /** name → addresses and address → names, for answering queries. */
    Map<String, List<String>> byName() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (Entry e : entries) for (String n : e.names()) m.computeIfAbsent(n, _ -> new ArrayList<>()).add(e.ipv4());
        return m;
    }
}
