package dev.hako.image.layer;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A streaming tar reader for ustar, POSIX pax (local and global headers, SCHILY.xattr with raw binary values,
 * LIBARCHIVE.xattr), GNU long names/links and GNU sparse files (old GNU 'S' headers and pax sparse 0.0,
 * 0.1 and 1.0).
 *
 * <p>Our own rather than commons-compress because the latter decodes pax values as UTF-8 strings, which
 * destroys binary xattr values such as security.capability.
 */
public final class TarReader {
    public static final int BLOCK = 512;
    /** pax and GNU long-name payloads are held in memory; bound them. */
    private static final long MAX_META = 16L << 20;

    /** One member of the archive. {@code sparse} lists (offset, length) data segments, or is null. */
    public record Entry(String name, char type, String linkName, int mode, long uid, long gid,
                        long size, long realSize, long mtimeSec, int mtimeNsec, long atimeSec, int atimeNsec,
                        boolean hasAtime, int devMajor, int devMinor, Map<String, byte[]> xattrs, List<long[]> sparse) {
        public boolean isDirectory() { return type == '5' || type == 'D'; }
        public boolean isRegular() { return type == '0' || type == '\0' || type == '7' || type == 'S'; }
        public boolean isSymlink() { return type == '2'; }
        public boolean isHardlink() { return type == '1'; }
        public boolean isCharDevice() { return type == '3'; }
        public boolean isBlockDevice() { return type == '4'; }
        public boolean isFifo() { return type == '6'; }
        public boolean isSparse() { return sparse != null; }
    }

    private final InputStream in;
    private final byte[] block = new byte[BLOCK];
    private final Map<String, byte[]> global = new LinkedHashMap<>();
    private long remaining, padding, offset;
    private boolean eof;

    public TarReader(InputStream in) { this.in = in; }

    /** Bytes consumed from the underlying stream so far. */
    public long offset() { return offset; }

    /** The next entry, or null at the end-of-archive marker (or a clean end of stream). */
    public Entry next() throws IOException {
        if (eof) return null;
        skipFully(remaining + padding);
        remaining = padding = 0;
        List<String[]> pax = new ArrayList<>();
        Map<String, byte[]> paxRaw = new LinkedHashMap<>();
        String longName = null, longLink = null;
        while (true) {
            long headerAt = offset;
            if (!readBlock()) { eof = true; return null; }
            if (isZero(block)) { eof = true; return null; }
            verifyChecksum(headerAt);
            char type = (char) (block[156] & 0xff);
            long size = number(124, 12);
            switch (type) {
                case 'x', 'X' -> { parsePax(readMeta(size, "pax header"), pax, paxRaw); continue; }
                case 'g' -> {
                    List<String[]> g = new ArrayList<>();
                    parsePax(readMeta(size, "pax global header"), g, global);
                    continue;
                }
                case 'L' -> { longName = cstring(readMeta(size, "GNU long name")); continue; }
                case 'K' -> { longLink = cstring(readMeta(size, "GNU long link")); continue; }
                default -> { }
            }
            return entry(type, size, pax, paxRaw, longName, longLink, headerAt);
        }
    }

