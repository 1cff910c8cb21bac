package dev.hako.engine.volume;

import dev.hako.engine.Engine;
import dev.hako.engine.EngineException;
import dev.hako.engine.EngineFixture;
import dev.hako.engine.Pruned;
import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.ContainerRecord;
import dev.hako.engine.logs.LogEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Volumes with real containers: a busybox image imported offline, with a VOLUME whose image content is owned
 * by 1234:1234 (copy-up), and a VOLUME that is a symlink pointing out of the rootfs (must stay inside).
 */
class VolumeEngineTest {
    @TempDir static Path root;
    @TempDir static Path runRoot;
    static String image;
    static Path canary;
    final List<String> warnings = new ArrayList<>();
    Engine engine;

    @BeforeAll
    static void importImage() throws Exception {
        Path fs = EngineFixture.busyboxRootfs(root.resolve("fs"));
        Files.createDirectories(fs.resolve("data/sub"));
        Files.writeString(fs.resolve("data/sub/f"), "from-image\n");
        run("chown", "-R", "1234:1234", fs.resolve("data").toString());
        run("chmod", "0750", fs.resolve("data").toString());
        // a VOLUME through a symlink that points at a host directory: copy-up must resolve it inside the rootfs
        canary = Files.createTempDirectory(root, "canary");
        Files.writeString(canary.resolve("secret"), "host-only\n");
        Files.createSymbolicLink(fs.resolve("evil"), Path.of("/../../../../../../.." + canary));
        image = EngineFixture.importRootfs(root, fs, "hako-test-volumes-", "CMD [\"sh\"]", "VOLUME [\"/data\", \"/evil\"]");
    }

    static void run(String... cmd) throws IOException, InterruptedException { EngineFixture.run(cmd); }

    Engine engine() {
        if (engine == null) engine = new Engine(root, runRoot, warnings::add);
        return engine;
    }

    @AfterEach
    void removeAll() {
        Engine e = engine();
        for (var v : e.list()) e.remove(v.record().id(), true, true);
        for (Volume v : e.listVolumes()) e.removeVolume(v.name(), true);
        assertEquals("", mountsUnder(root), "no mount left under the test root");
    }

