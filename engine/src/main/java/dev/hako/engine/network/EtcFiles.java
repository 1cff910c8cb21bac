package dev.hako.engine.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The contents of a container's /etc/hosts and /etc/resolv.conf, as docker writes them. */
final class EtcFiles {
    static final String LOCALHOST = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            + "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";
    /** docker's fallback when the host has no resolver a container can reach */
    private static final List<String> FALLBACK = List.of("8.8.8.8", "8.8.4.4");

    private EtcFiles() {}

    /**
     * @param dns            --dns (replaces every nameserver)
     * @param search         --dns-search (replaces the host's search line)
     * @param options        --dns-option (replaces the host's options)
     * @param nameserver     the network's DNS responder, used when --dns is not given (null: the host's resolvers)
     * @param ownNetns       loopback resolvers of the host are unreachable from the container's netns: dropped
     */
    static String resolvConf(List<String> dns, List<String> search, List<String> options, String nameserver, boolean ownNetns) {
        return resolvConf(hostResolvConf(), dns, search, options, nameserver, ownNetns);
    }

    static String resolvConf(List<String> host, List<String> dns, List<String> search, List<String> options, String nameserver, boolean ownNetns) {
        List<String> servers = new ArrayList<>(), searches = new ArrayList<>(), opts = new ArrayList<>(), other = new ArrayList<>();
        for (String line : host) {
            String t = line.trim();
            String[] f = t.split("\\s+");
            if (f.length >= 2 && f[0].equals("nameserver")) {
                if (ownNetns && (f[1].startsWith("127.") || f[1].equals("::1"))) continue;
                servers.add(f[1]);
            } else if (f.length >= 2 && (f[0].equals("search") || f[0].equals("domain"))) {
                for (int i = 1; i < f.length; i++) searches.add(f[i]);
            } else if (f.length >= 2 && f[0].equals("options")) {
                for (int i = 1; i < f.length; i++) opts.add(f[i]);
            } else if (!t.isEmpty()) {
                other.add(line);
            }
        }
        if (!dns.isEmpty()) servers = new ArrayList<>(dns);
        else if (nameserver != null) servers = List.of(nameserver);
        else if (servers.isEmpty() && ownNetns) servers = FALLBACK;
        if (!search.isEmpty()) searches = search.equals(List.of(".")) ? List.of() : new ArrayList<>(search);
        if (!options.isEmpty()) opts = new ArrayList<>(options);
        StringBuilder b = new StringBuilder();
        for (String o : other) b.append(o).append('\n');
        for (String s : servers) b.append("nameserver ").append(s).append('\n');
        if (!searches.isEmpty()) b.append("search ").append(String.join(" ", searches)).append('\n');
        if (!opts.isEmpty()) b.append("options ").append(String.join(" ", opts)).append('\n');
        return b.toString();
    }

    private static List<String> hostResolvConf() {
        try {
            return Files.readAllLines(Path.of("/etc/resolv.conf"));
        } catch (IOException e) {
            return List.of();
        }
    }
}
