package dev.hako.image.layer;

import dev.hako.kernel.fs.RootedDir;
import dev.hako.kernel.fs.Stat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The merged, read-only view of layer trees in overlay form (whiteouts are char devices 0:0, opaque dirs carry
 * the opaque xattr), computed by looking at the layers rather than mounting them.
 */
public final class LowerView implements AutoCloseable {
    private final List<RootedDir> topFirst = new ArrayList<>();
    private final String opaqueXattr;

    public record Found(RootedDir layer, Stat stat) {}

    public LowerView(List<Path> bottomFirst, String opaqueXattr) {
        this.opaqueXattr = opaqueXattr;
        try {
            for (int i = bottomFirst.size() - 1; i >= 0; i--) topFirst.add(RootedDir.open(bottomFirst.get(i)));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public static String join(String parent, String name) { return parent.isEmpty() ? name : parent + "/" + name; }

    public boolean opaque(RootedDir layer, String rel) {
        byte[] v = layer.getXattr(rel, opaqueXattr);
        return v != null && v.length == 1 && v[0] == 'y';
    }

    /** True if, in this layer, an ancestor of rel is a whiteout, not a directory, or opaque (hiding lower layers). */
    private boolean blocked(RootedDir layer, String rel) {
        String prefix = "";
        String[] parts = rel.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            prefix = join(prefix, parts[i]);
            Stat st = layer.lstat(prefix);
            if (st == null) return false;
            if (!st.isDirectory()) return true;
            if (opaque(layer, prefix)) return true;
        }
        return false;
    }

    /** The topmost layer entry visible at rel, or null if no layer has it or a whiteout hides it. */
    public Found lookup(String rel) {
        if (rel.isEmpty()) return topFirst.isEmpty() ? null : new Found(topFirst.getFirst(), topFirst.getFirst().fstatRoot());
        for (RootedDir layer : topFirst) {
            Stat st = layer.lstat(rel);
            if (st != null) return st.isWhiteout() ? null : new Found(layer, st);
            if (blocked(layer, rel)) return null;
        }
        return null;
    }

    /** Names visible in directory rel of the merged view. */
    public Set<String> list(String rel) {
        Set<String> seen = new LinkedHashSet<>();
        Set<String> visible = new TreeSet<>();
        for (RootedDir layer : topFirst) {
            Stat st = rel.isEmpty() ? layer.fstatRoot() : layer.lstat(rel);
            if (st == null) {
                if (!rel.isEmpty() && blocked(layer, rel)) break;
                continue;
            }
            if (!st.isDirectory()) break;
            for (String name : layer.list(rel)) {
                if (!seen.add(name)) continue;
                Stat c = layer.lstat(join(rel, name));
                if (c != null && !c.isWhiteout()) visible.add(name);
            }
            if (!rel.isEmpty() && (opaque(layer, rel) || blocked(layer, rel))) break;
        }
        return visible;
    }

    @Override
    public void close() {
        for (RootedDir d : topFirst) d.close();
    }
}
