package dev.hako.engine.network.dns;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A DNS message (RFC 1035 section 4) decoded from or encoded to wire format. Names are dotted strings without the
 * trailing dot ("" is the root); labels keep their case (clients may randomize it, RFC 5452 "0x20") and are read as
 * ISO-8859-1 so any byte survives. Decoding follows compression pointers only backwards, so a loop can't hang it;
 * anything malformed throws {@link DnsFormatException}. Encoding compresses owner names against earlier ones.
 */
public record DnsMessage(int id, int flags, List<Question> questions, List<Resource> answers,
                         List<Resource> authorities, List<Resource> additionals) {
    public static final int TYPE_A = 1, TYPE_NS = 2, TYPE_CNAME = 5, TYPE_SOA = 6, TYPE_PTR = 12, TYPE_MX = 15,
            TYPE_TXT = 16, TYPE_AAAA = 28, TYPE_SRV = 33, TYPE_OPT = 41, TYPE_ANY = 255;
    public static final int CLASS_IN = 1, CLASS_ANY = 255;
    public static final int QR = 0x8000, AA = 0x0400, TC = 0x0200, RD = 0x0100, RA = 0x0080;
    public static final int NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3, NOTIMP = 4, REFUSED = 5;
    static final int HEADER = 12, MAX_NAME = 255, MAX_LABEL = 63;

    public record Question(String name, int type, int qclass) { }

    /** A resource record; for PTR/CNAME/NS the rdata holds the name uncompressed, so it stands alone. */
    public record Resource(String name, int type, int rclass, long ttl, byte[] rdata) { }

    public DnsMessage {
        questions = List.copyOf(questions);
        answers = List.copyOf(answers);
        authorities = List.copyOf(authorities);
        additionals = List.copyOf(additionals);
    }

    public int opcode() { return (flags >> 11) & 0xF; }
    public int rcode() { return flags & 0xF; }
    public boolean isResponse() { return (flags & QR) != 0; }

    /** The EDNS0 OPT pseudo-record of the additional section, or null. */
    public Resource opt() {
        for (Resource r : additionals) if (r.type() == TYPE_OPT) return r;
        return null;
    }

    // ---- decoding

    public static DnsMessage decode(byte[] b, int length) throws DnsFormatException {
        if (length < HEADER) throw new DnsFormatException("message shorter than its 12-byte header: " + length);
        var r = new Reader(b, length);
        int id = r.u16(), flags = r.u16(), qd = r.u16(), an = r.u16(), ns = r.u16(), ar = r.u16();
        List<Question> qs = new ArrayList<>(Math.min(qd, 16));
        for (int i = 0; i < qd; i++) qs.add(new Question(r.name(), r.u16(), r.u16()));
        List<Resource> ans = r.resources(an), auth = r.resources(ns), add = r.resources(ar);
        // Trailing bytes are tolerated, like most resolvers do.
        return new DnsMessage(id, flags, qs, ans, auth, add);
    }

    public static DnsMessage decode(byte[] b) throws DnsFormatException { return decode(b, b.length); }

    /** The id of a message that may not decode, or -1 if too short to have one. */
    static int peekId(byte[] b, int length) { return length < 2 ? -1 : ((b[0] & 0xFF) << 8) | (b[1] & 0xFF); }

    private static final class Reader {
        private final byte[] b;
        private final int length;
        private int pos;

        Reader(byte[] b, int length) {
            if (length > b.length) throw new IllegalArgumentException("length " + length + " > buffer " + b.length);
            this.b = b;
            this.length = length;
        }

        int u8() throws DnsFormatException {
            if (pos >= length) throw new DnsFormatException("message truncated at byte " + pos);
            return b[pos++] & 0xFF;
        }

        int u16() throws DnsFormatException { return (u8() << 8) | u8(); }

        long u32() throws DnsFormatException { return ((long) u16() << 16) | u16(); }

        String name() throws DnsFormatException {
            int[] end = {-1};
            String n = nameAt(pos, end);
            pos = end[0];
            return n;
        }

        /** Reads the name at {@code at}; end[0] gets the offset after its in-place part (before any pointer). */
        String nameAt(int at, int[] end) throws DnsFormatException {
            var sb = new StringBuilder();
            int p = at, wire = 1, limit = at; // pointers must go strictly below every place visited so far
            while (true) {
                if (p >= length) throw new DnsFormatException("name runs past the end at byte " + p);
                int len = b[p] & 0xFF;
                if ((len & 0xC0) == 0xC0) {
                    if (p + 1 >= length) throw new DnsFormatException("compression pointer cut at byte " + p);
                    int target = ((len & 0x3F) << 8) | (b[p + 1] & 0xFF);
                    if (end[0] < 0) end[0] = p + 2;
                    if (target >= limit) throw new DnsFormatException("compression pointer at byte " + p + " does not point backwards (" + target + ")");
                    p = limit = target;
                    continue;
                }
                if ((len & 0xC0) != 0) throw new DnsFormatException("unsupported label type 0x" + Integer.toHexString(len) + " at byte " + p);
                if (len == 0) {
                    if (end[0] < 0) end[0] = p + 1;
                    return sb.toString();
                }
                if (p + 1 + len > length) throw new DnsFormatException("label runs past the end at byte " + p);
                wire += len + 1;
                if (wire > MAX_NAME) throw new DnsFormatException("name longer than 255 bytes");
                String label = new String(b, p + 1, len, StandardCharsets.ISO_8859_1);
                if (label.indexOf('.') >= 0) throw new DnsFormatException("label with a dot at byte " + p);
                if (!sb.isEmpty()) sb.append('.');
                sb.append(label);
                p += 1 + len;
            }
        }

        List<Resource> resources(int count) throws DnsFormatException {
            List<Resource> out = new ArrayList<>(Math.min(count, 16));
            for (int i = 0; i < count; i++) {
                String name = name();
                int type = u16(), cls = u16();
                long ttl = u32();
                int rdlen = u16();
                if (pos + rdlen > length) throw new DnsFormatException("rdata runs past the end at byte " + pos);
                byte[] rdata;
                if (type == TYPE_PTR || type == TYPE_CNAME || type == TYPE_NS) {
                    int[] end = {-1};
                    String target = nameAt(pos, end);
                    if (end[0] != pos + rdlen) throw new DnsFormatException("rdata length does not match its name at byte " + pos);
                    rdata = encodeName(target);
                } else {
                    rdata = java.util.Arrays.copyOfRange(b, pos, pos + rdlen);
                }
                pos += rdlen;
                out.add(new Resource(name, type, cls, ttl, rdata));
            }
            return out;
        }
    }

    // ---- encoding

    public byte[] encode() {
        var w = new Writer();
        w.u16(id);
        w.u16(flags);
        w.u16(questions.size());
        w.u16(answers.size());
        w.u16(authorities.size());
        w.u16(additionals.size());
        for (Question q : questions) {
            w.name(q.name());
            w.u16(q.type());
            w.u16(q.qclass());
        }
        for (List<Resource> section : List.of(answers, authorities, additionals)) {
            for (Resource r : section) {
                w.name(r.name());
                w.u16(r.type());
                w.u16(r.rclass());
                w.u32(r.ttl());
                w.u16(r.rdata().length);
                w.out.writeBytes(r.rdata());
            }
        }
        return w.out.toByteArray();
    }

    private static final class Writer {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        private final Map<String, Integer> offsets = new HashMap<>(); // lower-cased suffix -> where it was written

        void u16(int v) { out.write(v >> 8); out.write(v); }

        void u32(long v) { u16((int) (v >>> 16) & 0xFFFF); u16((int) v & 0xFFFF); }

        void name(String name) {
            String rest = name;
            while (!rest.isEmpty()) {
                Integer at = offsets.get(rest.toLowerCase(Locale.ROOT));
                if (at != null) {
                    u16(0xC000 | at);
                    return;
                }
                if (out.size() < 0x4000) offsets.put(rest.toLowerCase(Locale.ROOT), out.size());
                int dot = rest.indexOf('.');
                String label = dot < 0 ? rest : rest.substring(0, dot);
                writeLabel(out, label);
                rest = dot < 0 ? "" : rest.substring(dot + 1);
            }
            out.write(0);
        }
    }

    /** A name in uncompressed wire form, validated (labels 1..63 bytes, 255 in total). */
    public static byte[] encodeName(String name) {
        var out = new ByteArrayOutputStream(name.length() + 2);
        if (!name.isEmpty()) for (String label : name.split("\\.", -1)) writeLabel(out, label);
        out.write(0);
        if (out.size() > MAX_NAME) throw new IllegalArgumentException("DNS name longer than 255 bytes: " + name);
        return out.toByteArray();
    }

    private static void writeLabel(ByteArrayOutputStream out, String label) {
        byte[] l = label.getBytes(StandardCharsets.ISO_8859_1);
        if (l.length == 0 || l.length > MAX_LABEL)
            throw new IllegalArgumentException("DNS label must be 1..63 bytes: \"" + label + "\"");
        out.write(l.length);
        out.writeBytes(l);
    }

    /** The name in PTR/CNAME/NS rdata as {@link Resource} holds it (uncompressed). */
    public static String rdataName(byte[] rdata) throws DnsFormatException {
        return new Reader(rdata, rdata.length).name();
    }

    public static final class DnsFormatException extends Exception {
        public DnsFormatException(String message) { super(message); }
    }
}
