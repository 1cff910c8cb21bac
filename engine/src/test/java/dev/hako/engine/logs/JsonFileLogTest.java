package dev.hako.engine.logs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Reading docker's rotated json-file logs in order, and following them across a rotation (as logfile.c rotates). */
class JsonFileLogTest {
    @TempDir Path dir;

    private void append(String file, int... lines) throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i : lines) b.append("{\"log\":\"l").append(i).append("\\n\",\"stream\":\"stdout\",\"time\":\"2026-01-01T00:00:00.000000000Z\"}\n");
        Files.writeString(dir.resolve(file), b, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static List<String> logs(List<LogEntry> entries) { return entries.stream().map(e -> e.log().trim()).toList(); }

    @Test
    void readsRotatedFilesOldestFirst() throws Exception {
        append("ctr.log.2", 1, 2);
        append("ctr.log.1", 3, 4);
        append("ctr.log", 5);
        assertEquals(List.of("l1", "l2", "l3", "l4", "l5"), logs(new JsonFileLog(dir.resolve("ctr.log")).readAll()));
    }

    @Test
    void followsAcrossARotationWithoutLosingOrRepeatingRecords() throws Exception {
        append("ctr.log", 1, 2);
        var f = new JsonFileLog(dir.resolve("ctr.log")).follower();
        assertEquals(List.of("l1", "l2"), logs(f.poll()));
        append("ctr.log", 3);
        Files.move(dir.resolve("ctr.log"), dir.resolve("ctr.log.1"));
        append("ctr.log", 4);
        assertEquals(List.of("l3", "l4"), logs(f.poll()));
        assertEquals(List.of(), f.poll());
        // max-file 1: truncated in place
        Files.writeString(dir.resolve("ctr.log"), "");
        append("ctr.log", 5);
        assertEquals(List.of("l5"), logs(f.poll()));
    }
}
