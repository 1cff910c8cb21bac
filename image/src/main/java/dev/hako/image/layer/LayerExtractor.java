package dev.hako.image.layer;

import dev.hako.kernel.Errno;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.fs.Fs;
import dev.hako.kernel.fs.RootedDir;
import dev.hako.kernel.fs.Stat;
import dev.hako.oci.image.Digest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Unpacks a layer (tar, optionally gzip or zstd compressed) into a directory so that nothing is ever written,
 * linked, chmod-ed or removed outside it: every path goes through {@link RootedDir} (openat2 RESOLVE_IN_ROOT for
 * parents, *at calls without following the final component), new files are created O_EXCL|O_NOFOLLOW after
 * removing whatever was there, entries with ".." are refused. The diffID (sha256 of the uncompressed tar) is
 * computed on the way and returned; the caller compares it with the image config.
 */
public final class LayerExtractor {
    private static final String WH = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";
    private static final int BUF = 1 << 18;
    /** The most one write(2) of file data takes (a read-ahead chunk). */
    private static final int APPEND_MAX = 1 << 20;

    private final RootedDir root;
    private final ExtractOptions opts;
    private final List<String> notes = new ArrayList<>();
    /** Paths this layer created (an opaque whiteout in APPLY mode keeps them, removes the rest). */
    private final Set<String> unpacked = new HashSet<>();
    /** Directory times are set at the end: creating children changes them. */
    private final Map<String, long[]> dirTimes = new LinkedHashMap<>();
    private final byte[] heap = new byte[BUF];
    private String ensuredParent;
    /** The layers below, when unpacking a layer tree for overlay: paths resolve through the merged view. */
    private final LowerView lowers;

    private LayerExtractor(RootedDir root, ExtractOptions opts, LowerView lowers) {
        this.root = root;
        this.opts = opts;
        this.lowers = lowers;
    }

    /** Decompresses (detected by magic), bounds, hashes and unpacks {@code blob} into {@code target}. */
    public static ExtractResult extract(InputStream blob, Path target, ExtractOptions opts) throws IOException {
        return extract(blob, target, opts, List.of());
    }

    /**
     * Unpacks a layer into its own (overlay-form) tree above {@code lowersBottomFirst}, the trees of the layers
     * below it. Entry paths are resolved as in the merged view: a parent that is a symlink in a lower layer
     * (lib -> usr/lib) is followed, inside the root, and parent directories the tar does not list get the
     * owner, mode and mtime they have below, so the layer does not change them in the merged view.
     */
    public static ExtractResult extract(InputStream blob, Path target, ExtractOptions opts, List<Path> lowersBottomFirst)
            throws IOException {
        try (RootedDir root = RootedDir.open(target);
             LowerView lowers = lowersBottomFirst.isEmpty() || opts.whiteouts() != ExtractOptions.WhiteoutMode.OVERLAY
                     ? null : new LowerView(lowersBottomFirst, opts.opaqueXattr())) {
            return extract(blob, root, opts, lowers);
        }
    }

    public static ExtractResult extract(InputStream blob, RootedDir target, ExtractOptions opts) throws IOException {
        return extract(blob, target, opts, null);
    }

    private static ExtractResult extract(InputStream blob, RootedDir target, ExtractOptions opts, LowerView lowers)
            throws IOException {
        // decompressing and hashing run one chunk ahead on another thread, overlapping with the file writes
        HashingStream hashed = new HashingStream(Compression.decompress(blob), opts.maxUncompressedBytes());
        LayerExtractor x = new LayerExtractor(target, opts, lowers);
        long entries;
        try (ReadAhead tar = new ReadAhead(hashed)) {
            entries = x.run(new TarReader(tar));
            // the digest covers the whole stream: end-of-archive blocks and record padding too
            byte[] rest = new byte[1 << 16];
            while (tar.read(rest, 0, rest.length) >= 0) { }
        } finally {
            target.invalidate();
        }
        // the reader's last chunk and end mark passed through the queue after its last digest update
        return new ExtractResult(hashed.digest(), hashed.count(), entries, x.notes);
    }

    private long run(TarReader tar) throws IOException {
        long n = 0;
        for (TarReader.Entry e; (e = tar.next()) != null; n++) {
            try {
                entry(tar, e);
            } catch (SyscallException ex) {
                throw new LayerException("layer entry " + e.name() + ": " + ex.getMessage(), ex);
            } catch (UncheckedIOException ex) {
                throw new LayerException("layer entry " + e.name() + ": " + ex.getMessage(), ex);
            }
        }
        for (Map.Entry<String, long[]> d : dirTimes.entrySet()) {
            long[] t = d.getValue();
            try {
                root.setTimes(d.getKey(), t[0], t[1], t[2], t[3]);
            } catch (SyscallException ex) {
                if (ex.errno() != Errno.ENOENT && ex.errno() != Errno.ENOTDIR) throw ex;
            }
        }
        return n;
    }

