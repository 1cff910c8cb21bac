package dev.hako.image.archive;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small helpers for the outer archive tars (not layer tars: those are H6's). */
final class Tars {
    private Tars() {}

    static TarArchiveOutputStream writer(OutputStream out) {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        return tar;
    }

    static void file(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        e.setMode(0644);
        e.setModTime(0);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    static void file(TarArchiveOutputStream tar, String name, Path content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(Files.size(content));
        e.setMode(0644);
        e.setModTime(0);
        tar.putArchiveEntry(e);
        Files.copy(content, tar);
        tar.closeArchiveEntry();
    }

    static void dir(TarArchiveOutputStream tar, String name) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
        e.setMode(0755);
        e.setModTime(0);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    static TarArchiveInputStream reader(Path file) throws IOException {
        return new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
    }

    /** "./a//b" → "a/b": archive names as tools write them vary. */
    static String clean(String name) {
        String n = name;
        while (n.startsWith("./")) n = n.substring(2);
        while (n.startsWith("/")) n = n.substring(1);
        n = n.replaceAll("/+", "/");
        if (n.endsWith("/")) n = n.substring(0, n.length() - 1);
        return n;
    }

    /** Resolves a symlink target relative to the link's directory inside the archive. */
    static String resolveLink(String linkName, String target) {
        if (target.startsWith("/")) return clean(target);
        int slash = linkName.lastIndexOf('/');
        String base = slash < 0 ? "" : linkName.substring(0, slash + 1);
        java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
        for (String p : (base + target).split("/")) {
            if (p.isEmpty() || p.equals(".")) continue;
            if (p.equals("..")) { if (!parts.isEmpty()) parts.removeLast(); } else parts.addLast(p);
        }
        return String.join("/", parts);
    }

    /** Reads every entry whose cleaned name is in {@code wanted} (≤ limit bytes each); follows no links. */
    static Map<String, byte[]> readSmall(Path file, java.util.function.Predicate<String> wanted, long limit) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (TarArchiveInputStream in = reader(file)) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (!e.isFile()) continue;
                String n = clean(e.getName());
                if (!wanted.test(n)) continue;
                if (e.getSize() > limit) throw new ArchiveException(file + ": entry " + n + " is " + e.getSize() + " bytes, over " + limit);
                out.put(n, readAll(in, limit));
            }
        }
        return out;
    }

    static byte[] readAll(InputStream in, long limit) throws IOException {
        byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        if (b.length > limit) throw new ArchiveException("archive entry over " + limit + " bytes");
        return b;
    }
}
