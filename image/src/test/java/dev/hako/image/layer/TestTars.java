package dev.hako.image.layer;

import com.github.luben.zstd.ZstdOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/** Builds layer tars for tests with commons-compress, and snapshots directory trees for comparisons. */
final class TestTars {
    private TestTars() {}

    static final long MTIME = 1_600_000_000L;

    /** A tar built by {@code body}; entries get MTIME unless they set their own. */
    static byte[] tar(Consumer<Builder> body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            body.accept(new Builder(out));
            out.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static final class Builder {
        final TarArchiveOutputStream out;

        Builder(TarArchiveOutputStream out) { this.out = out; }

        TarArchiveEntry entry(String name, byte type) {
            TarArchiveEntry e = new TarArchiveEntry(name, type);
            e.setModTime(FileTime.from(java.time.Instant.ofEpochSecond(MTIME)));
            return e;
        }

        Builder put(TarArchiveEntry e, byte[] content) {
            try {
                if (content != null) e.setSize(content.length);
                out.putArchiveEntry(e);
                if (content != null) out.write(content);
                out.closeArchiveEntry();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            return this;
        }

        Builder dir(String name, int mode) {
            TarArchiveEntry e = entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR);
            e.setMode(mode);
            return put(e, null);
        }

        Builder file(String name, String content, int mode) {
            TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL);
            e.setMode(mode);
            return put(e, content.getBytes(StandardCharsets.UTF_8));
        }

        Builder file(String name, String content) { return file(name, content, 0644); }

        Builder symlink(String name, String target) {
            TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK);
            e.setLinkName(target);
            e.setMode(0777);
            return put(e, null);
        }

        Builder hardlink(String name, String target) {
            TarArchiveEntry e = entry(name, TarConstants.LF_LINK);
            e.setLinkName(target);
            e.setMode(0644);
            return put(e, null);
        }

        Builder device(String name, byte type, int major, int minor, int mode) {
            TarArchiveEntry e = entry(name, type);
            e.setDevMajor(major);
            e.setDevMinor(minor);
            e.setMode(mode);
            return put(e, null);
        }
    }

    static byte[] compress(byte[] tar, Compression c) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            OutputStream o = switch (c) {
                case NONE -> b;
                case GZIP -> new GZIPOutputStream(b);
                case ZSTD -> new ZstdOutputStream(b);
            };
            o.write(tar);
            o.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    static String sha256(byte[] b) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Everything observable about a tree, path → description (type, perms, owner, mtime, content hash or link
     * target), never following symlinks. Two trees are equal iff their snapshots are.
     */
    static Map<String, String> snapshot(Path root, boolean withTimes) {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.naturalOrder())::iterator) {
                String rel = root.relativize(p).toString();
                Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                StringBuilder d = new StringBuilder(String.format("%06o %s:%s", mode, a.get("uid"), a.get("gid")));
                if (withTimes)
                    d.append(" t=").append(((FileTime) a.get("lastModifiedTime")).toMillis());
                if (Files.isSymbolicLink(p)) d.append(" -> ").append(Files.readSymbolicLink(p));
                else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) d.append(" ").append(sha256(Files.readAllBytes(p)));
                else if ((mode & 0170000) == 0020000 || (mode & 0170000) == 0060000) d.append(" dev=").append(a.get("rdev"));
                m.put(rel, d.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> {
                try {
                    Files.delete(x);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
