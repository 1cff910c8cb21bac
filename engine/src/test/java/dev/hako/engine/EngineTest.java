package dev.hako.engine;

import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.ContainerRecord;
import dev.hako.engine.logs.LogEntry;
import dev.hako.kernel.exec.Stdio;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Real containers from a busybox image imported offline into a temp store. */
class EngineTest {
    static final String PREFIX = "hako-test-engine-";
    @TempDir static Path root;
    @TempDir static Path runRoot;
    static String image;
    static final List<String> warnings = new ArrayList<>();

    Engine engine;

    @BeforeAll
    static void importBusybox() throws Exception {
        image = EngineFixture.importBusybox(root, PREFIX, "CMD [\"sh\"]");
    }

    Engine engine() {
        if (engine == null) engine = new Engine(root, runRoot, warnings::add);
        return engine;
    }

    @AfterEach
    void removeAll() {
        EngineFixture.removeAll(new Engine(root, runRoot, warnings::add));
    }

    private ContainerRecord created(List<String> cmd) {
        return engine().create(image, null, RunOptions.of(cmd), false);
    }

    @Test
    void runsEchoLogsAndRemovesEverything() throws Exception {
        var r = created(List.of("echo", "hi"));
        assertEquals("created", engine().inspect(r.id()).status().state());
        engine().start(r.id());
        assertEquals(0, engine().waitFor(r.id()));
        List<LogEntry> log = engine().log(r.id()).readAll();
        assertEquals(1, log.size(), log.toString());
        assertEquals("hi\n", log.getFirst().log());
        assertEquals("stdout", log.getFirst().stream());
        assertTrue(log.getFirst().time().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z"), log.getFirst().time());
        var st = engine().inspect(r.name()).status();
        assertEquals("exited", st.state());
        assertNotNull(st.finishedAt());

        Path dir = engine().store().dir(r.id());
        engine().remove(r.id(), false);
        assertFalse(Files.exists(dir), "container dir removed");
        assertFalse(Files.exists(runRoot.resolve("runtime").resolve(r.id())), "runtime state removed");
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(r.id()), "no mount left");
        try (Stream<Path> hier = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hier.toList()) assertFalse(Files.exists(h.resolve("hako").resolve(r.id())), "cgroup left in " + h);
        }
    }

    /** After an unclean shutdown a layer that was not on disk yet may be torn: it is unpacked again before a container uses it. */
    @Test
    void aLayerACrashMayHaveTornIsUnpackedAgainBeforeUse() throws Exception {
        var images = new dev.hako.image.store.ImageService(root);
        var chain = images.resolve(image).chainIds().getLast();
        Path passwd = images.layers().diffDir(chain).resolve("etc/passwd");
        String whole = Files.readString(passwd);
        // what the next boot would see: a layer written in another boot and never confirmed, a file cut short
        Path layerJson = images.layers().root().resolve(chain.encoded()).resolve("layer.json");
        var info = dev.hako.oci.Json.read(layerJson, dev.hako.image.layer.LayerStore.LayerInfo.class);
        dev.hako.oci.Json.writeAtomic(layerJson, new dev.hako.image.layer.LayerStore.LayerInfo(info.chainId(),
                info.diffId(), info.parent(), info.size(), "00000000-0000-0000-0000-000000000000"));
        Files.write(passwd, new byte[0]);
        var r = created(List.of("cat", "/etc/passwd"));
        engine().start(r.id());
        assertEquals(0, engine().waitFor(r.id()));
        assertEquals(whole, String.join("", engine().log(r.id()).readAll().stream().map(LogEntry::log).toList()));
        assertTrue(images.layers().trusted(chain));
    }

    @Test
    void exitCodesAndStreams() {
        var r = created(List.of("sh", "-c", "echo out; echo err >&2; exit 3"));
        engine().start(r.id());
        assertEquals(3, engine().waitFor(r.id()));
        var log = engine().log(r.id()).readAll();
        assertTrue(log.contains(new LogEntry("out\n", "stdout", log.stream().filter(x -> x.log().equals("out\n")).findFirst().orElseThrow().time())));
        assertEquals("stderr", log.stream().filter(x -> x.log().equals("err\n")).findFirst().orElseThrow().stream());
        assertEquals(3, engine().inspect(r.id()).status().exitCode());
    }

    @Test
    void logRecordsAreValidJsonForAnyOutput() {
        // control characters, quotes, backslashes, a byte that is not UTF-8, a line longer than 16 KiB without a newline
        var r = created(List.of("sh", "-c", "printf 'tab\\there \"q\" \\\\ \\001\\377\\n'; head -c 20000 /dev/zero | tr '\\0' x"));
        engine().start(r.id());
        assertEquals(0, engine().waitFor(r.id()));
        var log = engine().log(r.id()).readAll();
        assertEquals(3, log.size(), log.toString());
        assertEquals("tab\there \"q\" \\ \u0001\uFFFD\n", log.get(0).log());
        assertEquals("x".repeat(16384), log.get(1).log(), "docker splits at 16 KiB");
        assertEquals("x".repeat(20000 - 16384), log.get(2).log(), "the rest without a newline at EOF");
    }

    /** What docker gives a default container, seen from inside (CapBnd a80425fb is docker's default set). */
    @Test
    void dockerDefaultsSeenFromInside() throws Exception {
        Path host = Files.createTempDirectory(root, "bind");
        Files.writeString(host.resolve("in"), "from-host");
        var o = RunOptions.of(List.of("sh", "-c", String.join("; ",
                "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status",
                "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status",
                "echo interrupts=$(wc -c < /proc/interrupts)",
                "touch /rootfile 2>/dev/null && echo root=rw || echo root=ro",
                "echo sysrq=$(echo h 2>/dev/null > /proc/sysrq-trigger && echo rw || echo ro)",
                "echo host=$(hostname)",
                "echo bind=$(cat /data/in)",
                "touch /data/new 2>/dev/null && echo data=rw || echo data=ro",
                "echo tmp=$(touch /scratch/x && echo ok)",
                "echo shm=$(df -k /dev/shm | tail -1 | awk '{print $2}')",
                "echo pids=$(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max)")));
        o.hostname = "box";
        o.readOnly = true;
        o.pidsLimit = 77;
        o.securityOpt = List.of("no-new-privileges");
        o.tmpfs = List.of("/scratch:mode=1777");
        o.binds = List.of(host + ":/data:ro");
        var r = engine().create(image, null, o, false);
        engine().start(r.id());
        assertEquals(0, engine().waitFor(r.id()));
        StringBuilder b = new StringBuilder();
        for (LogEntry e : engine().log(r.id()).readAll()) b.append(e.log());
        String out = b.toString();
        assertTrue(out.contains("CapBnd:\t00000000a80425fb\n"), out);
        assertTrue(out.contains("CapInh:\t0000000000000000\n"), out);
        assertTrue(out.contains("CapEff:\t00000000a80425fb\n"), out);
        assertTrue(out.contains("Seccomp:\t2\n"), out);
        assertTrue(out.contains("NoNewPrivs:\t1\n"), out);
        assertTrue(out.contains("interrupts=0\n"), "masked (non-empty on the host): " + out);
        assertTrue(out.contains("root=ro\n"), out);
        assertTrue(out.contains("sysrq=ro\n"), out);
        assertTrue(out.contains("host=box\n"), out);
        assertTrue(out.contains("bind=from-host\n"), out);
        assertTrue(out.contains("data=ro\n"), out);
        assertTrue(out.contains("tmp=ok\n"), out);
        assertTrue(out.contains("shm=65536\n"), out);
        assertTrue(out.contains("pids=77\n"), out);
    }

    @Test
    void userAndWorkdir() {
        var o = RunOptions.of(List.of("sh", "-c", "echo $(id -u):$(id -g):$(id -G) $(pwd) $HOME; grep CapEff /proc/self/status"))
                .withUser("nobody");
        o.workdir = "/tmp";
        var r = engine().create(image, null, o, false);
        engine().start(r.id());
        assertEquals(0, engine().waitFor(r.id()));
        var log = engine().log(r.id()).readAll();
        assertEquals("65534:65534:65534 /tmp /nonexistent\n", log.get(0).log());
        assertEquals("CapEff:\t0000000000000000\n", log.get(1).log(), "a non-root user has no effective capabilities");
    }

    @Test
    void missingCommandIs127() {
        var r = created(List.of("no-such-command"));
        var e = assertThrows(EngineException.class, () -> engine().start(r.id()));
        assertEquals(127, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().contains("no-such-command"), e.getMessage());
    }

    @Test
    void longRunningContainerOutlivesItsEngineAndStops() throws Exception {
        var r = created(List.of("sh", "-c", "echo started; exec sleep 1000"));
        engine().start(r.id());
        var st = engine().inspect(r.id()).status();
        assertEquals("running", st.state());
        int pid = st.pid();
        assertTrue(pid > 0);
        // the monitor is the init's parent, and it is not this JVM's child
        long monitor = ppid(pid);
        assertNotEquals(ProcessHandle.current().pid(), monitor);
        assertNotEquals(ProcessHandle.current().pid(), ppid(monitor));
        assertTrue(Files.readString(Path.of("/proc/" + monitor + "/status")).contains("\nNSpid:\t" + monitor + "\n"),
                "the monitor lives on the host");

        Engine other = new Engine(root, runRoot, warnings::add);
        assertEquals(5, other.exec(r.name(), List.of("sh", "-c", "exit 5"), null, null, null, false, Stdio.nulls()));
        var e = assertThrows(EngineException.class, () -> other.remove(r.id(), false));
        assertTrue(e.getMessage().contains("container is running"), e.getMessage());
        other.stop(r.id(), 1);  // sleep as pid 1 ignores SIGTERM: SIGKILL after 1s
        assertEquals(137, other.waitFor(r.id()));
        assertEquals("exited", engine().inspect(r.id()).status().state());
        assertTrue(gone(monitor), "the monitor exited");
        assertEquals("started\n", engine().log(r.id()).readAll().getFirst().log());
        assertThrows(EngineException.class, () -> other.kill(r.id(), "TERM"));

        // a stopped container starts again
        engine().start(r.id());
        assertEquals("running", engine().inspect(r.id()).status().state());
        engine().pause(r.id());
        assertEquals("paused", engine().inspect(r.id()).status().state());
        assertThrows(EngineException.class, () -> engine().pause(r.id()));
        engine().unpause(r.id());
        assertEquals("running", engine().inspect(r.id()).status().state());
        engine().kill(r.id(), "KILL");
        assertEquals(137, engine().waitFor(r.id()));
        assertEquals(2, engine().log(r.id()).readAll().size(), "the log keeps both runs");
    }

    @Test
    void stopSendsTheGivenSignalFirst() {
        // a namespace init only gets signals it handles: the trap makes USR1 end it with 42 (SIGKILL would be 137)
        var r = created(List.of("sh", "-c", "trap 'exit 42' USR1; echo ready; while true; do sleep 1; done"));
        engine().start(r.id());
        for (int i = 0; i < 500 && engine().log(r.id()).readAll().isEmpty(); i++) sleepQuietly();
        engine().stop(r.id(), 30, "USR1");
        assertEquals(42, engine().waitFor(r.id()));
    }

    private static void sleepQuietly() {
        try { Thread.sleep(10); } catch (InterruptedException e) { throw new RuntimeException(e); }
    }

    @Test
    void containerDiesWithoutAnyHakoWatching() throws Exception {
        var r = created(List.of("sh", "-c", "exit 7"));
        engine().start(r.id());
        // nothing waits here: the monitor records the status by itself
        Path exit = engine().store().dir(r.id()).resolve("exit");
        for (int i = 0; i < 500 && !Files.exists(exit); i++) Thread.sleep(10);
        assertEquals("7", Files.readString(exit).trim());
        assertEquals(7, new Engine(root, runRoot, warnings::add).inspect(r.id()).status().exitCode());
    }

    @Test
    void forceRemoveKillsARunningContainer() {
        var r = engine().create(image, PREFIX + "rmf", RunOptions.of(List.of("sleep", "1000")), false);
        engine().start(PREFIX + "rmf");
        engine().remove(PREFIX + "rmf", true);
        assertThrows(EngineException.class, () -> engine().inspect(r.id()));
        assertFalse(Files.exists(engine().store().dir(r.id())));
    }

    /** Exited (gone, or a zombie its new parent has not reaped yet): it writes the exit file just before. */
    private static boolean gone(long pid) throws Exception {
        for (int i = 0; i < 500; i++) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) return true;
            } catch (java.nio.file.NoSuchFileException e) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }

    private static long ppid(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
            if (l.startsWith("PPid:")) return Long.parseLong(l.substring(5).trim());
        throw new IllegalStateException("no PPid for " + pid);
    }
}