    private Entry entry(char type, long size, List<String[]> pax, Map<String, byte[]> paxRaw, String longName,
                        String longLink, long headerAt) throws IOException {
        boolean ustar = block[257] == 'u' && block[258] == 's' && block[259] == 't' && block[260] == 'a'
                && block[261] == 'r';
        boolean gnu = ustar && block[262] == ' ';
        String name = string(0, 100);
        if (ustar && !gnu && block[345] != 0) name = string(345, 155) + "/" + name;
        if (longName != null) name = longName;
        String link = longLink != null ? longLink : string(157, 100);
        int mode = (int) number(100, 8);
        long uid = number(108, 8), gid = number(116, 8);
        long mtime = number(136, 12);
        int mtimeNsec = 0;
        long atime = 0;
        int atimeNsec = 0;
        boolean hasAtime = false;
        if (gnu && block[345] != 0) { atime = number(345, 12); hasAtime = true; }
        int devMajor = ustar ? (int) number(329, 8) : 0, devMinor = ustar ? (int) number(337, 8) : 0;
        long realSize = size;
        List<long[]> sparse = null;

        if (type == 'S') { // old GNU sparse: map in the header and in extension blocks
            sparse = new ArrayList<>();
            readSparseMap(386, 4, sparse);
            boolean extended = block[482] != 0;
            realSize = number(483, 12);
            while (extended) {
                if (!readBlock()) throw new EOFException("tar: truncated GNU sparse header of " + name);
                readSparseMap(0, 21, sparse);
                extended = block[504] != 0;
            }
        }

        // pax overrides: global first, then local, in record order
        Map<String, byte[]> xattrs = new LinkedHashMap<>();
        List<String[]> all = new ArrayList<>();
        for (Map.Entry<String, byte[]> g : global.entrySet())
            all.add(new String[] {g.getKey(), new String(g.getValue(), StandardCharsets.UTF_8)});
        all.addAll(pax);
        String sparseName = null, sparseMap = null;
        long sparseRealSize = -1;
        int sparseMajor = -1;
        List<Long> sparse00 = new ArrayList<>();
        for (String[] kv : all) {
            String k = kv[0], v = kv[1];
            switch (k) {
                case "path" -> name = v;
                case "linkpath" -> link = v;
                case "size" -> size = parseLong(k, v);
                case "uid" -> uid = parseLong(k, v);
                case "gid" -> gid = parseLong(k, v);
                case "mtime" -> { BigDecimal t = parseTime(v); mtime = seconds(t); mtimeNsec = nanos(t); }
                case "atime" -> { BigDecimal t = parseTime(v); atime = seconds(t); atimeNsec = nanos(t); hasAtime = true; }
                case "GNU.sparse.name" -> sparseName = v;
                case "GNU.sparse.realsize", "GNU.sparse.size" -> sparseRealSize = parseLong(k, v);
                case "GNU.sparse.major" -> sparseMajor = (int) parseLong(k, v);
                case "GNU.sparse.map" -> sparseMap = v;
                case "GNU.sparse.offset", "GNU.sparse.numbytes" -> sparse00.add(parseLong(k, v));
                default -> {
                    if (k.startsWith("LIBARCHIVE.xattr.")) {
                        String xn = java.net.URLDecoder.decode(k.substring(17), StandardCharsets.UTF_8);
                        xattrs.put(xn, Base64.getDecoder().decode(v.trim()));
                    }
                }
            }
        }
        // SCHILY.xattr values are raw bytes: take them from the undecoded maps
        for (Map<String, byte[]> m : List.of(global, paxRaw))
            for (Map.Entry<String, byte[]> e : m.entrySet())
                if (e.getKey().startsWith("SCHILY.xattr.")) xattrs.put(e.getKey().substring(13), e.getValue());

        if (sparseName != null) name = sparseName;
        remaining = size;
        padding = (BLOCK - size % BLOCK) % BLOCK;
        if (sparseMajor == 1) { // pax sparse 1.0: decimal map at the start of the data
            sparse = readSparse10(name);
            realSize = sparseRealSize;
        } else if (sparseMap != null) { // 0.1
            sparse = pairs(sparseMap.isEmpty() ? List.of() : java.util.Arrays.stream(sparseMap.split(","))
                    .map(s -> parseLong("GNU.sparse.map", s)).toList(), name);
            realSize = sparseRealSize;
        } else if (!sparse00.isEmpty()) { // 0.0
            sparse = pairs(sparse00, name);
            realSize = sparseRealSize;
        } else if (type != 'S') {
            realSize = size;
        }
        if (sparse != null && realSize < 0) throw new IOException("tar: sparse entry " + name + " has no real size");
        if (sparse != null) {
            long total = 0;
            for (long[] s : sparse) {
                if (s[0] < 0 || s[1] < 0 || s[0] + s[1] > realSize)
                    throw new IOException("tar: sparse entry " + name + " has a segment outside its size");
                total += s[1];
            }
            if (total > remaining) throw new IOException("tar: sparse entry " + name + " has more map than data");
        }
        if (type == '1' || type == '2' || type == '3' || type == '4' || type == '5' || type == '6') {
            realSize = 0; // no file content; any data the header announces is skipped
        }
        if (size < 0) throw new IOException("tar: entry " + name + " at offset " + headerAt + " has a negative size");
        return new Entry(name, type, link, mode, uid, gid, size, realSize, mtime, mtimeNsec,
                hasAtime ? atime : mtime, hasAtime ? atimeNsec : mtimeNsec, hasAtime, devMajor, devMinor,
                xattrs, sparse);
    }

