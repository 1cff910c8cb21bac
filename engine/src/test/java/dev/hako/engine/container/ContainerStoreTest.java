package dev.hako.engine.container;

import dev.hako.engine.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.*;

class ContainerStoreTest {
    @TempDir Path root;

    private static ContainerRecord template(String created) {
        return new ContainerRecord("", "", "busybox", "sha256:abc", created, List.of("sh"), null, null, false, Map.of(), null);
    }

    @Test
    void createReadStateAndRemove() {
        var s = new ContainerStore(root);
        var r = s.create(template("2026-01-01T00:00:00Z"), "web");
        assertTrue(r.id().matches("[0-9a-f]{64}"));
        assertEquals("web", r.name());
        assertEquals(r, s.read(r.id()).orElseThrow());
        assertFalse(s.state(r.id()).started());
        s.writeState(r.id(), new ContainerState(true, "2026-01-01T00:00:01Z"));
        assertTrue(s.state(r.id()).started());
        assertTrue(Files.isRegularFile(root.resolve("containers").resolve(r.id()).resolve("container.json")));
        s.remove(r.id());
        assertTrue(s.read(r.id()).isEmpty());
        assertFalse(Files.exists(root.resolve("containers").resolve(r.id())));
    }

    @Test
    void namesAreUniqueAndValidated() {
        var s = new ContainerStore(root);
        var a = s.create(template("1"), "dup");
        var e = assertThrows(EngineException.class, () -> s.create(template("2"), "dup"));
        assertTrue(e.getMessage().contains("The container name \"/dup\" is already in use by container \"" + a.id()), e.getMessage());
        assertThrows(EngineException.class, () -> s.create(template("2"), "-bad"));
        assertThrows(EngineException.class, () -> s.create(template("2"), "a/b"));
        var g = s.create(template("3"), null);
        assertTrue(g.name().matches("[a-z]+_[a-z]+\\d?"), g.name());
    }

    @Test
    void concurrentCreatesOfOneNameGiveOneWinner() throws Exception {
        var s = new ContainerStore(root);
        Set<String> won = ConcurrentHashMap.newKeySet();
        try (var ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 16; i++) ex.submit(() -> {
                try { won.add(s.create(template("x"), "same").id()); } catch (EngineException ignored) { }
            });
        }
        assertEquals(1, won.size());
        assertEquals(1, s.list().size());
    }

    @Test
    void lookupByIdNameAndPrefix() {
        var s = new ContainerStore(root);
        List<ContainerRecord> made = new ArrayList<>();
        for (int i = 0; i < 3; i++) made.add(s.create(template("2026-01-0" + (i + 1)), "c" + i));
        var first = made.getFirst();
        assertEquals(first, s.lookup(first.id()));
        assertEquals(first, s.lookup("c0"));
        assertEquals(first, s.lookup(first.id().substring(0, 12)));
        assertEquals(made, s.list(), "oldest first");
        var e = assertThrows(EngineException.class, () -> s.lookup("nothere"));
        assertEquals("No such container: nothere", e.getMessage());
        // the empty prefix... and a one-char prefix that matches several is ambiguous unless unique
        long sameStart = made.stream().filter(r -> r.id().charAt(0) == first.id().charAt(0)).count();
        if (sameStart > 1) assertThrows(EngineException.class, () -> s.lookup(first.id().substring(0, 1)));
        else assertEquals(first, s.lookup(first.id().substring(0, 1)));
    }

    @Test
    void halfMadeOrDamagedContainersDoNotBreakListing() throws Exception {
        var s = new ContainerStore(root);
        var ok = s.create(template("1"), "ok");
        Files.createDirectory(s.dir().resolve("f".repeat(64)));  // no record: skipped
        var bad = s.create(template("2"), "bad");
        Files.writeString(s.dir(bad.id()).resolve("container.json"), "{not json");
        assertEquals(List.of(ok), s.list());
    }

    @Test
    void removeRefusesToCrossSymlinks() throws Exception {
        var s = new ContainerStore(root);
        var r = s.create(template("1"), "xx");
        Path outside = Files.createDirectories(root.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "k");
        Files.createSymbolicLink(s.dir(r.id()).resolve("link"), outside);
        s.remove(r.id());
        assertTrue(Files.exists(outside.resolve("keep")));
    }
}
