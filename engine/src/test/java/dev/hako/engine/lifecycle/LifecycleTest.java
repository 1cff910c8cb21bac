package dev.hako.engine.lifecycle;

import dev.hako.engine.Engine;
import dev.hako.engine.EngineException;
import dev.hako.engine.EngineFixture;
import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.ContainerRecord;
import dev.hako.engine.container.Status;
import dev.hako.engine.logs.LogEntry;
import dev.hako.kernel.Pidfd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Restart policies carried out by the monitor with no hako process watching, log rotation in the monitor, --init,
 * stop signal, restart, and status after the monitor or /run is gone. Real containers from an offline busybox.
 */
@Timeout(300) // a hung follow must not hang the build
class LifecycleTest {
    @TempDir static Path root;
    @TempDir static Path runRoot;
    static String image;
    static final List<String> warnings = new ArrayList<>();

    @BeforeAll
    static void importBusybox() throws Exception {
        image = EngineFixture.importBusybox(root, "hako-test-lifecycle-", "CMD [\"sh\"]");
    }

    static String run(String... cmd) throws IOException, InterruptedException { return EngineFixture.run(cmd); }

    final Engine engine = new Engine(root, runRoot, warnings::add);

    @AfterEach
    void removeAll() {
        EngineFixture.removeAll(engine);
    }

    @AfterAll
    static void noneLeft() {
        assertEquals(List.of(), new Engine(root, runRoot, warnings::add).list());
    }

    private ContainerRecord create(RunOptions o) { return engine.create(image, null, o, false); }

    private static RunOptions sh(String script) { return RunOptions.of(List.of("sh", "-c", script)); }

    private Path dir(ContainerRecord r) { return engine.store().dir(r.id()); }

    private String log(ContainerRecord r) {
        StringBuilder b = new StringBuilder();
        for (LogEntry e : engine.log(r.id()).readAll()) b.append(e.log());
        return b.toString();
    }

    /** Polls {@code done} until it holds; fails after a generous bound (a loaded machine starts JVMs slowly). */
    private static void await(String what, BooleanSupplier done) {
        long end = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) fail("timed out waiting for " + what);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    // ---------------------------------------------------------------- restart policies

    @Test
    void onFailureRestartsExactlyMaxRetriesTimes() {
        RunOptions o = sh("echo run; exit 3");
        o.restart = "on-failure:2";
        var r = create(o);
        engine.start(r.id());
        // waitFor does not return while the container is restarting: the third exit is the last
        assertTimeoutPreemptively(Duration.ofSeconds(240), () -> assertEquals(3, engine.waitFor(r.id())));
        assertEquals(2, engine.restartCount(r.id()));
        assertEquals("run\nrun\nrun\n", log(r));
        assertEquals("exited", engine.inspect(r.id()).status().state());
        assertFalse(Files.exists(dir(r).resolve("restart.err")));
    }

    @Test
    void onFailureDoesNotRestartASuccess() {
        RunOptions o = sh("echo once");
        o.restart = "on-failure";
        var r = create(o);
        engine.start(r.id());
        assertEquals(0, engine.waitFor(r.id()));
        assertEquals(0, engine.restartCount(r.id()));
        assertEquals("once\n", log(r));
    }

    @Test
    void alwaysBringsBackAnInitKilledFromOutsideAndStopEndsIt() throws Exception {
        RunOptions o = sh("echo up; exec sleep 1000");
        o.restart = "always";
        var r = create(o);
        engine.start(r.id());
        int first = engine.inspect(r.id()).status().pid();
        assertTrue(first > 0);
        try (Pidfd p = Pidfd.open(first)) {
            p.signal(9); // no hako process watches: the monitor alone restarts it
        }
        await("the restart", () -> {
            Status s = engine.inspect(r.id()).status();
            return s.state().equals("running") && s.pid() != first;
        });
        assertEquals(1, engine.restartCount(r.id()));
        // both runs' "up" in the one log (what else may be there is named if this fails)
        String[] seen = {""};
        try {
            await("the second run's output", () -> (seen[0] = log(r)).lines().filter("up"::equals).count() == 2);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the log: " + seen[0].replace("\n", "\\n") + "; restart.err: "
                    + (Files.exists(dir(r).resolve("restart.err")) ? Files.readString(dir(r).resolve("restart.err")) : "none"), e);
        }

        engine.stop(r.id(), 1);
        // the monitor decided before it wrote the exit file that stop waited for: no restart is pending
        Status s = engine.inspect(r.id()).status();
        assertEquals("exited", s.state(), s.toString());
        assertFalse(Files.exists(dir(r).resolve(LifecycleFiles.RESTARTING)));
        assertEquals(1, engine.restartCount(r.id()));

