package dev.hako.engine.network.dns;

import dev.hako.engine.network.dns.DnsMessage.DnsFormatException;
import dev.hako.engine.network.dns.DnsMessage.Question;
import dev.hako.engine.network.dns.DnsMessage.Resource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides what to do with one query: answer from the network's names, forward it upstream, or drop it. Pure
 * logic, no I/O. Names are matched case-insensitively, bare or under {@link #DOMAIN}; an unknown name under
 * {@link #DOMAIN} is NXDOMAIN here, every other unknown name goes upstream (as docker's embedded DNS does).
 */
final class QueryHandler {
    /** The search domain the network's names also live under, as podman's "dns.podman". */
    static final String DOMAIN = "dns.hako";
    static final long TTL = 10; // short: containers come and go
    static final int UDP_PLAIN = 512, UDP_EDNS_MAX = 1232; // RFC 1035 limit; the DNS-flag-day EDNS size

    sealed interface Outcome permits Reply, Forward, Drop { }
    record Reply(byte[] bytes) implements Outcome { }
    record Forward() implements Outcome { }
    record Drop(String why) implements Outcome { }

    /** The names one listen address answers for (all networks sharing that address, normally one). */
    record Names(Map<String, List<String>> byName, Map<String, List<String>> byAddress, boolean forward) {
        static final Names EMPTY = new Names(Map.of(), Map.of(), true);

        static Names of(List<NetworkRecords> networks) {
            Map<String, List<String>> byName = new LinkedHashMap<>(), byAddr = new LinkedHashMap<>();
            boolean forward = true;
            for (NetworkRecords r : networks) {
                forward &= r.forward();
                r.byName().forEach((n, ips) -> byName.computeIfAbsent(n, _ -> new ArrayList<>()).addAll(ips));
                for (var e : r.entries()) byAddr.computeIfAbsent(e.ipv4(), _ -> new ArrayList<>()).addAll(e.names());
            }
            return new Names(byName, byAddr, forward);
        }
    }

    /**
     * What to do with a query; on a network that doesn't forward (internal, like docker's), what would go upstream
     * is answered SERVFAIL here: nothing leaves the host for it.
     */
    static Outcome handle(byte[] packet, int length, Names names, boolean tcp) {
        Outcome o = decide(packet, length, names, tcp);
        return o instanceof Forward && !names.forward() ? new Reply(servfail(packet, length, tcp)) : o;
    }

    private static Outcome decide(byte[] packet, int length, Names names, boolean tcp) {
        if (length < DnsMessage.HEADER) return new Drop("shorter than a header");
        if ((packet[2] & 0x80) != 0) return new Drop("a response, not a query");
        DnsMessage q;
        try {
            q = DnsMessage.decode(packet, length);
        } catch (DnsFormatException e) {
            int flags = DnsMessage.QR | DnsMessage.RA | (((packet[2] & 0xFF) << 8) & (DnsMessage.RD | 0x7800)) | DnsMessage.FORMERR;
            return new Reply(new DnsMessage(DnsMessage.peekId(packet, length), flags, List.of(), List.of(), List.of(), List.of()).encode());
        }
        if (q.opcode() != 0) return reply(q, DnsMessage.NOTIMP, false, List.of(), tcp);
        if (q.questions().size() != 1) return reply(q, DnsMessage.FORMERR, false, List.of(), tcp);
        Question question = q.questions().getFirst();
        if (question.qclass() != DnsMessage.CLASS_IN && question.qclass() != DnsMessage.CLASS_ANY) return new Forward();
        String name = question.name().toLowerCase(Locale.ROOT);

        if (question.type() == DnsMessage.TYPE_PTR) {
            String ip = reverseIpv4(name);
            List<String> owners = ip == null ? null : names.byAddress().get(ip);
            if (owners == null || owners.isEmpty()) return new Forward();
            // The first name is the container's own (the caller registers it first).
            var ptr = new Resource(question.name(), DnsMessage.TYPE_PTR, DnsMessage.CLASS_IN, TTL, DnsMessage.encodeName(owners.getFirst()));
            return reply(q, DnsMessage.NOERROR, true, List.of(ptr), tcp);
        }

        String local = name;
        boolean inDomain = false;
        if (local.equals(DOMAIN)) return reply(q, DnsMessage.NOERROR, true, List.of(), tcp);
        if (local.endsWith("." + DOMAIN)) {
            local = local.substring(0, local.length() - DOMAIN.length() - 1);
            inDomain = true;
        }
        List<String> addrs = names.byName().get(local);
        if (addrs == null || addrs.isEmpty())
            return inDomain ? reply(q, DnsMessage.NXDOMAIN, true, List.of(), tcp) : new Forward();
        List<Resource> answers = new ArrayList<>();
        if (question.type() == DnsMessage.TYPE_A || question.type() == DnsMessage.TYPE_ANY) {
            for (String a : addrs)
                answers.add(new Resource(question.name(), DnsMessage.TYPE_A, DnsMessage.CLASS_IN, TTL,
                        NetworkRecords.ipv4("address", a).getAddress()));
        }
        // An alias on several containers is DNS round-robin, as docker's: a fresh order per answer.
        if (answers.size() > 1) java.util.Collections.shuffle(answers);
        // AAAA and other types of a known name: the name exists, it has no such data (NOERROR, no answers).
        return reply(q, DnsMessage.NOERROR, true, answers, tcp);
    }

    /** The answer to {@code q}: its question echoed, an OPT if it had one, truncated (TC) if too big for UDP. */
    static Reply reply(DnsMessage q, int rcode, boolean authoritative, List<Resource> answers, boolean tcp) {
        int flags = DnsMessage.QR | DnsMessage.RA | (q.flags() & (DnsMessage.RD | 0x7800)) | (authoritative ? DnsMessage.AA : 0) | rcode;
        Resource clientOpt = q.opt();
        List<Resource> additional = clientOpt == null ? List.of()
                : List.of(new Resource("", DnsMessage.TYPE_OPT, UDP_EDNS_MAX, 0, new byte[0]));
        var full = new DnsMessage(q.id(), flags, q.questions(), answers, List.of(), additional);
        byte[] bytes = full.encode();
        if (!tcp) {
            int limit = clientOpt == null ? UDP_PLAIN : Math.max(UDP_PLAIN, Math.min(clientOpt.rclass(), UDP_EDNS_MAX));
            if (bytes.length > limit) {
                bytes = new DnsMessage(q.id(), flags | DnsMessage.TC, q.questions(), List.of(), List.of(), additional).encode();
            }
        }
        return new Reply(bytes);
    }

    /** SERVFAIL for a query we could not get answered upstream. */
    static byte[] servfail(byte[] packet, int length, boolean tcp) {
        try {
            return reply(DnsMessage.decode(packet, length), DnsMessage.SERVFAIL, false, List.of(), tcp).bytes();
        } catch (DnsFormatException e) {
            return new DnsMessage(DnsMessage.peekId(packet, length), DnsMessage.QR | DnsMessage.SERVFAIL, List.of(), List.of(), List.of(), List.of()).encode();
        }
    }

    /** "5.3.211.10.in-addr.arpa" → "10.211.3.5", or null. */
    static String reverseIpv4(String name) {
        String suffix = ".in-addr.arpa";
        if (!name.endsWith(suffix)) return null;
        String[] p = name.substring(0, name.length() - suffix.length()).split("\\.", -1);
        if (p.length != 4) return null;
        var sb = new StringBuilder();
        for (int i = 3; i >= 0; i--) {
            if (p[i].isEmpty() || p[i].length() > 3 || !p[i].chars().allMatch(Character::isDigit)) return null;
            int v = Integer.parseInt(p[i]);
            if (v > 255 || !String.valueOf(v).equals(p[i])) return null;
            sb.append(v);
            if (i > 0) sb.append('.');
        }
        return sb.toString();
    }
}
