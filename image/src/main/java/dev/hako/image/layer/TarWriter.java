package dev.hako.image.layer;

import dev.hako.kernel.fs.Fs;
import dev.hako.kernel.fs.RootedDir;
import dev.hako.kernel.fs.Stat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A streaming POSIX pax tar writer: ustar headers, plus a pax header when a name, link, id, size or time does
 * not fit, and for xattrs (SCHILY.xattr.NAME with raw binary values, as GNU tar and Go's archive/tar write them).
 */
public final class TarWriter implements AutoCloseable {
    /** What to write. {@code type} is the tar typeflag ('0', '1', '2', '3', '4', '5', '6'). */
    public record Header(String name, char type, String linkName, int mode, long uid, long gid, long size,
                         long mtimeSec, int mtimeNsec, int devMajor, int devMinor, Map<String, byte[]> xattrs) {
        public Header {
            if (linkName == null) linkName = "";
            xattrs = xattrs == null ? Map.of() : xattrs;
        }

        public static Header file(String name, int mode, long size) {
            return new Header(name, '0', "", mode, 0, 0, size, 0, 0, 0, 0, Map.of());
        }

        /** An entry as lstat saw the file: mode bits, numeric owner, mtime and device numbers. */
        public static Header of(String name, char type, String linkName, Stat st, long size, Map<String, byte[]> xattrs) {
            return new Header(name, type, linkName, st.perms(), Integer.toUnsignedLong(st.uid()),
                    Integer.toUnsignedLong(st.gid()), size, st.mtimeSec(), st.mtimeNsec(), st.rdevMajor(), st.rdevMinor(),
                    xattrs);
        }
    }

    private static final byte[] ZERO = new byte[TarReader.BLOCK];
    private final OutputStream out;
    private long remaining, written;
    private boolean finished;

    public TarWriter(OutputStream out) { this.out = out; }

    public void add(Header h) throws IOException {
        if (remaining != 0) throw new IOException("tar: previous entry is " + remaining + " bytes short");
        pad();
        Map<String, byte[]> pax = new LinkedHashMap<>();
        byte[] name = h.name().getBytes(StandardCharsets.UTF_8);
        byte[] link = h.linkName().getBytes(StandardCharsets.UTF_8);
        String prefix = "", shortName = h.name();
        if (name.length > 100) {
            int split = splitPoint(h.name());
            if (split > 0) {
                prefix = h.name().substring(0, split);
                shortName = h.name().substring(split + 1);
            } else {
                pax.put("path", name);
                shortName = ascii(h.name(), 100);
            }
        }
        if (link.length > 100) pax.put("linkpath", link);
        if (h.uid() > 07777777 || h.uid() < 0) pax.put("uid", bytes(Long.toString(h.uid())));
        if (h.gid() > 07777777 || h.gid() < 0) pax.put("gid", bytes(Long.toString(h.gid())));
        if (h.size() > 077777777777L) pax.put("size", bytes(Long.toString(h.size())));
        if (h.mtimeNsec() != 0 || h.mtimeSec() < 0 || h.mtimeSec() > 077777777777L)
            pax.put("mtime", bytes(java.math.BigDecimal.valueOf(h.mtimeSec())
                    .add(java.math.BigDecimal.valueOf(h.mtimeNsec(), 9)).stripTrailingZeros().toPlainString()));
        for (Map.Entry<String, byte[]> x : h.xattrs().entrySet()) pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
        if (!pax.isEmpty()) {
            byte[] records = paxRecords(pax);
            byte[] hdr = header("PaxHeaders/" + ascii(lastPart(h.name()), 80), "", 'x', 0644, 0, 0, records.length,
                    Math.max(0, Math.min(h.mtimeSec(), 077777777777L)), 0, 0, "");
            out.write(hdr);
            out.write(records);
            written += hdr.length + records.length;
            pad();
        }
        byte[] hdr = header(shortName, pax.containsKey("linkpath") ? ascii(h.linkName(), 100) : h.linkName(), h.type(),
                h.mode(), Math.min(Math.max(h.uid(), 0), 07777777), Math.min(Math.max(h.gid(), 0), 07777777),
                Math.min(h.size(), 077777777777L), Math.max(0, Math.min(h.mtimeSec(), 077777777777L)),
                h.devMajor(), h.devMinor(), prefix);
        out.write(hdr);
        written += hdr.length;
        remaining = h.size();
    }

    /**
     * The current entry's content from {@code root}'s regular file {@code rel}, read without following symlinks:
     * exactly {@code size} bytes (the header's); a file that shrank meanwhile is zero-padded. {@code buf} (native)
     * and {@code heap} are the caller's reusable buffers.
     */
    public void content(RootedDir root, String rel, long size, MemorySegment buf, byte[] heap) throws IOException {
        int fd = root.openNoFollow(rel, Fs.O_RDONLY);
        try {
            long chunk = Math.min(buf.byteSize(), heap.length);
            long left = size;
            while (left > 0) {
                long n = Fs.read(fd, buf, Math.min(chunk, left), root.describe(rel));
                if (n == 0) break;
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, heap, 0, (int) n);
                write(heap, 0, (int) n);
                left -= n;
            }
            Arrays.fill(heap, (byte) 0);
            while (left > 0) {
                int n = (int) Math.min(heap.length, left);
                write(heap, 0, n);
                left -= n;
            }
        } finally {
            Fs.close(fd);
        }
    }

    public void write(byte[] b, int off, int len) throws IOException {
        if (len > remaining) throw new IOException("tar: writing " + len + " bytes, entry has " + remaining + " left");
        out.write(b, off, len);
        remaining -= len;
        written += len;
    }

    /** Writes the end-of-archive marker (two zero blocks). Does not close the underlying stream. */
    public void finish() throws IOException {
        if (finished) return;
        if (remaining != 0) throw new IOException("tar: last entry is " + remaining + " bytes short");
        pad();
        out.write(ZERO);
        out.write(ZERO);
        written += 2 * TarReader.BLOCK;
        out.flush();
        finished = true;
    }

    @Override
    public void close() throws IOException { finish(); }

    private void pad() throws IOException {
        int p = (int) ((TarReader.BLOCK - written % TarReader.BLOCK) % TarReader.BLOCK);
        if (p > 0) { out.write(ZERO, 0, p); written += p; }
    }

    private static int splitPoint(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length > 256 || b.length != name.length()) return -1; // only split plain ASCII names
        for (int i = Math.min(155, name.length() - 1); i > 0; i--)
            if (name.charAt(i) == '/' && name.length() - i - 1 <= 100 && name.length() - i - 1 > 0) return i;
        return -1;
    }

    private static String lastPart(String name) {
        String n = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        return n.substring(n.lastIndexOf('/') + 1);
    }

    private static String ascii(String s, int max) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) if (c >= 0x20 && c < 0x7f && sb.length() < max) sb.append(c);
        return sb.toString();
    }

    private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    private static byte[] paxRecords(Map<String, byte[]> pax) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> e : pax.entrySet()) {
            byte[] key = bytes(e.getKey());
            int body = 1 + key.length + 1 + e.getValue().length + 1; // ' ' key '=' value '\n'
            int len = body + Integer.toString(body).length();
            if (Integer.toString(len).length() != Integer.toString(body).length()) len++;
            b.writeBytes(bytes(Integer.toString(len)));
            b.write(' ');
            b.writeBytes(key);
            b.write('=');
            b.writeBytes(e.getValue());
            b.write('\n');
        }
        return b.toByteArray();
    }

    private static byte[] header(String name, String link, char type, int mode, long uid, long gid, long size,
                                 long mtime, int devMajor, int devMinor, String prefix) {
        byte[] h = new byte[TarReader.BLOCK];
        put(h, 0, 100, name);
        octal(h, 100, 8, mode & 07777);
        octal(h, 108, 8, uid);
        octal(h, 116, 8, gid);
        octal(h, 124, 12, size);
        octal(h, 136, 12, mtime);
        h[156] = (byte) type;
        put(h, 157, 100, link);
        put(h, 257, 6, "ustar");
        h[263] = '0';
        h[264] = '0';
        octal(h, 329, 8, devMajor);
        octal(h, 337, 8, devMinor);
        put(h, 345, 155, prefix);
        for (int i = 148; i < 156; i++) h[i] = ' ';
        long sum = 0;
        for (byte x : h) sum += x & 0xff;
        octal(h, 148, 7, sum);
        h[155] = ' ';
        return h;
    }

    private static void put(byte[] h, int off, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, off, Math.min(len, b.length));
    }

    /** Zero-padded octal with a trailing NUL, filling len bytes. */
    private static void octal(byte[] h, int off, int len, long v) {
        String s = Long.toOctalString(v);
        while (s.length() < len - 1) s = "0" + s;
        put(h, off, len - 1, s);
        h[off + len - 1] = 0;
    }
}
