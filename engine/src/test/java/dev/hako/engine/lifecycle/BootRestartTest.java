package dev.hako.engine.lifecycle;

import dev.hako.engine.Engine;
import dev.hako.engine.EngineFixture;
import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.ContainerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * `hako system boot`: what docker's daemon restarts when it starts. Real containers; a host shutdown is
 * simulated by kill -9 of a container's monitor and then of its init (no exit is recorded).
 */
@Timeout(300)
class BootRestartTest {
    @TempDir static Path root;
    @TempDir static Path runRoot;
    static String image;
    static final List<String> warnings = new ArrayList<>();

    @BeforeAll
    static void importBusybox() throws Exception { image = EngineFixture.importBusybox(root, "hako-test-boot-"); }

    @AfterAll
    static void removeAll() { EngineFixture.removeAll(new Engine(root, runRoot, warnings::add)); }

    static void run(String... cmd) throws IOException, InterruptedException { EngineFixture.run(cmd); }

    final Engine engine = new Engine(root, runRoot, warnings::add);

    ContainerRecord container(String name, String restart, String... command) {
        RunOptions o = RunOptions.of(List.of(command));
        o.restart = restart;
        o.networks = new ArrayList<>(List.of("none"));
        return engine.create(image, name, o, false);
    }

    @Test
    void startsWhatDockersDaemonWouldRestart() throws Exception {
        var alwaysStopped = container("boot-always", "always", "sleep", "1000");
        var unlessStoppedByUser = container("boot-unless-user", "unless-stopped", "sleep", "1000");
        var unlessStoppedByShutdown = container("boot-unless-down", "unless-stopped", "sleep", "1000");
        var onFailureSucceeded = container("boot-onfail-ok", "on-failure", "true");
        var onFailureByShutdown = container("boot-onfail-down", "on-failure", "sleep", "1000");
        var noPolicy = container("boot-no", "no", "sleep", "1000");
        container("boot-never-started", "always", "sleep", "1000");
        for (var r : List.of(alwaysStopped, unlessStoppedByUser, unlessStoppedByShutdown, onFailureSucceeded, onFailureByShutdown, noPolicy))
            engine.start(r.id());
        engine.stop(alwaysStopped.id(), 0);
        engine.stop(unlessStoppedByUser.id(), 0);
        engine.stop(noPolicy.id(), 0);
        assertEquals(0, engine.waitFor(onFailureSucceeded.id()));
        shutDown(unlessStoppedByShutdown);
        shutDown(onFailureByShutdown);

        List<String> failures = new ArrayList<>();
        List<String> started = engine.startAfterBoot((name, e) -> failures.add(name + ": " + e.getMessage()));

        assertEquals(List.of(), failures);
        assertEquals(Set.of("boot-always", "boot-unless-down", "boot-onfail-down"), Set.copyOf(started));
        for (String name : started) assertEquals("running", engine.inspect(name).status().state(), name);
        for (String name : List.of("boot-unless-user", "boot-onfail-ok", "boot-no"))
            assertEquals("exited", engine.inspect(name).status().state(), name);
        assertEquals("created", engine.inspect("boot-never-started").status().state());
        // a second boot finds them running
        assertEquals(List.of(), engine.startAfterBoot((name, e) -> failures.add(name)));
    }

    /** What a power-off does to a running container: its monitor and init die without recording an exit. */
    private void shutDown(ContainerRecord r) throws Exception {
        int init = engine.inspect(r.id()).status().pid();
        String monitor = Files.readString(engine.store().dir(r.id()).resolve(LifecycleFiles.MONITOR)).trim().split(" ")[0];
        run("kill", "-9", monitor);
        run("kill", "-9", Integer.toString(init));
        for (int i = 0; i < 200 && ProcessHandle.of(init).isPresent(); i++) Thread.sleep(25);
        assertEquals("exited", engine.inspect(r.id()).status().state());
        assertEquals(255, engine.inspect(r.id()).status().exitCode());
    }
}
