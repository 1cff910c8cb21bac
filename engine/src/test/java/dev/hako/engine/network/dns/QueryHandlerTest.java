package dev.hako.engine.network.dns;

import dev.hako.engine.network.dns.DnsMessage.Question;
import dev.hako.engine.network.dns.DnsMessage.Resource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class QueryHandlerTest {
    static final NetworkRecords NET = new NetworkRecords("front", "10.211.3.1", List.of())
            .with("10.211.3.1", "c1", List.of("Web", "0123456789ab", "www"), "10.211.3.5")
            .with("10.211.3.1", "c2", List.of("db", "www"), "10.211.3.6");
    static final QueryHandler.Names NAMES = QueryHandler.Names.of(List.of(NET));

    static byte[] query(int id, String name, int type, boolean edns) {
        List<Resource> add = edns ? List.of(new Resource("", DnsMessage.TYPE_OPT, 4096, 0, new byte[0])) : List.of();
        return new DnsMessage(id, DnsMessage.RD, List.of(new Question(name, type, 1)), List.of(), List.of(), add).encode();
    }

    static DnsMessage answer(byte[] q, boolean tcp) throws Exception {
        var out = QueryHandler.handle(q, q.length, NAMES, tcp);
        assertInstanceOf(QueryHandler.Reply.class, out);
        return DnsMessage.decode(((QueryHandler.Reply) out).bytes());
    }

    static List<String> addresses(DnsMessage m) {
        List<String> out = new ArrayList<>();
        for (Resource r : m.answers()) {
            assertEquals(DnsMessage.TYPE_A, r.type());
            byte[] a = r.rdata();
            out.add((a[0] & 0xFF) + "." + (a[1] & 0xFF) + "." + (a[2] & 0xFF) + "." + (a[3] & 0xFF));
        }
        return out;
    }

    @Test
    void answersKnownNamesCaseInsensitivelyWithAndWithoutTheDomain() throws Exception {
        for (String n : List.of("web", "WEB", "wEb.Dns.Hako", "0123456789ab", "web.dns.hako")) {
            DnsMessage m = answer(query(0x1234, n, DnsMessage.TYPE_A, false), false);
            assertEquals(0x1234, m.id());
            assertTrue(m.isResponse());
            assertEquals(DnsMessage.NOERROR, m.rcode());
            assertNotEquals(0, m.flags() & DnsMessage.AA);
            assertNotEquals(0, m.flags() & DnsMessage.RD, "RD echoed");
            assertEquals(n, m.questions().getFirst().name(), "question echoed as asked (0x20 case kept)");
            assertEquals(List.of("10.211.3.5"), addresses(m), n);
        }
        Set<List<String>> orders = new java.util.HashSet<>();
        for (int i = 0; i < 64; i++) {
            List<String> got = addresses(answer(query(1, "www", DnsMessage.TYPE_A, false), false));
            assertEquals(Set.of("10.211.3.5", "10.211.3.6"), Set.copyOf(got), "an alias shared by two containers has both addresses");
            orders.add(got);
        }
        assertEquals(2, orders.size(), "round-robin: both orders show up");
        assertEquals(List.of("10.211.3.6"), addresses(answer(query(1, "db", DnsMessage.TYPE_ANY, false), false)));
    }

    @Test
    void aaaaOfAnIpv4OnlyNameIsNoErrorWithoutAnswers() throws Exception {
        DnsMessage m = answer(query(9, "web", DnsMessage.TYPE_AAAA, false), false);
        assertEquals(DnsMessage.NOERROR, m.rcode());
        assertTrue(m.answers().isEmpty());
        DnsMessage mx = answer(query(9, "web", DnsMessage.TYPE_MX, false), false);
        assertEquals(DnsMessage.NOERROR, mx.rcode());
        assertTrue(mx.answers().isEmpty());
    }

    @Test
    void ptrForContainerAddressesOthersForwarded() throws Exception {
        DnsMessage m = answer(query(5, "5.3.211.10.in-addr.arpa", DnsMessage.TYPE_PTR, false), false);
        assertEquals(1, m.answers().size());
        assertEquals("web", DnsMessage.rdataName(m.answers().getFirst().rdata()));
        byte[] other = query(5, "1.1.168.192.in-addr.arpa", DnsMessage.TYPE_PTR, false);
        assertInstanceOf(QueryHandler.Forward.class, QueryHandler.handle(other, other.length, NAMES, false));
    }

    @Test
    void unknownNamesGoUpstreamButNotInOurDomain() throws Exception {
        byte[] q = query(5, "example.com", DnsMessage.TYPE_A, false);
        assertInstanceOf(QueryHandler.Forward.class, QueryHandler.handle(q, q.length, NAMES, false));
        byte[] bare = query(5, "nothere", DnsMessage.TYPE_A, false);
        assertInstanceOf(QueryHandler.Forward.class, QueryHandler.handle(bare, bare.length, NAMES, false));
        DnsMessage m = answer(query(5, "nothere.dns.hako", DnsMessage.TYPE_A, false), false);
        assertEquals(DnsMessage.NXDOMAIN, m.rcode());
        byte[] other = query(5, "web", DnsMessage.TYPE_A, false);
        assertInstanceOf(QueryHandler.Forward.class, QueryHandler.handle(other, other.length, QueryHandler.Names.EMPTY, false),
                "another network's listen address does not know these names");
    }

    @Test
    void internalNetworksDoNotForward() throws Exception {
        NetworkRecords internal = NetworkRecords.parse("back", NET.withForward(false).format());
        assertFalse(internal.forward(), "\"forward no\" survives the records file");
        var names = QueryHandler.Names.of(List.of(internal));
        byte[] q = query(11, "example.com", DnsMessage.TYPE_A, false);
        var out = QueryHandler.handle(q, q.length, names, false);
        assertEquals(DnsMessage.SERVFAIL, DnsMessage.decode(((QueryHandler.Reply) out).bytes()).rcode());
        byte[] ptr = query(12, "1.1.168.192.in-addr.arpa", DnsMessage.TYPE_PTR, false);
        assertInstanceOf(QueryHandler.Reply.class, QueryHandler.handle(ptr, ptr.length, names, false));
        byte[] web = query(13, "web", DnsMessage.TYPE_A, false);
        var known = DnsMessage.decode(((QueryHandler.Reply) QueryHandler.handle(web, web.length, names, false)).bytes());
        assertEquals(List.of("10.211.3.5"), addresses(known));
    }

    @Test
    void largeAnswersAreTruncatedOnUdpOnly() throws Exception {
        NetworkRecords big = new NetworkRecords("big", "10.211.4.1", List.of());
        for (int i = 0; i < 60; i++) big = big.with("10.211.4.1", "c" + i, List.of("c" + i, "pool"), "10.211.4." + (i + 2));
        var names = QueryHandler.Names.of(List.of(big));
        byte[] q = query(77, "pool", DnsMessage.TYPE_A, false);
        var udp = DnsMessage.decode(((QueryHandler.Reply) QueryHandler.handle(q, q.length, names, false)).bytes());
        assertNotEquals(0, udp.flags() & DnsMessage.TC);
        assertTrue(udp.answers().isEmpty());
        byte[] udpBytes = ((QueryHandler.Reply) QueryHandler.handle(q, q.length, names, false)).bytes();
        assertTrue(udpBytes.length <= 512);
        var tcp = DnsMessage.decode(((QueryHandler.Reply) QueryHandler.handle(q, q.length, names, true)).bytes());
        assertEquals(0, tcp.flags() & DnsMessage.TC);
        assertEquals(60, tcp.answers().size());
        // with EDNS (4096 asked, we cap at 1232) 60 A records (16 bytes each, compressed) fit
        byte[] qe = query(78, "pool", DnsMessage.TYPE_A, true);
        var edns = DnsMessage.decode(((QueryHandler.Reply) QueryHandler.handle(qe, qe.length, names, false)).bytes());
        assertEquals(0, edns.flags() & DnsMessage.TC);
        assertEquals(60, edns.answers().size());
        assertNotNull(edns.opt(), "an EDNS query gets an OPT back");
        assertEquals(QueryHandler.UDP_EDNS_MAX, edns.opt().rclass());
    }

    @Test
    void badQueriesGetFormErrNotImpOrNothing() throws Exception {
        byte[] twoQuestions = new DnsMessage(3, 0, List.of(new Question("web", 1, 1), new Question("db", 1, 1)),
                List.of(), List.of(), List.of()).encode();
        assertEquals(DnsMessage.FORMERR, answer(twoQuestions, false).rcode());
        byte[] noQuestion = new DnsMessage(3, 0, List.of(), List.of(), List.of(), List.of()).encode();
        assertEquals(DnsMessage.FORMERR, answer(noQuestion, false).rcode());
        byte[] update = new DnsMessage(3, 5 << 11, List.of(new Question("web", 1, 1)), List.of(), List.of(), List.of()).encode();
        assertEquals(DnsMessage.NOTIMP, answer(update, false).rcode());
        byte[] garbage = DnsMessageTest.hex("abcd 0100 0001 0000 0000 0000 03776562");
        DnsMessage fe = answer(garbage, false);
        assertEquals(DnsMessage.FORMERR, fe.rcode());
        assertEquals(0xabcd, fe.id());
        byte[] response = DnsMessageTest.hex("abcd 8100 0000 0000 0000 0000");
        assertInstanceOf(QueryHandler.Drop.class, QueryHandler.handle(response, response.length, NAMES, false), "responses are never answered (no loops)");
        assertInstanceOf(QueryHandler.Drop.class, QueryHandler.handle(new byte[5], 5, NAMES, false));
    }

    @Test
    void servfailKeepsIdAndQuestion() throws Exception {
        byte[] q = query(0x4242, "example.com", DnsMessage.TYPE_A, false);
        DnsMessage m = DnsMessage.decode(QueryHandler.servfail(q, q.length, false));
        assertEquals(0x4242, m.id());
        assertEquals(DnsMessage.SERVFAIL, m.rcode());
        assertEquals("example.com", m.questions().getFirst().name());
    }

    @Test
    void reverseNames() {
        assertEquals("10.211.3.5", QueryHandler.reverseIpv4("5.3.211.10.in-addr.arpa"));
        assertNull(QueryHandler.reverseIpv4("3.211.10.in-addr.arpa"));
        assertNull(QueryHandler.reverseIpv4("256.3.211.10.in-addr.arpa"));
        assertNull(QueryHandler.reverseIpv4("05.3.211.10.in-addr.arpa"));
        assertNull(QueryHandler.reverseIpv4("x.3.211.10.in-addr.arpa"));
    }

    @Test
    void recordsRoundTripAndValidate() {
        NetworkRecords back = NetworkRecords.parse("front", NET.format());
        assertEquals(NET, back);
        assertEquals(List.of("web", "0123456789ab", "www"), back.entries().getFirst().names(), "names stored lower-case");
        assertEquals(1, NET.without("c2").entries().size());
        assertEquals(List.of("10.211.3.9"), NET.with("10.211.3.1", "c2", List.of("db"), "10.211.3.9").byName().get("db"),
                "registering again replaces the container's entry");
        assertThrows(IllegalArgumentException.class, () -> NetworkRecords.ipv4("x", "10.0.0"));
        assertThrows(IllegalArgumentException.class, () -> NetworkRecords.ipv4("x", "::1"));
        assertThrows(IllegalArgumentException.class, () -> NetworkRecords.ipv4("x", "example.com"));
        assertThrows(IllegalArgumentException.class, () -> NetworkRecords.dnsName("has space"));
        assertThrows(IllegalArgumentException.class, () -> NetworkRecords.dnsName("a".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> NetworkRecords.checkNetwork("../etc"));
        assertThrows(IllegalArgumentException.class, () -> NetworkRecords.checkNetwork("_lock"));
    }

    @Test
    void upstreamsFromResolvConf() {
        var u = Upstreams.parse("""
                # comment
                search example.org
                nameserver 10.211.3.1
                nameserver 127.0.0.53
                nameserver 2001:db8::1
                nameserver 192.0.2.9#5353
                nameserver 9.9.9.9
                options ndots:2
                """, Set.of("10.211.3.1"), 1000);
        assertEquals(List.of("127.0.0.53:53", "[2001:db8::1]:53"),
                u.servers().stream().map(a -> a.getAddress().getHostAddress().contains(":")
                        ? "[" + a.getAddress().getHostAddress().replace(":0:0:0:0:0:", "::") + "]:" + a.getPort()
                        : a.getAddress().getHostAddress() + ":" + a.getPort()).toList(),
                "at most 3 nameservers as glibc, our own listen address skipped");
        assertEquals(List.of("127.0.0.1"), Upstreams.parse("search x\n", Set.of(), 1000).servers().stream()
                .map(a -> a.getAddress().getHostAddress()).toList(), "none named: 127.0.0.1 as glibc");
        assertEquals(5353, Upstreams.parse("nameserver 192.0.2.9#5353\n", Set.of(), 1000).servers().getFirst().getPort());
    }
}
