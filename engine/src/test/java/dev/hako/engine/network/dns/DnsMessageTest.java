package dev.hako.engine.network.dns;

import dev.hako.engine.network.dns.DnsMessage.DnsFormatException;
import dev.hako.engine.network.dns.DnsMessage.Question;
import dev.hako.engine.network.dns.DnsMessage.Resource;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class DnsMessageTest {
    static byte[] hex(String s) { return HexFormat.of().parseHex(s.replace(" ", "")); }

    @Test
    void decodesAQueryAsDigSendsIt() throws Exception {
        // id 0xbeef, RD, 1 question: web.dns.hako A IN
        byte[] b = hex("beef 0100 0001 0000 0000 0000 03776562 03646e73 0468616b6f 00 0001 0001");
        DnsMessage m = DnsMessage.decode(b);
        assertEquals(0xbeef, m.id());
        assertFalse(m.isResponse());
        assertEquals(0, m.opcode());
        assertEquals(List.of(new Question("web.dns.hako", 1, 1)), m.questions());
        assertArrayEquals(b, m.encode(), "re-encoding gives the same bytes");
    }

    @Test
    void followsCompressionPointersBackwards() throws Exception {
        // q1: web.dns.hako; q2: "db" + pointer to dns.hako (offset 16); q3: a pointer to the whole first name (12)
        byte[] b = hex("0001 0000 0003 0000 0000 0000"
                + "03776562 03646e73 0468616b6f 00 0001 0001"
                + "026462 c010 0001 0001"
                + "c00c 001c 0001");
        DnsMessage m = DnsMessage.decode(b);
        assertEquals(List.of(new Question("web.dns.hako", 1, 1), new Question("db.dns.hako", 1, 1),
                new Question("web.dns.hako", 28, 1)), m.questions());
    }

    @Test
    void rejectsPointerLoopsAndForwardPointers() {
        // a name that is a pointer to itself
        assertThrows(DnsFormatException.class, () -> DnsMessage.decode(hex("0001 0000 0001 0000 0000 0000 c00c 0001 0001")));
        // two labels then a pointer back into the same name (would loop)
        assertThrows(DnsFormatException.class, () -> DnsMessage.decode(hex("0001 0000 0001 0000 0000 0000 0161 0162 c00c 0001 0001")));
        // a pointer forward, past the name
        assertThrows(DnsFormatException.class, () -> DnsMessage.decode(hex("0001 0000 0001 0000 0000 0000 c020 0001 0001 0000 0000 0000 0000 0000 0000 0000 0000 00")));
    }

    @Test
    void rejectsMalformedPackets() {
        for (String bad : List.of(
                "",                                                     // empty
                "0001 0100 0001",                                       // header cut
                "0001 0100 0001 0000 0000 0000",                        // question promised, none there
                "0001 0100 0001 0000 0000 0000 0377 65",                // label cut
                "0001 0100 0001 0000 0000 0000 03776562 00 0001",       // qclass cut
                "0001 0100 0001 0000 0000 0000 4061 00 0001 0001",      // extended label type 0x40
                "0001 0100 0001 0000 0000 0000 03612e62 00 0001 0001",  // a dot inside a label
                "0001 8180 0000 0001 0000 0000 00 0001 0001 0000000a 0010 01020304" // rdlength past the end
        )) {
            assertThrows(DnsFormatException.class, () -> DnsMessage.decode(hex(bad)), bad);
        }
        // a label over 63 bytes can't be expressed (0x40.. is a label type), a name over 255 bytes can:
        var sb = new StringBuilder("0001 0100 0001 0000 0000 0000");
        for (int i = 0; i < 5; i++) sb.append(" 3f").append("61".repeat(63));
        sb.append(" 00 0001 0001");
        assertThrows(DnsFormatException.class, () -> DnsMessage.decode(hex(sb.toString())));
    }

    @Test
    void randomGarbageOnlyEverThrowsFormatErrors() {
        var rnd = new Random(42);
        byte[] valid = hex("beef 0100 0001 0000 0000 0001 03776562 03646e73 0468616b6f 00 0001 0001 00 0029 1000 00000000 0000");
        for (int i = 0; i < 20_000; i++) {
            byte[] b;
            if (i % 2 == 0) {
                b = new byte[rnd.nextInt(80)];
                rnd.nextBytes(b);
            } else { // flip a few bytes of a valid query: deeper into the parser
                b = valid.clone();
                for (int k = 0; k < 3; k++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            try {
                DnsMessage.decode(b);
            } catch (DnsFormatException expected) {
                // fine
            }
        }
    }

    @Test
    void encodesAnswersWithCompressionAndPtrNames() throws Exception {
        var a = new Resource("web", DnsMessage.TYPE_A, 1, 10, new byte[]{10, 0, 0, 5});
        var ptr = new Resource("5.0.0.10.in-addr.arpa", DnsMessage.TYPE_PTR, 1, 10, DnsMessage.encodeName("web"));
        var m = new DnsMessage(7, DnsMessage.QR | DnsMessage.AA, List.of(new Question("web", 1, 1)), List.of(a, a), List.of(), List.of(ptr));
        byte[] b = m.encode();
        // the answers' owner name is a pointer to the question's (offset 12)
        assertEquals((byte) 0xC0, b[12 + 5 + 4]);
        assertEquals(12, b[12 + 5 + 4 + 1]);
        DnsMessage back = DnsMessage.decode(b);
        assertEquals("web", back.answers().get(1).name());
        assertArrayEquals(new byte[]{10, 0, 0, 5}, back.answers().get(0).rdata());
        assertEquals("web", DnsMessage.rdataName(back.additionals().getFirst().rdata()));
    }

    @Test
    void decodesCompressedPtrRdataFromAnUpstreamAnswer() throws Exception {
        // answer for 1.2.3.4.in-addr.arpa PTR → host.in-addr.arpa where "in-addr.arpa" in rdata is a pointer
        byte[] b = hex("0002 8180 0001 0001 0000 0000"
                + "0131 0132 0133 0134 07696e2d61646472 0461727061 00 000c 0001" // question at 12; in-addr at 20
                + "c00c 000c 0001 0000003c 0007 04686f7374 c014");
        DnsMessage m = DnsMessage.decode(b);
        assertEquals("host.in-addr.arpa", DnsMessage.rdataName(m.answers().getFirst().rdata()));
    }

    @Test
    void keepsEdnsOptRecord() throws Exception {
        byte[] b = hex("beef 0100 0001 0000 0000 0001 03776562 00 0001 0001 00 0029 1000 00000000 0000");
        DnsMessage m = DnsMessage.decode(b);
        assertNotNull(m.opt());
        assertEquals(4096, m.opt().rclass(), "the OPT's class is the client's UDP payload size");
    }

    @Test
    void encodeNameRejectsBadLabels() {
        assertThrows(IllegalArgumentException.class, () -> DnsMessage.encodeName("a..b"));
        assertThrows(IllegalArgumentException.class, () -> DnsMessage.encodeName("x".repeat(64)));
        assertEquals(1, DnsMessage.encodeName("").length);
    }
}
