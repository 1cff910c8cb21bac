package dev.hako.engine.logs;

import dev.hako.oci.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the container log the monitor writes (kernel/src/main/c/monitor.c), docker's json-file format.
 * Reading is incremental by byte offset so a follower can poll it while the monitor appends.
 */
public final class JsonFileLog {
    private final Path file;

    public JsonFileLog(Path file) { this.file = file; }

    public Path file() { return file; }

    /** The complete records from {@code offset} on; {@link Chunk#next()} is where to continue. */
    public Chunk readFrom(long offset) {
        if (!Files.exists(file)) return new Chunk(List.of(), offset);
        byte[] bytes;
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            long size = ch.size();
            if (size <= offset) return new Chunk(List.of(), offset);
            var buf = java.nio.ByteBuffer.allocate((int) Math.min(size - offset, 16 << 20));
            ch.read(buf, offset);
            bytes = java.util.Arrays.copyOf(buf.array(), buf.position());
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

    public List<LogEntry> readAll() { return readFrom(0).entries(); }

    public record Chunk(List<LogEntry> entries, long next) {}
}
