package dev.hako.image.layer;

import dev.hako.kernel.fs.RootedDir;
import dev.hako.kernel.fs.Stat;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Writes a directory tree as a tar stream (pax; owners, modes, nanosecond mtimes, xattrs, hardlinks, symlinks,
 * devices, fifos), walking it through {@link RootedDir} so nothing outside the tree is read even if the tree is
 * hostile. Used for {@code export} (a merged view) and {@code commit} (an overlay upper dir, whose whiteouts are
 * written in the layer-tar form: char device 0:0 → {@code .wh.NAME}, opaque dir → {@code DIR/.wh..wh..opq}).
 */
public final class TreeArchiver {
    private static final int BUF = 1 << 20;

    /** OVERLAY_UPPER converts overlay whiteouts and opaque dirs to tar whiteouts; PLAIN writes what is there. */
    public enum Mode { PLAIN, OVERLAY_UPPER }

    private final RootedDir root;
    private final TarWriter tar;
    private final Mode mode;
    private final String opaqueXattr;
    private final Predicate<String> include;
    private final Map<Long, String> inodes = new HashMap<>();
    private final byte[] heap = new byte[BUF];
    private final MemorySegment buf;
    private long entries;

    private TreeArchiver(RootedDir root, TarWriter tar, Mode mode, String opaqueXattr, Predicate<String> include,
                         MemorySegment buf) {
        this.root = root;
        this.tar = tar;
        this.mode = mode;
        this.opaqueXattr = opaqueXattr;
        this.include = include;
        this.buf = buf;
    }

    /** Tars everything under {@code dir}; returns the number of entries. Does not close {@code out}. */
    public static long write(Path dir, OutputStream out, Mode mode) throws IOException {
        return write(dir, out, mode, p -> true, List.of());
    }

    /**
     * Tars the paths of {@code dir} that {@code include} accepts (relative, no leading slash; a directory's
     * children are visited only if it is accepted), then a {@code .wh.NAME} entry for each of {@code deleted}.
     */
    public static long write(Path dir, OutputStream out, Mode mode, Predicate<String> include, List<String> deleted)
            throws IOException {
        try (RootedDir root = RootedDir.open(dir); Arena arena = Arena.ofConfined()) {
            TarWriter tar = new TarWriter(out);
            TreeArchiver a = new TreeArchiver(root, tar, mode, "trusted.overlay.opaque", include,
                    arena.allocate(BUF, 4096));
            a.walk("");
            for (String d : new TreeSet<>(deleted)) {
                int slash = d.lastIndexOf('/');
                String name = (slash < 0 ? "" : d.substring(0, slash + 1)) + ".wh." + d.substring(slash + 1);
                tar.add(new TarWriter.Header(name, '0', "", 0, 0, 0, 0, 0, 0, 0, 0, Map.of()));
                a.entries++;
            }
            tar.finish();
            return a.entries;
        }
    }

    private void walk(String rel) throws IOException {
        List<String> names = new ArrayList<>(root.list(rel));
        Collections.sort(names);
        for (String name : names) {
            String p = rel.isEmpty() ? name : rel + "/" + name;
            if (!include.test(p)) continue;
            Stat st = root.lstat(p);
            if (st == null || st.isSocket()) continue;
            if (mode == Mode.OVERLAY_UPPER && st.isWhiteout()) {
                String wh = (rel.isEmpty() ? "" : rel + "/") + ".wh." + name;
                tar.add(new TarWriter.Header(wh, '0', "", 0, 0, 0, 0, st.mtimeSec(), st.mtimeNsec(), 0, 0, Map.of()));
                entries++;
                continue;
            }
            Map<String, byte[]> xattrs = xattrs(p);
            if (st.isDirectory()) {
                header(p + "/", '5', "", st, 0, xattrs);
                if (mode == Mode.OVERLAY_UPPER) {
                    byte[] v = root.getXattr(p, opaqueXattr);
                    if (v != null && v.length == 1 && v[0] == 'y') {
                        tar.add(new TarWriter.Header(p + "/.wh..wh..opq", '0', "", 0, 0, 0, 0, st.mtimeSec(),
                                st.mtimeNsec(), 0, 0, Map.of()));
                        entries++;
                    }
                }
                walk(p);
            } else if (st.isRegular()) {
                String first = st.nlink() > 1 ? inodes.get(st.ino()) : null;
                if (first != null) {
                    header(p, '1', first, st, 0, Map.of());
                    continue;
                }
                if (st.nlink() > 1) inodes.put(st.ino(), p);
                header(p, '0', "", st, st.size(), xattrs);
                content(p, st.size());
            } else if (st.isSymlink()) {
                header(p, '2', root.readlink(p), st, 0, xattrs);
            } else if (st.isCharDevice() || st.isBlockDevice()) {
                header(p, st.isCharDevice() ? '3' : '4', "", st, 0, xattrs);
            } else if (st.isFifo()) {
                header(p, '6', "", st, 0, xattrs);
            }
        }
    }

    private Map<String, byte[]> xattrs(String p) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (String x : new TreeSet<>(root.listXattrs(p))) {
            if (x.startsWith("trusted.overlay.") || x.startsWith("user.overlay.")) continue;
            byte[] v = root.getXattr(p, x);
            if (v != null) m.put(x, v);
        }
        return m;
    }

    private void header(String name, char type, String link, Stat st, long size, Map<String, byte[]> xattrs)
            throws IOException {
        tar.add(TarWriter.Header.of(name, type, link, st, size, xattrs));
        entries++;
    }

    private void content(String p, long size) throws IOException { tar.content(root, p, size, buf, heap); }

    /** The set of parent directories of the given relative paths (for writing a diff with its parents). */
    public static Set<String> parents(Iterable<String> paths) {
        Set<String> out = new TreeSet<>();
        for (String p : paths) {
            for (int i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) out.add(p.substring(0, i));
        }
        return out;
    }
}
