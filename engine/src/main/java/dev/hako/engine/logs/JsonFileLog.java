package dev.hako.engine.logs;

import dev.hako.oci.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the container log the monitor writes (kernel/src/main/c/monitor.c, logfile.c), docker's json-file format,
 * with docker's rotation: ctr.log is the newest file, ctr.log.1 the one before, up to ctr.log.N (the oldest).
 * Reading is incremental by byte offset so a follower can poll it while the monitor appends; a {@link Follower}
 * also follows the records across rotations.
 */
public final class JsonFileLog {
    private final Path file;

    public JsonFileLog(Path file) { this.file = file; }

    public Path file() { return file; }

    /** The complete records of the current file (ctr.log) from {@code offset} on; {@link Chunk#next()} is where to continue. */
    public Chunk readFrom(long offset) { return read(file, offset); }

    /** Every record kept, the rotated files' first, oldest first. */
    public List<LogEntry> readAll() {
        List<LogEntry> out = new ArrayList<>();
        Follower f = follower();
        out.addAll(f.poll());
        return out;
    }

    /** Reads everything kept, then (at each {@link Follower#poll}) what was written since, across rotations. */
    public Follower follower() { return new Follower(); }

    public record Chunk(List<LogEntry> entries, long next) {}

    /** A reading position: the file by inode (rotation renames it) and the offset in it. */
    public final class Follower {
        private Object inode;
        private long offset;
        private String head; // the followed file's first record: another one means it was truncated and rewritten

        private Follower() {}

        /** The records written since the last poll (the first poll: all kept). */
        public List<LogEntry> poll() {
            List<LogEntry> out = new ArrayList<>();
            List<Path> files = files(); // oldest first, ctr.log last
            int from = 0;
            if (inode != null) {
                int at = -1;
                for (int i = 0; i < files.size(); i++) if (inode.equals(inode(files.get(i)))) at = i;
                if (at < 0) {
                    // rotated out while we slept (as docker, those records are lost to this reader)
                    offset = 0;
                } else {
                    from = at;
                    // truncated in place (max-file 1): start over in it
                    if (size(files.get(at)) < offset || !java.util.Objects.equals(head, firstLine(files.get(at)))) offset = 0;
                }
            }
            for (int i = from; i < files.size(); i++) {
                Path f = files.get(i);
                long start = i == from && inode != null ? offset : 0;
                Chunk c = read(f, start);
                out.addAll(c.entries());
                // more than one read's worth (16 MiB)
                while (c.next() > start && c.next() < size(f)) {
                    start = c.next();
                    c = read(f, start);
                    out.addAll(c.entries());
                }
                if (i == files.size() - 1) {
                    inode = inode(f);
                    offset = c.next();
                    head = firstLine(f);
                }
            }
            if (files.isEmpty()) {
                inode = null;
                offset = 0;
            }
            return out;
        }
    }

    private List<Path> files() {
        List<Path> rotated = new ArrayList<>();
        for (int i = 1; ; i++) {
            Path p = file.resolveSibling(file.getFileName() + "." + i);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) break;
            rotated.addFirst(p);
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) rotated.add(file);
        return rotated;
    }

    private static Object inode(Path p) {
        try {
            return Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }

    private static String firstLine(Path p) {
        try (var in = Files.newInputStream(p)) {
            byte[] b = in.readNBytes(1 << 17);
            for (int i = 0; i < b.length; i++) if (b[i] == '\n') return new String(b, 0, i, StandardCharsets.UTF_8);
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static Chunk read(Path file, long offset) {
        byte[] bytes;
        try (var ch = FileChannel.open(file)) {
            long size = ch.size();
            if (size <= offset) return new Chunk(List.of(), offset);
            var buf = ByteBuffer.allocate((int) Math.min(size - offset, 16 << 20));
            while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) { }
            bytes = java.util.Arrays.copyOf(buf.array(), buf.position());
        } catch (NoSuchFileException e) {
            return new Chunk(List.of(), offset);
        } catch (IOException e) {
            throw new UncheckedIOException("read " + file + ": " + e.getMessage(), e);
        }
        List<LogEntry> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') continue;
            String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
            start = i + 1;
            if (line.isBlank()) continue;
            try {
                out.add(Json.parse(line, LogEntry.class));
            } catch (RuntimeException e) {
                // a damaged line (a crash mid-write) is skipped, as docker does
            }
        }
        return new Chunk(List.copyOf(out), offset + start); // a partial last line is read again next time
    }
}
