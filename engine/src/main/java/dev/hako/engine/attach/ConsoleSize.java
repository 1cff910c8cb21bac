package dev.hako.engine.attach;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.oci.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The window size a container's terminal starts with: {@code process.consoleSize} in its bundle (docker's
 * HostConfig.ConsoleSize). The runtime sets it on the pty before the container's process runs, so a program that
 * asks for its size at once (`stty size`, a full-screen editor) sees the caller's, not 0x0; a resize frame sent
 * after start would race with it.
 */
public final class ConsoleSize {
    private ConsoleSize() {}

    /** Stores rows x cols in {@code <containerDir>/config.json} for the next start; nothing without a terminal. */
    public static void set(Path containerDir, int rows, int cols) {
        if (rows <= 0 || cols <= 0 || rows > 0xffff || cols > 0xffff) return;
        Path config = containerDir.resolve("config.json");
        JsonNode root;
        try {
            root = Json.mapper().readTree(config.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("read " + config + ": " + e.getMessage(), e);
        }
        if (!(root.path("process") instanceof ObjectNode process) || !process.path("terminal").asBoolean(false)) return;
        JsonNode old = process.path("consoleSize");
        if (old.path("height").asInt() == rows && old.path("width").asInt() == cols) return;
        process.putObject("consoleSize").put("height", rows).put("width", cols);
        Json.writeAtomic(config, root);
    }
}
