package dev.hako.image.snapshot;

import dev.hako.image.layer.LowerView;
import dev.hako.image.layer.TreeArchiver;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.fs.Fs;
import dev.hako.kernel.fs.RootedDir;
import dev.hako.kernel.fs.Stat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * overlayfs: lowerdir = the image's layer trees (top first), upperdir and workdir in the snapshot's dir.
 * Mounted with index=off (lowers are shared by many containers; the inode index would tie them to one upper).
 * A lowerdir list longer than the mount(2) data page is passed as /proc/self/fd/N paths of O_PATH fds.
 */
public final class OverlaySnapshotter implements Snapshotter {
    static final String OPAQUE = "trusted.overlay.opaque";
    /** mount(2) copies at most one page of data; keep a margin for the other options. */
    private static final int MAX_DATA = 4096 - 1;

    @Override
    public String name() { return "overlay"; }

    @Override
    public Snapshot create(Path dir, List<Path> lowersBottomFirst) throws IOException {
        Files.createDirectories(dir);
        Path upper = Files.createDirectory(dir.resolve("upper"));
        Files.createDirectory(dir.resolve("work"));
        List<Path> lowers = new ArrayList<>();
        for (Path l : lowersBottomFirst) lowers.add(l.toAbsolutePath());
        if (lowers.isEmpty()) lowers.add(Files.createDirectory(dir.resolve("empty")).toAbsolutePath());
        // the merged root takes its owner and mode from the upper root: give it the image's
        try (RootedDir top = RootedDir.open(lowers.getLast()); RootedDir up = RootedDir.open(upper)) {
            Stat st = top.fstatRoot();
            up.chown("", st.uid(), st.gid());
            up.chmod("", st.perms());
        }
        Snapshot s = new Snapshot(name(), dir.toAbsolutePath(), lowers);
        s.save();
        return s;
    }

    @Override
    public void mount(Snapshot s, Path target) {
        List<Path> topFirst = new ArrayList<>(s.lowers().reversed());
        mountOverlay(topFirst, s.dir().resolve("upper"), s.dir().resolve("work"), target, 0);
    }

    /** Mounts overlay at target; without upper it is a read-only stack of the lowers (at least two). */
    static void mountOverlay(List<Path> lowersTopFirst, Path upper, Path work, Path target, long flags) {
        String tail = (upper == null ? "" : ",upperdir=" + checked(upper) + ",workdir=" + checked(work)) + ",index=off";
        StringBuilder plain = new StringBuilder("lowerdir=");
        for (int i = 0; i < lowersTopFirst.size(); i++) {
            if (i > 0) plain.append(':');
            plain.append(checked(lowersTopFirst.get(i)));
        }
        if (plain.length() + tail.length() <= MAX_DATA) {
            Fs.mount("overlay", target.toString(), "overlay", flags, plain + tail);
            return;
        }
        // too long for one page: name each lower by a short fd path, held open just for the mount call
        List<Integer> fds = new ArrayList<>();
        try {
            StringBuilder viaFd = new StringBuilder("lowerdir=");
            for (int i = 0; i < lowersTopFirst.size(); i++) {
                Path l = lowersTopFirst.get(i);
                int fd = Fs.openat(Fs.AT_FDCWD, l.toString(), Fs.O_PATH | Fs.O_DIRECTORY | Fs.O_CLOEXEC, 0, l.toString());
                fds.add(fd);
                if (i > 0) viaFd.append(':');
                viaFd.append(RootedDir.procPath(fd));
            }
            if (viaFd.length() + tail.length() > MAX_DATA)
                throw new SnapshotException("overlay mount " + target + ": " + lowersTopFirst.size()
                        + " layers do not fit in the mount options even as fd paths");
            Fs.mount("overlay", target.toString(), "overlay", flags, viaFd + tail);
        } finally {
            for (int fd : fds) Fs.close(fd);
        }
    }

    /**
     * Mounts upper + lowers read-only (upper as the top lower: its whiteouts apply) on a private temp dir and
     * archives that. Safe while the container runs: upper is only read.
     */
    @Override
    public void export(Snapshot s, OutputStream out) throws IOException {
        Path mnt = Files.createTempDirectory(s.dir(), "export-");
        try {
            List<Path> topFirst = new ArrayList<>();
            topFirst.add(s.dir().resolve("upper"));
            topFirst.addAll(s.lowers().reversed());
            mountOverlay(topFirst, null, null, mnt, Fs.MS_RDONLY);
            try {
                TreeArchiver.write(mnt, out, TreeArchiver.Mode.PLAIN);
            } finally {
                unmount(mnt);
            }
        } finally {
            Files.deleteIfExists(mnt);
        }
    }

