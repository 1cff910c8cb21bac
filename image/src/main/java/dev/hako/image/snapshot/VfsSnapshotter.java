package dev.hako.image.snapshot;

import dev.hako.image.layer.LowerView;
import dev.hako.image.layer.TreeArchiver;
import dev.hako.kernel.fs.Fs;
import dev.hako.kernel.fs.RootedDir;
import dev.hako.kernel.fs.Stat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A full copy of the flattened layers in dir/rootfs, for hosts without overlay (like docker's and podman's vfs
 * driver): slow to create and heavy on disk, but works anywhere. Whiteouts of the layers are applied while copying.
 */
public final class VfsSnapshotter implements Snapshotter {
    @Override
    public String name() { return "vfs"; }

    public static Path rootfs(Snapshot s) { return s.dir().resolve("rootfs"); }

    @Override
    public Snapshot create(Path dir, List<Path> lowersBottomFirst) throws IOException {
        Files.createDirectories(dir);
        Path rootfs = Files.createDirectory(dir.resolve("rootfs"));
        List<Path> lowers = new ArrayList<>();
        try (RootedDir dst = RootedDir.open(rootfs)) {
            for (Path l : lowersBottomFirst) {
                lowers.add(l.toAbsolutePath());
                try (RootedDir src = RootedDir.open(l); TreeCopy copy = new TreeCopy(src, dst, OverlaySnapshotter.OPAQUE)) {
                    copy.copyLayer();
                }
            }
        }
        Snapshot s = new Snapshot(name(), dir.toAbsolutePath(), lowers);
        s.save();
        return s;
    }

    /** A bind mount of the copy (the rootfs directory itself can also be used as it is). */
    @Override
    public void mount(Snapshot s, Path target) {
        Fs.mount(rootfs(s).toString(), target.toString(), null, Fs.MS_BIND | Fs.MS_REC, null);
    }

    @Override
    public List<Change> diff(Snapshot s) {
        List<Change> out = new ArrayList<>();
        try (LowerView lower = new LowerView(s.lowers(), OverlaySnapshotter.OPAQUE); RootedDir tree = RootedDir.open(rootfs(s))) {
            walk(tree, lower, "", out);
        }
        out.sort(null);
        return out;
    }

    private static void walk(RootedDir tree, LowerView lower, String rel, List<Change> out) {
        List<String> names = tree.list(rel);
        for (String name : names) {
            String p = LowerView.join(rel, name);
            Stat st = tree.lstat(p);
            if (st == null) continue;
            LowerView.Found f = lower.lookup(p);
            if (f == null) {
                out.add(new Change(Change.Kind.A, "/" + p));
                if (st.isDirectory()) walk(tree, lower, p, out);
                continue;
            }
            if (changed(tree, p, st, f)) out.add(new Change(Change.Kind.C, "/" + p));
            if (st.isDirectory() && f.stat().isDirectory()) walk(tree, lower, p, out);
            else if (st.isDirectory()) walkAdded(tree, p, out);
        }
        Set<String> mine = new java.util.HashSet<>(names);
        for (String n : lower.list(rel)) if (!mine.contains(n)) out.add(new Change(Change.Kind.D, "/" + LowerView.join(rel, n)));
    }

    private static void walkAdded(RootedDir tree, String rel, List<Change> out) {
        for (String name : tree.list(rel)) {
            String p = LowerView.join(rel, name);
            out.add(new Change(Change.Kind.A, "/" + p));
            Stat st = tree.lstat(p);
            if (st != null && st.isDirectory()) walkAdded(tree, p, out);
        }
    }

    /** Like docker's naive diff: metadata and mtime, no content comparison (the copy keeps mtimes exactly). */
    private static boolean changed(RootedDir tree, String p, Stat a, LowerView.Found f) {
        Stat b = f.stat();
        if (a.mode() != b.mode() || a.uid() != b.uid() || a.gid() != b.gid()) return true;
        if (a.mtimeSec() != b.mtimeSec() || a.mtimeNsec() != b.mtimeNsec()) return true;
        if (!a.isDirectory() && a.size() != b.size()) return true;
        if ((a.isCharDevice() || a.isBlockDevice()) && (a.rdevMajor() != b.rdevMajor() || a.rdevMinor() != b.rdevMinor()))
            return true;
        return a.isSymlink() && !tree.readlink(p).equals(f.layer().readlink(p));
    }

    @Override
    public void export(Snapshot s, OutputStream out) throws IOException {
        TreeArchiver.write(rootfs(s), out, TreeArchiver.Mode.PLAIN);
    }

    /** Added and changed paths (with their parent directories) from the copy, then whiteouts for deletions. */
    @Override
    public void writeDiff(Snapshot s, OutputStream out) throws IOException {
        Set<String> include = new java.util.HashSet<>();
        List<String> deleted = new ArrayList<>();
        for (Change c : diff(s)) {
            String rel = c.path().substring(1);
            if (c.kind() == Change.Kind.D) deleted.add(rel);
            else include.add(rel);
        }
        include.addAll(TreeArchiver.parents(include));
        include.addAll(TreeArchiver.parents(deleted));
        TreeArchiver.write(rootfs(s), out, TreeArchiver.Mode.PLAIN, include::contains, deleted);
    }

    @Override
    public void remove(Snapshot s) {
        Path dir = s.dir();
        if (!Files.exists(dir)) return;
        try (RootedDir parent = RootedDir.open(dir.getParent())) {
            parent.remove(dir.getFileName().toString());
        }
    }
}
