package dev.hako.engine;

import dev.hako.engine.config.RunOptions;
import dev.hako.image.store.ImageService;
import dev.hako.oci.image.Platform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What an idle container's monitor costs (issue 4: no more than podman's conmon). Once the container is ready the
 * executor execs the small hako-monitor, linked against the host's libc, so its private memory is small; the executor
 * staying on as the monitor (its static image and set-up memory) must not come back unnoticed.
 */
class MonitorMemoryTest {
    /**
     * hako-monitor idles at ~110-140 KiB Private_Dirty; the executor as the only monitor of a JVM was at ~740-900 KiB
     * (its memfd's pages count as private while one process maps them); conmon's is ~330 KiB.
     */
    static final long PRIVATE_DIRTY_BOUND_KIB = 300;

    @TempDir static Path root;
    @TempDir static Path runRoot;
    static String image;
    static final List<String> warnings = new ArrayList<>();

    @BeforeAll
    static void importBusybox() throws Exception {
        Path project = Path.of(System.getProperty("hako.projectDir", "."));
        Path fs = root.resolve("busybox-fs");
        run(List.of("bash", project.resolve("scripts/busybox-rootfs.sh").toString(), fs.toString()));
        Path tar = root.resolve("busybox.tar");
        run(List.of("tar", "-C", fs.toString(), "-cf", tar.toString(), "."));
        image = "hako-test-monmem-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + ":latest";
        try (InputStream in = Files.newInputStream(tar)) {
            new ImageService(root).importImage(in, image, List.of("CMD [\"sh\"]"), "test", Platform.host());
        }
    }

    @AfterAll
    static void removeAll() {
        Engine e = new Engine(root, runRoot, warnings::add);
        for (var v : e.list()) e.remove(v.record().id(), true);
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        var p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException(cmd + ": " + out);
    }

    @Test
    void anIdleMonitorIsHakoMonitorWithLittlePrivateMemory() throws Exception {
        Engine engine = new Engine(root, runRoot, warnings::add);
        var r = engine.create(image, null, RunOptions.of(List.of("sh", "-c", "echo before; exec sleep 1000")), false);
        engine.start(r.id());
        int pid = engine.inspect(r.id()).status().pid();
        long monitor = ppid(pid);

        // the executor handed over: the monitor runs the embedded hako-monitor from its sealed memfd
        String exe = Files.readSymbolicLink(Path.of("/proc/" + monitor + "/exe")).toString();
        assertTrue(exe.startsWith("/memfd:hako-monitor"), "the monitor's executable: " + exe);
        // it took over the executor's state: the container's output, its pid (a subreaper, the "monitor" file)
        for (int i = 0; i < 200 && engine.log(r.id()).readAll().isEmpty(); i++) Thread.sleep(50);
        assertEquals("before\n", engine.log(r.id()).readAll().getFirst().log());
        assertTrue(Files.readString(Path.of("/proc/" + monitor + "/status")).contains("\nNSpid:\t" + monitor + "\n"));
        // no environment reaches the dynamic loader (LD_PRELOAD, LD_LIBRARY_PATH of whoever ran hako)
        assertEquals(0, Files.readAllBytes(Path.of("/proc/" + monitor + "/environ")).length, "the monitor's environment");

        long privateDirty = rollup(monitor, "Private_Dirty");
        assertTrue(privateDirty > 0 && privateDirty < PRIVATE_DIRTY_BOUND_KIB,
                "an idle monitor's Private_Dirty is " + privateDirty + " KiB (bound " + PRIVATE_DIRTY_BOUND_KIB + " KiB)");

        // a second container's monitor runs the same copy: this JVM's memfd, its pages shared by both
        var r2 = engine.create(image, null, RunOptions.of(List.of("sleep", "1000")), false);
        engine.start(r2.id());
        long monitor2 = ppid(engine.inspect(r2.id()).status().pid());
        assertNotEquals(monitor, monitor2);
        assertEquals(Files.getAttribute(Path.of("/proc/" + monitor + "/exe"), "unix:ino"),
                Files.getAttribute(Path.of("/proc/" + monitor2 + "/exe"), "unix:ino"), "one hako-monitor memfd per JVM");

        engine.kill(r.id(), "KILL");
        assertEquals(137, engine.waitFor(r.id()), "the monitor recorded the exit status");
        engine.kill(r2.id(), "KILL");
        assertEquals(137, engine.waitFor(r2.id()));
    }

    /** A field of /proc/PID/smaps_rollup, in KiB. */
    static long rollup(long pid, String field) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup")))
            if (l.startsWith(field + ":")) return Long.parseLong(l.substring(field.length() + 1).replace("kB", "").trim());
        throw new IllegalStateException("no " + field + " in /proc/" + pid + "/smaps_rollup");
    }

    private static long ppid(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
            if (l.startsWith("PPid:")) return Long.parseLong(l.substring(5).trim());
        throw new IllegalStateException("no PPid for " + pid);
    }
}