    @Override
    public void writeDiff(Snapshot s, OutputStream out) throws IOException {
        TreeArchiver.write(s.dir().resolve("upper"), out, TreeArchiver.Mode.OVERLAY_UPPER);
    }

    /** overlay's option parser splits on ',' and ':' (and '\' escapes); our store never makes such paths. */
    private static String checked(Path p) {
        String s = p.toAbsolutePath().toString();
        if (s.indexOf(',') >= 0 || s.indexOf(':') >= 0 || s.indexOf('\\') >= 0)
            throw new SnapshotException("overlay: path " + s + " contains ',', ':' or '\\'");
        return s;
    }

    @Override
    public List<Change> diff(Snapshot s) {
        List<Change> out = new ArrayList<>();
        try (LowerView lower = new LowerView(s.lowers(), OPAQUE); RootedDir upper = RootedDir.open(s.dir().resolve("upper"))) {
            walk(upper, lower, "", out);
        }
        out.sort(null);
        return out;
    }

    private static void walk(RootedDir upper, LowerView lower, String rel, List<Change> out) {
        List<String> names = upper.list(rel);
        for (String name : names) {
            String p = LowerView.join(rel, name);
            Stat st = upper.lstat(p);
            if (st == null) continue;
            if (st.isWhiteout()) {
                out.add(new Change(Change.Kind.D, "/" + p));
                continue;
            }
            LowerView.Found f = lower.lookup(p);
            if (f == null) {
                out.add(new Change(Change.Kind.A, "/" + p));
                if (st.isDirectory()) added(upper, p, out);
                continue;
            }
            out.add(new Change(Change.Kind.C, "/" + p));
            if (st.isDirectory() && f.stat().isDirectory()) {
                walk(upper, lower, p, out);
                byte[] opq = upper.getXattr(p, OPAQUE);
                if (opq != null && opq.length == 1 && opq[0] == 'y') {
                    TreeSet<String> mine = new TreeSet<>(upper.list(p));
                    for (String hidden : lower.list(p))
                        if (!mine.contains(hidden)) out.add(new Change(Change.Kind.D, "/" + LowerView.join(p, hidden)));
                }
            } else if (st.isDirectory()) {
                added(upper, p, out);
            }
        }
    }

    private static void added(RootedDir tree, String rel, List<Change> out) {
        for (String name : tree.list(rel)) {
            String p = LowerView.join(rel, name);
            out.add(new Change(Change.Kind.A, "/" + p));
            Stat st = tree.lstat(p);
            if (st != null && st.isDirectory()) added(tree, p, out);
        }
    }

    @Override
    public void remove(Snapshot s) {
        Path dir = s.dir();
        if (!Files.exists(dir)) return;
        try (RootedDir parent = RootedDir.open(dir.getParent())) {
            parent.remove(dir.getFileName().toString());
        }
    }

    /** overlay is listed in /proc/filesystems and a test mount (with a whiteout in a lower) works under scratch. */
    static boolean supported(Path scratch) {
        try {
            if (!Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n")) return false;
            Files.createDirectories(scratch);
            Path t = Files.createTempDirectory(scratch, ".overlay-check-");
            try {
                Path l = Files.createDirectory(t.resolve("l")), m = Files.createDirectory(t.resolve("m"));
                Files.writeString(l.resolve("f"), "x");
                try (RootedDir ld = RootedDir.open(l)) { ld.mknod("w", Stat.S_IFCHR, 0, 0); }
                OverlaySnapshotter o = new OverlaySnapshotter();
                Snapshot s = o.create(t.resolve("s"), List.of(l));
                o.mount(s, m);
                boolean ok;
                try {
                    ok = Files.exists(m.resolve("f")) && !Files.exists(m.resolve("w"), java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    Files.writeString(m.resolve("g"), "y");
                } finally {
                    o.unmount(m);
                }
                return ok;
            } finally {
                try (RootedDir parent = RootedDir.open(scratch)) { parent.remove(t.getFileName().toString()); }
            }
        } catch (IOException | SyscallException | SnapshotException e) {
            return false;
        }
    }
}
