package dev.hako.engine;

import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.ContainerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Commands of one warm JVM: threads, each with its own Engine (and so its own stores) over one root, as
 * `hako` commands run in one JVM. Their locks must exclude each other as two processes' do.
 */
class ConcurrentEnginesTest {
    private static final int THREADS = 8;
    @TempDir static Path root;
    @TempDir static Path runRoot;
    static String image, volume;
    static final ConcurrentLinkedQueue<String> warnings = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void importBusybox() throws Exception {
        image = BusyboxImage.importInto(root, "hako-test-locks-");
        volume = image.substring(0, image.indexOf(':'));
    }

    @AfterAll
    static void removeAll() {
        Engine e = new Engine(root, runRoot, warnings::add);
        for (var v : e.list()) e.remove(v.record().id(), true);
        for (var v : e.listVolumes()) e.removeVolume(v.name(), true);
    }

    private static RunOptions options(List<String> cmd) {
        RunOptions o = RunOptions.of(cmd);
        o.networks = new ArrayList<>(List.of("none"));
        return o;
    }

    /** create, start, ps, rm -f in 8 engines at once; all of it succeeds and nothing is left behind. */
    @Test
    void enginesOfOneJvmCreateStartAndRemoveConcurrently() throws Exception {
        int rounds = 2;
        var created = new ConcurrentLinkedQueue<String>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                all.add(pool.submit(() -> {
                    Engine engine = new Engine(root, runRoot, warnings::add); // a command's own engine and stores
                    go.await();
                    for (int r = 0; r < rounds; r++) {
                        RunOptions o = options(List.of("sleep", "60"));
                        o.binds = new ArrayList<>(List.of(volume + ":/data")); // all share one named volume
                        ContainerRecord c = engine.create(image, null, o, false); // a generated name: the store lock
                        created.add(c.id());
                        engine.start(c.id());
                        assertTrue(engine.inspect(c.id()).status().running(), "thread " + thread + " round " + r);
                        assertTrue(engine.list().stream().anyMatch(v -> v.record().id().equals(c.id())), "ps lists it");
                        engine.remove(c.id(), true);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : all) f.get(300, TimeUnit.SECONDS);
        }
        assertEquals(THREADS * rounds, Set.copyOf(created).size(), "every create made its own container");
        Engine e = new Engine(root, runRoot, warnings::add);
        assertEquals(List.of(), e.list(), "all removed");
        try (Stream<Path> s = Files.list(e.store().dir())) {
            assertEquals(Set.of(".lock"), s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()),
                    "container dirs left");
        }
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(root.toString()), "a mount left under " + root);
        List<Path> hierarchies;
        try (Stream<Path> s = Files.list(Path.of("/sys/fs/cgroup"))) {
            hierarchies = Stream.concat(Stream.of(Path.of("/sys/fs/cgroup")), s).toList();
        }
        for (String id : created) {
            assertFalse(Files.exists(runRoot.resolve("runtime").resolve(id)), "runtime state left for " + id);
            for (Path h : hierarchies) assertFalse(Files.exists(h.resolve("hako").resolve(id)), "cgroup left in " + h + " for " + id);
        }
        assertEquals(List.of(volume), e.listVolumes().stream().map(v -> v.name()).toList(), "one volume, made once");
    }

    /** The same name asked of 8 engines at once: exactly one gets it, the others docker's conflict. */
    @Test
    void oneNameGoesToExactlyOneEngine() throws Exception {
        String name = "hako-test-locks-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        var won = new ConcurrentLinkedQueue<String>();
        var conflicts = new ConcurrentLinkedQueue<String>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            for (int t = 0; t < THREADS; t++) {
                all.add(pool.submit(() -> {
                    Engine engine = new Engine(root, runRoot, warnings::add);
                    go.await();
                    try {
                        won.add(engine.create(image, name, options(List.of("true")), false).id());
                    } catch (EngineException e) {
                        conflicts.add(String.valueOf(e.getMessage()));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : all) f.get(120, TimeUnit.SECONDS);
        }
        assertEquals(1, won.size(), "winners: " + won + ", errors: " + conflicts);
        for (String m : conflicts)
            assertTrue(m.startsWith("Conflict. The container name \"/" + name + "\" is already in use"), m);
        Engine e = new Engine(root, runRoot, warnings::add);
        assertEquals(1, e.list().stream().filter(v -> v.record().name().equals(name)).count());
        e.remove(name, true);
    }
}