    /** "./a//b/" → "a/b"; "" is the root. Any ".." is refused: a layer has no business there. */
    static String normalize(String name, String what) {
        StringBuilder sb = new StringBuilder();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) throw new LayerException("layer entry " + what + ": path '" + name
                    + "' contains '..' (would escape the layer root)");
            if (part.indexOf('\0') >= 0) throw new LayerException("layer entry " + what + ": NUL in path");
            if (!sb.isEmpty()) sb.append('/');
            sb.append(part);
        }
        return sb.toString();
    }

    private static String parentOf(String rel) {
        int i = rel.lastIndexOf('/');
        return i < 0 ? "" : rel.substring(0, i);
    }

    private static String join(String parent, String name) { return parent.isEmpty() ? name : parent + "/" + name; }

    private void entry(TarReader tar, TarReader.Entry e) throws IOException {
        String rel = resolveParents(normalize(e.name(), e.name()), e.name());
        if (rel.isEmpty()) { // the layer root itself
            if (!e.isDirectory()) throw new LayerException("layer entry " + e.name() + ": the root is not a directory");
            applyMetadata("", e);
            dirTimes.put("", times(e));
            return;
        }
        String parent = parentOf(rel);
        String base = rel.substring(parent.isEmpty() ? 0 : parent.length() + 1);
        if (base.startsWith(WH)) {
            whiteout(parent, base, e);
            return;
        }
        ensureParent(parent);
        // a regular file is nearly always new: its O_EXCL creation is the existence check (one syscall less per
        // file); only a clash takes the lstat-and-replace way below
        int created = e.isRegular() ? createNew(rel) : -1;
        Stat existing = null;
        if (created < 0) {
            existing = root.lstat(rel);
            if (existing != null && !(existing.isDirectory() && e.isDirectory())) {
                // replace, never write through: whatever was there (a symlink above all) goes first
                root.remove(rel);
                ensuredParent = null;
            }
        }
        dirTimes.remove(rel);
        if (e.isDirectory()) {
            if (existing == null || !existing.isDirectory()) root.mkdir(rel, 0700);
            applyMetadata(rel, e);
            dirTimes.put(rel, times(e));
        } else if (e.isRegular()) {
            regular(tar, rel, e, created >= 0 ? created : root.createFile(rel, 0600));
        } else if (e.isSymlink()) {
            if (e.linkName().isEmpty()) throw new LayerException("layer entry " + e.name() + ": symlink with empty target");
            root.symlink(e.linkName(), rel); // stored as is; we never follow it
            applyMetadata(rel, e);
            setTimes(rel, e);
        } else if (e.isHardlink()) {
            String target = resolveParents(normalize(e.linkName(), e.name()), e.name());
            if (target.isEmpty()) throw new LayerException("layer entry " + e.name() + ": hardlink to the layer root");
            Stat t = root.lstat(target);
            if (t == null)
                throw new LayerException("layer entry " + e.name() + ": hardlink target " + e.linkName() + " not found in the layer");
            if (t.isDirectory())
                throw new LayerException("layer entry " + e.name() + ": hardlink target " + e.linkName() + " is a directory");
            root.link(target, rel);
        } else if (e.isCharDevice() || e.isBlockDevice() || e.isFifo()) {
            special(rel, e);
        } else if (e.type() == 'V') {
            notes.add("skipped volume label entry " + e.name());
            return;
        } else {
            throw new LayerException("layer entry " + e.name() + ": unsupported tar entry type '" + e.type() + "'");
        }
        unpacked.add(rel);
    }

    private void ensureParent(String parent) {
        if (parent.isEmpty() || parent.equals(ensuredParent)) return;
        if (lowers == null) {
            root.mkdirs(parent);
        } else {
            // parents were resolved against the merged view; create the missing ones like the ones below
            String prefix = "";
            for (String part : parent.split("/")) {
                prefix = join(prefix, part);
                if (root.lstat(prefix) != null) continue;
                root.mkdir(prefix, 0755);
                LowerView.Found f = lowers.lookup(prefix);
                if (f != null && f.stat().isDirectory()) {
                    Stat st = f.stat();
                    root.chown(prefix, st.uid(), st.gid());
                    root.chmod(prefix, st.perms());
                    dirTimes.putIfAbsent(prefix, new long[] {st.atimeSec(), st.atimeNsec(), st.mtimeSec(), st.mtimeNsec()});
                }
            }
        }
        ensuredParent = parent;
    }

    /**
     * With lower layers: rewrites rel so that no parent component is a symlink, following symlinks of this layer
     * or of the merged lowers lexically, clamped at the root (as RESOLVE_IN_ROOT would). The final component is
     * never followed. Without lowers, rel is returned as is (RootedDir resolves parents inside this tree).
     */
    private String resolveParents(String rel, String entryName) {
        if (lowers == null || rel.isEmpty()) return rel;
        for (int hops = 0; ; hops++) {
            if (hops > 40) throw new LayerException("layer entry " + entryName + ": too many levels of symbolic links");
            String[] parts = rel.split("/");
            String prefix = "";
            String rewritten = null;
            for (int i = 0; i < parts.length - 1; i++) {
                String p = join(prefix, parts[i]);
                Stat st = root.lstat(p);
                String link = null;
                if (st != null) {
                    if (st.isSymlink()) link = root.readlink(p);
                } else {
                    LowerView.Found f = lowers.lookup(p);
                    if (f != null && f.stat().isSymlink()) link = f.layer().readlink(p);
                }
                if (link == null) { prefix = p; continue; }
                String rest = String.join("/", java.util.Arrays.copyOfRange(parts, i + 1, parts.length));
                rewritten = RootedDir.clamp((link.startsWith("/") ? link : join(prefix, link)) + "/" + rest);
                break;
            }
            if (rewritten == null) return rel;
            if (rewritten.isEmpty()) throw new LayerException("layer entry " + entryName + ": resolves to the layer root");
            rel = rewritten;
        }
    }

    private void whiteout(String parent, String base, TarReader.Entry e) {
        if (base.equals(OPAQUE)) {
            ensureParent(parent);
            if (opts.whiteouts() == ExtractOptions.WhiteoutMode.OVERLAY) {
                root.setXattr(parent, opts.opaqueXattr(), new byte[] {'y'});
            } else {
                removeNotUnpacked(parent);
            }
            return;
        }
        if (base.startsWith(WH + WH)) { // aufs metadata (.wh..wh.plnk, .wh..wh.aufs): meaningless here
            notes.add("skipped aufs metadata entry " + e.name());
            return;
        }
        String name = base.substring(WH.length());
        if (name.isEmpty() || name.equals(".") || name.equals(".."))
            throw new LayerException("layer entry " + e.name() + ": invalid whiteout (names '" + name + "')");
        String victim = join(parent, name);
        if (opts.whiteouts() == ExtractOptions.WhiteoutMode.OVERLAY) {
            ensureParent(parent);
            if (root.lstat(victim) != null) { root.remove(victim); ensuredParent = null; }
            root.mknod(victim, Stat.S_IFCHR, 0, 0);
            unpacked.add(victim);
        } else {
            root.remove(victim); // a missing parent means nothing to delete
            ensuredParent = null;
            unpacked.remove(victim);
        }
        dirTimes.remove(victim);
    }

    /** Opaque directory on a flattened tree: remove what lower layers put there, keep this layer's entries. */
    private void removeNotUnpacked(String dir) {
        Stat st = root.lstat(dir);
        if (st == null || !st.isDirectory()) return;
        for (String child : root.list(dir)) {
            String p = join(dir, child);
            if (!unpacked.contains(p)) {
                root.remove(p);
                ensuredParent = null;
            } else {
                Stat c = root.lstat(p);
                if (c != null && c.isDirectory()) removeNotUnpacked(p);
            }
        }
    }

    private static long[] times(TarReader.Entry e) {
        return new long[] {e.atimeSec(), e.atimeNsec(), e.mtimeSec(), e.mtimeNsec()};
    }

    private void setTimes(String rel, TarReader.Entry e) {
        root.setTimes(rel, e.atimeSec(), e.atimeNsec(), e.mtimeSec(), e.mtimeNsec());
    }

    /** Owner, then mode (chown clears setuid/setgid), then xattrs (chown clears security.capability). */
    private void applyMetadata(String rel, TarReader.Entry e) {
        root.chown(rel, (int) e.uid(), (int) e.gid());
        if (!e.isSymlink()) root.chmod(rel, e.mode() & 07777);
        for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
            if (!allowedXattr(x.getKey(), e)) continue;
            try {
                root.setXattr(rel, x.getKey(), x.getValue());
            } catch (SyscallException ex) {
                if (ex.errno() != Errno.EOPNOTSUPP && ex.errno() != Errno.EPERM) throw ex;
                notes.add("xattr " + x.getKey() + " on " + e.name() + " not set: " + Errno.name(ex.errno()));
            }
        }
    }

    /** Overlay's own xattrs inside a layer could redirect or hide lower content: never taken from a tar. */
    private boolean allowedXattr(String name, TarReader.Entry e) {
        if (name.startsWith("trusted.overlay.") || name.startsWith("user.overlay.")) {
            notes.add("dropped overlay xattr " + name + " on " + e.name());
            return false;
        }
        return true;
    }

    /** Creates rel (O_EXCL, never following a symlink); -1 when something is already there. */
    private int createNew(String rel) {
        try {
            return root.createFile(rel, 0600);
        } catch (SyscallException ex) {
            if (ex.errno() == Errno.EEXIST) return -1;
            throw ex;
        }
    }

    /** Fills the new file fd (closed here) with the entry's data and metadata. */
    private void regular(TarReader tar, String rel, TarReader.Entry e, int fd) throws IOException {
        try {
            String what = root.describe(rel);
            if (e.isSparse()) {
                for (long[] seg : e.sparse()) copySparse(tar, fd, seg[0], seg[1], what);
                Fs.ftruncate(fd, e.realSize(), what);
            } else {
                append(tar, fd, tar.remaining(), what);
            }
            Fs.fchown(fd, (int) e.uid(), (int) e.gid(), what);
            Fs.fchmod(fd, e.mode() & 07777, what);
            for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
                if (!allowedXattr(x.getKey(), e)) continue;
                try {
                    Fs.fsetxattr(fd, x.getKey(), x.getValue(), 0, what);
                } catch (SyscallException ex) {
                    if (ex.errno() != Errno.EOPNOTSUPP && ex.errno() != Errno.EPERM) throw ex;
                    notes.add("xattr " + x.getKey() + " on " + e.name() + " not set: " + Errno.name(ex.errno()));
                }
            }
            Fs.futimens(fd, e.atimeSec(), e.atimeNsec(), e.mtimeSec(), e.mtimeNsec(), what);
        } finally {
            Fs.close(fd);
        }
    }

    /** Copies the sparse segment of len entry bytes to fd at offset; zero blocks stay holes. */
    private void copySparse(TarReader tar, int fd, long offset, long len, String what) throws IOException {
        long pos = offset;
        while (len > 0) {
            int chunk = (int) Math.min(len, BUF);
            tar.readFully(heap, 0, chunk);
            if (!allZero(heap, chunk)) Fs.writeFully(fd, heap, 0, chunk, pos, what);
            pos += chunk;
            len -= chunk;
        }
    }

    /** Appends len entry bytes to fd, written from the read-ahead's chunks in place (no copy in between). */
    private void append(TarReader tar, int fd, long len, String what) throws IOException {
        ChunkInputStream.Sink write = (b, off, n) -> Fs.writeFully(fd, b, off, n, -1, what);
        for (long written = 0; written < len; ) {
            int n = tar.lend((int) Math.min(len - written, APPEND_MAX), heap, write);
            if (n < 0) throw new java.io.EOFException("tar: archive truncated inside an entry");
            written += n;
        }
    }

    private static boolean allZero(byte[] b, int n) {
        for (int i = 0; i < n; i++) if (b[i] != 0) return false;
        return true;
    }

    private void special(String rel, TarReader.Entry e) {
        int type = e.isFifo() ? Stat.S_IFIFO : e.isCharDevice() ? Stat.S_IFCHR : Stat.S_IFBLK;
        if (type != Stat.S_IFIFO && opts.devices() == ExtractOptions.DevicePolicy.SKIP) {
            notes.add("skipped device node " + e.name());
            return;
        }
        try {
            root.mknod(rel, type | 0600, e.devMajor(), e.devMinor());
        } catch (SyscallException ex) {
            if (ex.errno() == Errno.EPERM && opts.devices() == ExtractOptions.DevicePolicy.CREATE_OR_SKIP) {
                notes.add("skipped " + (type == Stat.S_IFIFO ? "fifo " : "device node ") + e.name()
                        + ": mknod not permitted");
                return;
            }
            throw new LayerException("layer entry " + e.name() + ": cannot create "
                    + (type == Stat.S_IFIFO ? "fifo" : "device node " + e.devMajor() + ":" + e.devMinor())
                    + ": " + ex.getMessage(), ex);
        }
        applyMetadata(rel, e);
        setTimes(rel, e);
    }

    /** Counts, bounds and hashes the uncompressed tar as it is read. */
    private static final class HashingStream extends FilterInputStream {
        private final MessageDigest md = Digest.messageDigest(Digest.SHA256);
        private final long max;
        private long count;

        HashingStream(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
                if (count > max)
                    throw new LayerException("layer: uncompressed size exceeds the limit of " + max
                            + " bytes (decompression bomb?)");
                md.update(b, off, n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[(int) Math.min(Math.max(n, 1), 1 << 16)];
            int r = read(buf, 0, (int) Math.min(n, buf.length));
            return Math.max(r, 0);
        }

        long count() { return count; }

        Digest digest() { return Digest.fromMessageDigest(Digest.SHA256, md); }
    }
}