    /** Reads the current entry's data; -1 at its end. */
    public int read(byte[] b, int off, int len) throws IOException {
        if (remaining <= 0) return -1;
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) throw new EOFException("tar: archive truncated inside an entry");
        remaining -= n;
        offset += n;
        return n;
    }

    /**
     * Passes the next up to {@code max} bytes of entry data to {@code sink}: in place when the archive is read from a
     * {@link ChunkInputStream}, else through {@code scratch}. Returns how many, -1 at the entry's end.
     */
    public int lend(int max, byte[] scratch, ChunkInputStream.Sink sink) throws IOException {
        if (remaining <= 0) return -1;
        int want = (int) Math.min(max, remaining);
        int n;
        if (in instanceof ChunkInputStream chunks) {
            n = chunks.lend(want, sink);
        } else {
            n = in.read(scratch, 0, Math.min(want, scratch.length));
            if (n > 0) sink.accept(scratch, 0, n);
        }
        if (n < 0) throw new EOFException("tar: archive truncated inside an entry");
        remaining -= n;
        offset += n;
        return n;
    }

    /** Reads exactly len bytes of entry data. */
    public void readFully(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = read(b, off, len);
            if (n < 0) throw new EOFException("tar: entry data shorter than its sparse map");
            off += n;
            len -= n;
        }
    }

    public long remaining() { return remaining; }

    // ---- internals ---------------------------------------------------------------------------------------

    private boolean readBlock() throws IOException {
        int n = 0;
        while (n < BLOCK) {
            int r = in.read(block, n, BLOCK - n);
            if (r < 0) {
                if (n == 0) return false;
                throw new EOFException("tar: truncated header at offset " + offset);
            }
            n += r;
        }
        offset += BLOCK;
        return true;
    }

    private void skipFully(long n) throws IOException {
        byte[] buf = n > 0 ? new byte[(int) Math.min(n, 1 << 16)] : null;
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(n, buf.length));
            if (r < 0) throw new EOFException("tar: archive truncated inside an entry");
            n -= r;
            offset += r;
        }
    }

    private byte[] readMeta(long size, String what) throws IOException {
        if (size < 0 || size > MAX_META) throw new IOException("tar: " + what + " of " + size + " bytes is too large");
        byte[] b = new byte[(int) size];
        int n = 0;
        while (n < b.length) {
            int r = in.read(b, n, b.length - n);
            if (r < 0) throw new EOFException("tar: truncated " + what);
            n += r;
        }
        offset += size;
        skipFully((BLOCK - size % BLOCK) % BLOCK);
        return b;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) if (x != 0) return false;
        return true;
    }

    private void verifyChecksum(long at) throws IOException {
        long want = number(148, 8);
        long unsigned = 0, signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int v = (i >= 148 && i < 156) ? ' ' : block[i];
            unsigned += v & 0xff;
            signed += (i >= 148 && i < 156) ? ' ' : v;
        }
        if (want != unsigned && want != signed)
            throw new IOException("tar: header checksum mismatch at offset " + at + " (not a tar archive, or corrupt)");
    }

    private String string(int off, int len) {
        int end = off;
        while (end < off + len && block[end] != 0) end++;
        return new String(block, off, end - off, StandardCharsets.UTF_8);
    }

    private static String cstring(byte[] b) {
        int end = 0;
        while (end < b.length && b[end] != 0) end++;
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }

    /** Octal (NUL/space padded) or GNU base-256 when the high bit of the first byte is set. */
    private long number(int off, int len) throws IOException {
        if ((block[off] & 0x80) != 0) {
            boolean negative = (block[off] & 0x40) != 0;
            long v = negative ? -1 : 0;
            for (int i = 0; i < len; i++) {
                int b = block[off + i] & 0xff;
                if (i == 0) b &= 0x7f;
                if (i == 0 && negative) b |= 0x80;
                if (i < len - 8 && !negative && b != 0) throw new IOException("tar: number too large at " + off);
                v = (v << 8) | b;
            }
            return v;
        }
        int i = off, end = off + len;
        while (i < end && (block[i] == ' ' || block[i] == 0)) i++;
        long v = 0;
        for (; i < end && block[i] >= '0' && block[i] <= '7'; i++) v = (v << 3) + (block[i] - '0');
        return v;
    }

    private void readSparseMap(int off, int count, List<long[]> out) throws IOException {
        for (int i = 0; i < count; i++) {
            int at = off + i * 24;
            if (block[at] == 0) return;
            out.add(new long[] {number(at, 12), number(at + 12, 12)});
        }
    }

    private static List<long[]> pairs(List<Long> flat, String name) throws IOException {
        if (flat.size() % 2 != 0) throw new IOException("tar: sparse map of " + name + " has an odd number of values");
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < flat.size(); i += 2) out.add(new long[] {flat.get(i), flat.get(i + 1)});
        return out;
    }

    /** pax sparse 1.0: "count\n" then "offset\nlength\n" pairs, padded to a block, at the start of the data. */
    private List<long[]> readSparse10(String name) throws IOException {
        long consumed = 0;
        List<Long> values = new ArrayList<>();
        long count = -1;
        StringBuilder sb = new StringBuilder();
        byte[] one = new byte[1];
        while (count < 0 || values.size() < count * 2) {
            if (read(one, 0, 1) < 0) throw new EOFException("tar: truncated sparse map of " + name);
            consumed++;
            if (consumed > MAX_META) throw new IOException("tar: sparse map of " + name + " too large");
            if (one[0] == '\n') {
                long v = parseLong("sparse map", sb.toString());
                sb.setLength(0);
                if (count < 0) count = v;
                else values.add(v);
            } else {
                sb.append((char) one[0]);
            }
        }
        long pad = (BLOCK - consumed % BLOCK) % BLOCK;
        byte[] skip = new byte[(int) pad];
        readFully(skip, 0, skip.length);
        return pairs(values, name);
    }

    private static void parsePax(byte[] data, List<String[]> out, Map<String, byte[]> raw) throws IOException {
        int pos = 0;
        while (pos < data.length) {
            if (data[pos] == 0) break; // some writers pad with NULs
            int sp = pos;
            while (sp < data.length && data[sp] != ' ') sp++;
            if (sp >= data.length) throw new IOException("tar: malformed pax record");
            int len;
            try {
                len = Integer.parseInt(new String(data, pos, sp - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new IOException("tar: malformed pax record length");
            }
            int end = pos + len;
            if (len <= 0 || end > data.length || data[end - 1] != '\n') throw new IOException("tar: malformed pax record");
            int eq = sp + 1;
            while (eq < end && data[eq] != '=') eq++;
            if (eq >= end) throw new IOException("tar: pax record without '='");
            String key = new String(data, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, end - 1);
            out.add(new String[] {key, new String(value, StandardCharsets.UTF_8)});
            if (value.length == 0) raw.remove(key); // an empty value deletes (pax semantics)
            else raw.put(key, value);
            pos = end;
        }
    }

    private static long parseLong(String key, String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new LayerException("tar: pax " + key + " is not a number: '" + v + "'");
        }
    }

    private static BigDecimal parseTime(String v) {
        try {
            return new BigDecimal(v.trim());
        } catch (NumberFormatException e) {
            throw new LayerException("tar: pax time is not a number: '" + v + "'");
        }
    }

    private static long seconds(BigDecimal t) { return t.setScale(0, RoundingMode.FLOOR).longValueExact(); }

    private static int nanos(BigDecimal t) {
        return t.subtract(new BigDecimal(seconds(t))).movePointRight(9).setScale(0, RoundingMode.FLOOR).intValue();
    }
}