        // a user start clears the stop mark and the count
        engine.start(r.id());
        assertEquals("running", engine.inspect(r.id()).status().state());
        assertEquals(0, engine.restartCount(r.id()));
    }

    @Test
    void stopWhileRestartingEndsTheRestarts() {
        RunOptions o = sh("echo crash; exit 1");
        o.restart = "always";
        var r = create(o);
        engine.start(r.id());
        await("a restart", () -> engine.inspect(r.id()).status().restarting() || engine.restartCount(r.id()) > 0);
        engine.stop(r.id(), 1);
        Status s = engine.inspect(r.id()).status();
        assertEquals("exited", s.state(), s.toString());
        assertFalse(Files.exists(dir(r).resolve(LifecycleFiles.RESTARTING)));
        int count = engine.restartCount(r.id());
        // nothing is left that could start it again: no monitor, no restart command running
        assertNotEquals(Boolean.TRUE, new LifecycleFiles(dir(r)).monitorAlive());
        assertEquals(count, engine.restartCount(r.id()));
    }

    @Test
    void killMarksTheContainerStoppedBeforeSignalling() {
        RunOptions o = sh("exec sleep 1000");
        o.restart = "unless-stopped";
        var r = create(o);
        engine.start(r.id());
        engine.kill(r.id(), "KILL");
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertEquals(137, engine.waitFor(r.id())));
        assertEquals("exited", engine.inspect(r.id()).status().state());
        assertEquals(0, engine.restartCount(r.id()));
    }

    @Test
    void restartStopsAndStartsAgain() {
        var r = create(sh("echo hello; exec sleep 1000"));
        engine.start(r.id());
        int first = engine.inspect(r.id()).status().pid();
        engine.restart(r.id(), 1, null);
        Status s = engine.inspect(r.id()).status();
        assertEquals("running", s.state());
        assertNotEquals(first, s.pid());
        await("the second run's output", () -> log(r).equals("hello\nhello\n"));
    }

    // ---------------------------------------------------------------- stop signal, --init

    @Test
    void stopSignalIsTheOneTheContainerSees() {
        RunOptions o = sh("trap 'echo got USR1; exit 0' USR1; echo ready; while :; do sleep 0.1; done");
        o.stopSignal = "SIGUSR1";
        o.stopTimeout = 30;
        var r = create(o);
        assertEquals("SIGUSR1", r.stopSignal());
        assertEquals(30, r.stopTimeout());
        engine.start(r.id());
        await("ready", () -> log(r).contains("ready"));
        engine.stop(r.id(), null);
        assertEquals(0, engine.waitFor(r.id()), log(r));
        assertTrue(log(r).contains("got USR1"), log(r));
    }

    @Test
    void initIsPid1ReapsOrphansAndExitsWithTheChildsStatus() {
        // the subshell exits at once: its sleep is orphaned to PID 1, which must reap it when it ends
        RunOptions o = sh("(sleep 0.2 &); sleep 1; ps -o pid,stat,comm; exit 7");
        o.init = true;
        var r = create(o);
        assertEquals(List.of("sh", "-c", o.command.get(2)), r.args(), "ps and inspect show the user's command");
        engine.start(r.id());
        assertEquals(7, engine.waitFor(r.id()));
        String ps = log(r);
        assertTrue(ps.lines().anyMatch(l -> l.matches("\\s*1\\s+\\S+\\s+docker-init")), ps);
        assertTrue(ps.lines().noneMatch(l -> l.matches("\\s*\\d+\\s+Z.*")), "a zombie was left: " + ps);
    }

    @Test
    void initForwardsSignalsToItsChild() {
        RunOptions o = sh("trap 'echo got TERM; exit 5' TERM; echo ready; while :; do sleep 0.1; done");
        o.init = true;
        var r = create(o);
        engine.start(r.id());
        await("ready", () -> log(r).contains("ready"));
        engine.stop(r.id(), 30);
        assertEquals(5, engine.waitFor(r.id()), log(r));
        assertTrue(log(r).contains("got TERM"), log(r));
    }

    // ---------------------------------------------------------------- logs

    @Test
    void rotationKeepsMaxFileFilesOfAboutMaxSizeAndTheTailInOrder() throws Exception {
        // 300 records of ~80 bytes: far more than 3 files of 2000 bytes hold
        RunOptions o = sh("i=1; while [ $i -le 300 ]; do echo line-$i; i=$((i+1)); done");
        o.logOpts = Map.of("max-size", "2k", "max-file", "3");
        var r = create(o);
        engine.start(r.id());
        assertEquals(0, engine.waitFor(r.id()));
        Path d = dir(r);
        List<String> files;
        try (Stream<Path> s = Files.list(d)) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("ctr.log")).sorted().toList();
        }
        assertEquals(List.of("ctr.log", "ctr.log.1", "ctr.log.2"), files);
        for (String f : files) assertTrue(Files.size(d.resolve(f)) <= 2000 + 200, f + ": " + Files.size(d.resolve(f)));
        List<String> lines = engine.log(r.id()).readAll().stream().map(LogEntry::log).toList();
        assertEquals("line-300\n", lines.getLast());
        assertTrue(lines.size() > 20 && lines.size() < 100, lines.size() + " records kept");
        int firstKept = Integer.parseInt(lines.getFirst().trim().substring(5));
        for (int i = 0; i < lines.size(); i++) assertEquals("line-" + (firstKept + i) + "\n", lines.get(i), "record " + i);
    }

    @Test
    void maxFileOneTruncatesInPlace() throws Exception {
        RunOptions o = sh("i=1; while [ $i -le 100 ]; do echo line-$i; i=$((i+1)); done");
        o.logOpts = Map.of("max-size", "1k");
        var r = create(o);
        engine.start(r.id());
        assertEquals(0, engine.waitFor(r.id()));
        assertFalse(Files.exists(dir(r).resolve("ctr.log.1")));
        assertTrue(Files.size(dir(r).resolve("ctr.log")) <= 1000 + 200);
        assertEquals("line-100\n", engine.log(r.id()).readAll().getLast().log());
    }

    @Test
    void logDriverNoneKeepsNothing() {
        RunOptions o = sh("echo secret");
        o.logDriver = "none";
        var r = create(o);
        engine.start(r.id());
        assertEquals(0, engine.waitFor(r.id()));
        assertFalse(Files.exists(dir(r).resolve("ctr.log")));
        var e = assertThrows(EngineException.class, () -> engine.log(r.id()));
        assertEquals("configured logging driver does not support reading", e.getMessage());
    }

    // ---------------------------------------------------------------- status without a daemon

    @Test
    void statusAfterTheMonitorWasKilledAndAfterLosingTheRunRoot() throws Exception {
        Path otherRun = Files.createTempDirectory(root, "run-lost");
        Engine e = new Engine(root, otherRun, warnings::add);
        RunOptions o = sh("exec sleep 1000");
        o.networks = List.of("none"); // the simulated reboot below would leave a CNI attachment (iptables) behind
        var r = e.create(image, null, o, false);
        e.start(r.id());
        Path d = e.store().dir(r.id());
        int monitor = Integer.parseInt(Files.readString(d.resolve(LifecycleFiles.MONITOR)).trim().split(" ")[0]);
        int init = e.inspect(r.id()).status().pid();
        try (Pidfd m = Pidfd.open(monitor); Pidfd i = Pidfd.open(init)) {
            m.signal(9);
            assertTrue(m.awaitExit(Duration.ofSeconds(30)));
            // as with conmon, the container outlives its monitor (ps tells the truth: it runs)
            assertEquals("running", e.inspect(r.id()).status().state());
            i.signal(9);
            assertTrue(i.awaitExit(Duration.ofSeconds(30)));
        }
        Status s = e.inspect(r.id()).status();
        assertEquals("exited", s.state());
        assertEquals(255, s.exitCode(), "no one saw the exit");

        // a reboot: /run is gone and the snapshot no longer mounted
        // (a reboot also takes the mounts under /run, such as the netns bind mount)
        run("sh", "-c", "awk '{print $5}' /proc/self/mountinfo | grep '^" + otherRun + "/' | xargs -r -n1 umount -l");
        run("rm", "-rf", otherRun.toString());
        run("umount", d.resolve("rootfs").toString());
        Engine after = new Engine(root, otherRun, warnings::add);
        assertEquals("exited", after.inspect(r.id()).status().state());
        after.start(r.id());
        assertEquals("running", after.inspect(r.id()).status().state());
        after.remove(r.id(), true);
    }

    // ---------------------------------------------------------------- validation

    @Test
    void badFlagsAreRefusedBeforeAnythingIsMade() {
        int before = engine.list().size();
        RunOptions o = sh("true");
        o.restart = "sometimes";
        assertEquals("invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'",
                assertThrows(EngineException.class, () -> create(o)).getMessage());
        RunOptions rm = sh("true");
        rm.restart = "always";
        assertThrows(EngineException.class, () -> engine.create(image, null, rm, true));
        RunOptions sig = sh("true");
        sig.stopSignal = "SIGNOPE";
        assertEquals("Invalid signal: SIGNOPE", assertThrows(EngineException.class, () -> create(sig)).getMessage());
        RunOptions log = sh("true");
        log.logOpts = Map.of("max-file", "0");
        assertEquals("max-file cannot be less than 1", assertThrows(EngineException.class, () -> create(log)).getMessage());
        assertEquals(before, engine.list().size());
    }
}