    static String mountsUnder(Path dir) {
        try {
            StringBuilder b = new StringBuilder();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String mp = line.split(" ")[4];
                if (mp.startsWith(dir.toString())) b.append(mp).append('\n');
            }
            return b.toString();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private String runToEnd(RunOptions o) {
        ContainerRecord r = engine().create(image, null, o, false);
        engine().start(r.id());
        int code = engine().waitFor(r.id());
        StringBuilder b = new StringBuilder();
        for (LogEntry e : engine().log(r.id()).readAll()) b.append(e.log());
        assertEquals(0, code, b.toString());
        return b.toString();
    }

    private static RunOptions sh(String script, String... volumes) {
        RunOptions o = RunOptions.of(List.of("sh", "-c", script));
        o.binds = new ArrayList<>(List.of(volumes));
        return o;
    }

    @Test
    void namedVolumeKeepsDataAcrossContainersAndReadOnlyIsReadOnly() {
        runToEnd(sh("echo kept > /v/file", "hako-test-vol-keep:/v"));
        Volume v = engine().inspectVolume("hako-test-vol-keep");
        assertEquals(root.resolve("volumes/hako-test-vol-keep/_data").toString(), v.mountpoint());
        assertEquals("local", v.driver());
        assertFalse(v.anonymous(), "a named volume is not anonymous");
        String out = runToEnd(sh("cat /v/file; touch /v/other 2>/dev/null && echo writable || echo readonly",
                "hako-test-vol-keep:/v:ro"));
        assertEquals("kept\nreadonly\n", out);
        assertFalse(Files.exists(Path.of(v.mountpoint(), "other")));
    }

    @Test
    void imageVolumesGetAnonymousVolumesWithCopyUpAndRmVRemovesThem() throws Exception {
        ContainerRecord r = engine().create(image, null, sh("stat -c '%u:%g %a' /data /data/sub/f; cat /data/sub/f; ls /evil"), false);
        List<MountPoint> mounts = engine().mounts(r.id());
        assertEquals(List.of("/data", "/evil"), mounts.stream().map(MountPoint::destination).toList());
        for (MountPoint m : mounts) {
            assertTrue(m.anonymous() && m.name().matches("[0-9a-f]{64}"), m.toString());
            assertTrue(engine().inspectVolume(m.name()).anonymous());
        }
        engine().start(r.id());
        assertEquals(0, engine().waitFor(r.id()));
        StringBuilder b = new StringBuilder();
        for (LogEntry e : engine().log(r.id()).readAll()) b.append(e.log());
        assertEquals("1234:1234 750\n1234:1234 644\nfrom-image\n", b.toString(), "copy-up keeps content, owners and modes");
        Path evil = Path.of(mounts.get(1).source());
        try (var s = Files.list(evil)) {
            assertEquals(List.of(), s.toList(), "nothing from the host was copied through the image's symlink");
        }
        assertThrows(EngineException.class, () -> engine().removeVolume(mounts.getFirst().name(), false));
        EngineException inUse = assertThrows(EngineException.class, () -> engine().removeVolume(mounts.getFirst().name(), true));
        assertEquals("remove " + mounts.getFirst().name() + ": volume is in use - [" + r.id() + "]", inUse.getMessage());

        engine().remove(r.id(), false, true);
        for (MountPoint m : mounts) assertNull(engine().volumeUsage().get(m.name()));
        assertTrue(engine().listVolumes().isEmpty(), "rm -v removed the anonymous volumes: " + engine().listVolumes());
        assertEquals("host-only\n", Files.readString(canary.resolve("secret")));
    }

    @Test
    void nocopyAndAnExplicitMountReplaceTheImageVolume() {
        String out = runToEnd(sh("ls -A /data | wc -l", "hako-test-vol-nocopy:/data:nocopy"));
        assertEquals("0\n", out.trim() + "\n", "nocopy: the volume stays empty");
        ContainerRecord r = engine().create(image, null, sh("true", "hako-test-vol-nocopy:/data"), false);
        List<MountPoint> m = engine().mounts(r.id());
        assertEquals("hako-test-vol-nocopy", m.getFirst().name(), "the named volume covers the image's /data");
        assertEquals(1, m.stream().filter(x -> x.destination().equals("/data")).count());
    }

    @Test
    void mountFlagVariantsAndTheirErrors() throws Exception {
        Path host = Files.createTempDirectory(root, "bind");
        Files.writeString(host.resolve("in"), "host\n");
        RunOptions o = sh("cat /b/in; touch /b/x 2>/dev/null || echo bind-ro; echo v > /vol/f; cat /vol/f; "
                + "grep ' /t ' /proc/mounts | grep -o 'size=[0-9]*k'");
        o.mounts = List.of("type=bind,source=" + host + ",target=/b,readonly",
                "type=volume,source=hako-test-vol-m,target=/vol,volume-label=k=v",
                "type=tmpfs,target=/t,tmpfs-size=2m,tmpfs-mode=1777");
        assertEquals("host\nbind-ro\nv\nsize=2048k\n", runToEnd(o));
        assertEquals(Map.of("k", "v"), engine().inspectVolume("hako-test-vol-m").labels());

        RunOptions missing = sh("true");
        missing.mounts = List.of("type=bind,source=/hako-test-no-such-dir,target=/x");
        int volumesBefore = engine().listVolumes().size();
        EngineException e = assertThrows(EngineException.class, () -> engine().create(image, null, missing, false));
        assertEquals("invalid mount config for type \"bind\": bind source path does not exist: /hako-test-no-such-dir", e.getMessage());
        assertFalse(Files.exists(Path.of("/hako-test-no-such-dir")), "--mount does not make a missing source");
        assertEquals(volumesBefore, engine().listVolumes().size(), "a refused create makes no volume");

        RunOptions dup = sh("true", "hako-test-vol-a:/x");
        dup.mounts = List.of("type=tmpfs,target=/x");
        assertEquals("Duplicate mount point: /x", assertThrows(EngineException.class, () -> engine().create(image, null, dup, false)).getMessage());

        // -v makes a missing bind source, as docker does
        Path made = root.resolve("made-by-v/sub");
        runToEnd(sh("touch /m/f", made + ":/m"));
        assertTrue(Files.exists(made.resolve("f")));
    }

    @Test
    void failedCreateLeavesNoVolumeItMade() {
        RunOptions o = sh("true", "hako-test-vol-fail:/x");
        o.securityOpt = List.of("bogus=1"); // refused by the spec builder, after the volumes were prepared
        assertThrows(EngineException.class, () -> engine().create(image, null, o, false));
        assertNull(engine().store().list().stream().findAny().orElse(null), "no container left");
        assertTrue(engine().listVolumes().isEmpty(), "no volume left: " + engine().listVolumes());
        assertFalse(Files.exists(root.resolve("volumes/hako-test-vol-fail")));
    }

    @Test
    void deviceVolumeIsMountedWhileUsedAndPruneRemovesOnlyUnused() {
        engine().createVolume("hako-test-vol-tmpfs", "local", Map.of("type", "tmpfs", "device", "tmpfs", "o", "size=3m"), Map.of());
        Path data = root.resolve("volumes/hako-test-vol-tmpfs/_data");
        ContainerRecord r = engine().create(image, null, sh("grep ' /t ' /proc/mounts | grep -o 'size=[0-9]*k'", "hako-test-vol-tmpfs:/t"), false);
        assertTrue(mountsUnder(root).contains(data.toString()), "mounted for its container");
        engine().start(r.id());
        assertEquals(0, engine().waitFor(r.id()));
        assertEquals("size=3072k\n", engine().log(r.id()).readAll().getFirst().log());
        engine().createVolume("hako-test-vol-unused", null, Map.of(), Map.of());

        Pruned anonymousOnly = engine().pruneVolumes(false);
        assertFalse(anonymousOnly.deleted().contains("hako-test-vol-unused"), "named volumes need -a");
        engine().remove(r.id(), false);
        assertFalse(mountsUnder(root).contains(data.toString()), "unmounted when no container uses it");
        Pruned all = engine().pruneVolumes(true);
        assertTrue(all.deleted().containsAll(List.of("hako-test-vol-tmpfs", "hako-test-vol-unused")), all.toString());
        assertTrue(engine().listVolumes().isEmpty());
        assertFalse(Files.exists(data, LinkOption.NOFOLLOW_LINKS));
    }

    /** A symlink planted in a shared volume must not turn a later container's mount under it into a host mount (runc CVE-2021-30465 class). */
    @Test
    void symlinkInAVolumeCannotRedirectAMountOntoTheHost() throws Exception {
        Path target = Files.createTempDirectory(root, "target");
        runToEnd(sh("ln -s " + target + " /v/link", "hako-test-vol-link:/v"));
        RunOptions o = sh("touch /data/link/planted && echo inside", "hako-test-vol-link:/data");
        o.mounts = List.of("type=tmpfs,target=/data/link");
        ContainerRecord r = engine().create(image, null, o, false);
        engine().start(r.id());
        engine().waitFor(r.id());
        assertFalse(mountsUnder(target).contains(target.toString()), "nothing mounted on the host directory");
        try (var s = Files.list(target)) {
            assertEquals(List.of(), s.toList(), "nothing written to the host directory");
        }
    }

    @Test
    void aDeviceVolumeThatCannotBeMountedFailsTheCreateCleanly() {
        engine().createVolume("hako-test-vol-baddev", "local", Map.of("type", "ext4", "device", "/dev/hako-test-none"), Map.of());
        engine().createVolume("hako-test-vol-gooddev", "local", Map.of("type", "tmpfs", "device", "tmpfs"), Map.of());
        RunOptions o = sh("true", "hako-test-vol-gooddev:/w", "hako-test-vol-new:/y", "hako-test-vol-baddev:/x");
        EngineException e = assertThrows(EngineException.class, () -> engine().create(image, null, o, false));
        assertTrue(e.getMessage().startsWith("error while mounting volume '" + root.resolve("volumes/hako-test-vol-baddev/_data")), e.getMessage());
        assertTrue(engine().store().list().isEmpty(), "no container left");
        assertEquals(List.of("hako-test-vol-baddev", "hako-test-vol-gooddev"), engine().listVolumes().stream().map(Volume::name).toList(),
                "the existing volumes stay; the ones this create made go");
        assertEquals("", mountsUnder(root), "the device volume mounted for the failed create is unmounted again");
    }

    @Test
    void badVolumeNamesAndOptionsAreRefused() {
        var bad = assertThrows(EngineException.class, () -> engine().createVolume("a/b", null, Map.of(), Map.of()));
        assertTrue(bad.getMessage().startsWith("create a/b: \"a/b\" includes invalid characters for a local volume name"), bad.getMessage());
        assertEquals("create x1: invalid option: \"foo\"",
                assertThrows(EngineException.class, () -> engine().createVolume("x1", null, Map.of("foo", "1"), Map.of())).getMessage());
        assertEquals("get hako-test-none: no such volume",
                assertThrows(EngineException.class, () -> engine().inspectVolume("hako-test-none")).getMessage());
        assertTrue(engine().listVolumes().isEmpty());
    }

    @Test
    void containerPruneRemovesStoppedOnes() {
        ContainerRecord done = engine().create(image, null, sh("true"), false);
        engine().start(done.id());
        engine().waitFor(done.id());
        ContainerRecord running = engine().create(image, null, sh("sleep 60"), false);
        engine().start(running.id());
        Pruned p = engine().pruneContainers();
        assertEquals(List.of(done.id()), p.deleted());
        assertEquals(1, engine().list().size());
        var du = engine().diskUsage();
        assertEquals(1, du.containers().total());
        assertEquals(1, du.containers().active());
        assertEquals(4, du.volumes().total(), "container prune leaves the pruned container's anonymous volumes (docker)");
        assertEquals(2, du.volumes().active(), "the running container's two");
        assertEquals(List.of(), engine().pruneVolumes(false).deleted().stream()
                .filter(n -> engine().volumeUsage().containsKey(n)).toList(), "prune keeps volumes in use");
        assertEquals(2, engine().listVolumes().size());
    }
}
