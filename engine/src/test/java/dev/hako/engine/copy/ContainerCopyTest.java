package dev.hako.engine.copy;

import dev.hako.engine.Engine;
import dev.hako.engine.EngineException;
import dev.hako.engine.EngineFixture;
import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.ContainerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** docker cp's rules and its two CVEs (symlink race, code loaded from the container), against real containers. */
class ContainerCopyTest {
    static final String PREFIX = "hako-test-cmds-";
    @TempDir static Path root;
    @TempDir static Path runRoot;
    @TempDir Path host;
    static String image;
    static Engine engine;

    @BeforeAll
    static void importBusybox() throws Exception {
        image = EngineFixture.importBusybox(root, PREFIX, "CMD [\"sh\"]");
        engine = new Engine(root, runRoot, m -> { });
    }

    @AfterEach
    void removeAll() {
        EngineFixture.removeAll(engine);
    }

    @AfterAll
    static void noMountsLeft() throws IOException {
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(root.toString() + "/containers"));
    }

    static String run(String... cmd) throws IOException, InterruptedException { return EngineFixture.run(cmd); }

    private ContainerRecord started(String script) {
        var r = engine.create(image, null, RunOptions.of(List.of("sh", "-c", script)), false);
        engine.start(r.id());
        return r;
    }

    /** Waits until {@code path} exists in the running container (the script has set things up). */
    private void awaitInside(ContainerRecord r, String path) {
        for (int i = 0; i < 3000 && engine.inspect(r.id()).status().running(); i++) {
            if (Files.exists(Path.of("/proc/" + engine.inspect(r.id()).status().pid() + "/root" + path), LinkOption.NOFOLLOW_LINKS)) return;
            sleep(10);
        }
        fail(path + " never appeared in the container: " + engine.inspect(r.id()).status() + " " + engine.log(r.id()).readAll());
    }

    private static ContainerCopy open(ContainerRecord r) { return ContainerCopy.open(engine, r.id()); }

    private String inside(ContainerRecord r, String path) throws IOException {
        return Files.readString(Path.of("/proc/" + engine.inspect(r.id()).status().pid() + "/root" + path));
    }

    // ------------------------------------------------------------------ docker's copy rules

    @Test
    void copiesOutWithDockersDirectoryRules() throws Exception {
        var r = started("mkdir -p /d/sub && echo one > /d/a && echo two > /d/sub/b && ln -s a /d/link && touch /ready; sleep 300");
        awaitInside(r, "/ready");
        try (ContainerCopy c = open(r)) {
            // a directory into an existing directory: DEST/d
            Path existing = Files.createDirectory(host.resolve("existing"));
            c.copyOut("/d", false, existing.toString(), false);
            assertEquals("one\n", Files.readString(existing.resolve("d/a")));
            assertEquals("two\n", Files.readString(existing.resolve("d/sub/b")));
            assertTrue(Files.isSymbolicLink(existing.resolve("d/link")), "symlinks are copied as links");
            assertEquals("a", Files.readSymbolicLink(existing.resolve("d/link")).toString());
            // a directory to a new name: the directory is created with the content
            c.copyOut("/d", false, host.resolve("fresh").toString(), false);
            assertEquals("one\n", Files.readString(host.resolve("fresh/a")));
            // "/." copies the content into an existing directory
            Path content = Files.createDirectory(host.resolve("content"));
            c.copyOut("/d/.", false, content.toString(), false);
            assertEquals("two\n", Files.readString(content.resolve("sub/b")));
            assertFalse(Files.exists(content.resolve("d")));
            // a file to a new name, over an existing file, and into a directory
            c.copyOut("/d/a", false, host.resolve("renamed").toString(), false);
            assertEquals("one\n", Files.readString(host.resolve("renamed")));
            Files.writeString(host.resolve("old"), "old content that is longer");
            c.copyOut("/d/sub/b", false, host.resolve("old").toString(), false);
            assertEquals("two\n", Files.readString(host.resolve("old")));
            c.copyOut("/d/a", false, existing.toString(), false);
            assertEquals("one\n", Files.readString(existing.resolve("a")));
            // -L follows the source symlink (inside the container) and keeps the link's name
            c.copyOut("/d/link", true, host.resolve("followed").toString(), false);
            assertEquals("one\n", Files.readString(host.resolve("followed")));
            // docker's errors
            var e = assertThrows(EngineException.class, () -> c.copyOut("/nope", false, host.toString(), false));
            assertEquals("Could not find the file /nope in container " + r.id(), e.getMessage());
            e = assertThrows(EngineException.class, () -> c.copyOut("/d", false, host.resolve("old").toString(), false));
            assertEquals("cannot copy directory", e.getMessage());
            e = assertThrows(EngineException.class, () -> c.copyOut("/d/a", false, host.resolve("nodir") + "/", false));
            assertEquals("no such directory", e.getMessage());
            e = assertThrows(EngineException.class, () -> c.copyOut("/d/a/", false, host.toString(), false));
            assertEquals("not a directory", e.getMessage());
            e = assertThrows(EngineException.class, () -> c.copyOut("/d/a", false, host.resolve("x/y/z").toString(), false));
            assertTrue(e.getMessage().startsWith("lstat "), e.getMessage());
        }
    }

    @Test
    void copiesInAndStreamsTarBothWays() throws Exception {
        var r = started("mkdir /in && touch /ready; sleep 300");
        awaitInside(r, "/ready");
        Path src = Files.createDirectories(host.resolve("src/deep"));
        Files.writeString(src.resolve("f"), "payload");
        Files.setPosixFilePermissions(src.resolve("f"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
        run("chown", "-R", "1234:2345", host.resolve("src").toString());
        try (ContainerCopy c = open(r)) {
            c.copyIn(host.resolve("src").toString(), false, "/in", false);
            assertEquals("payload", inside(r, "/in/src/deep/f"));
            Path f = Path.of("/proc/" + engine.inspect(r.id()).status().pid() + "/root/in/src/deep/f");
            assertEquals(0, Files.getAttribute(f, "unix:uid"), "owned by the container's root without -a");
            assertEquals("rwxr-x---", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
            c.copyIn(host.resolve("src").toString(), false, "/in/kept", true);
            Path kept = Path.of("/proc/" + engine.inspect(r.id()).status().pid() + "/root/in/kept/deep/f");
            assertEquals(1234, Files.getAttribute(kept, "unix:uid"), "-a keeps the owner");
            assertEquals(2345, Files.getAttribute(kept, "unix:gid"));
            // a host file to a new name in the container, relative to the WORKDIR (/)
            c.copyIn(src.resolve("f").toString(), false, "in/g", false);
            assertEquals("payload", inside(r, "/in/g"));
            var e = assertThrows(EngineException.class, () -> c.copyIn(src.toString(), false, "/in/g", false));
            assertEquals("cannot copy directory", e.getMessage());
            e = assertThrows(EngineException.class, () -> c.copyIn(src.resolve("f").toString(), false, "/no/such/f", false));
            assertEquals("Could not find the file /no/such in container " + r.id(), e.getMessage());
            e = assertThrows(EngineException.class, () -> c.copyIn(host.resolve("missing").toString(), false, "/in", false));
            assertEquals("lstat " + host.resolve("missing") + ": no such file or directory", e.getMessage());

            // tar out (docker cp c:/in -) and back in (docker cp - c:/back)
            ByteArrayOutputStream tar = new ByteArrayOutputStream();
            c.copyOut("/in", false, tar);
            Path listed = host.resolve("in.tar");
            Files.write(listed, tar.toByteArray());
            String names = run("tar", "-tf", listed.toString());
            assertTrue(names.contains("in/src/deep/f"), names);
            assertTrue(names.lines().allMatch(n -> n.startsWith("in/") || n.equals("in")), names);
            e = assertThrows(EngineException.class, () -> c.copyIn(new ByteArrayInputStream(tar.toByteArray()), "/back", false));
            assertEquals("destination \"" + r.id() + ":/back\" must be a directory", e.getMessage());
            c.copyIn(new ByteArrayInputStream(tar.toByteArray()), "/tmp", false);
            assertEquals("payload", inside(r, "/tmp/in/src/deep/f"));
        }
    }

    @Test
    void kernelFilesystemsAreNeitherReadNorWritten() throws Exception {
        var r = started("touch /ready; sleep 300");
        awaitInside(r, "/ready");
        Files.writeString(host.resolve("f"), "x");
        try (ContainerCopy c = open(r)) {
            ByteArrayOutputStream tar = new ByteArrayOutputStream();
            c.copyOut("/proc", false, tar);
            Path t = host.resolve("proc.tar");
            Files.write(t, tar.toByteArray());
            assertEquals("proc/\n", run("tar", "-tf", t.toString()), "an empty directory, as docker's cp sees it");
            var e = assertThrows(EngineException.class, () -> c.copyOut("/proc/self/status", false, new ByteArrayOutputStream()));
            assertEquals("Could not find the file /proc/self/status in container " + r.id(), e.getMessage());
            e = assertThrows(EngineException.class, () -> c.copyIn(host.resolve("f").toString(), false, "/proc/sys/x", false));
            assertTrue(e.getMessage().startsWith("cannot copy into /proc/sys"), e.getMessage());
        }
    }

    @Test
    void copiesFromAndIntoAStoppedContainer() throws Exception {
        var r = engine.create(image, null, RunOptions.of(List.of("sh", "-c", "echo x > /made")), false);
        engine.start(r.id());
        assertEquals(0, engine.waitFor(r.id()));
        Files.writeString(host.resolve("h"), "from host");
        try (ContainerCopy c = open(r)) {
            c.copyOut("/made", false, host.resolve("made").toString(), false);
            c.copyIn(host.resolve("h").toString(), false, "/h", false);
        }
        assertEquals("x\n", Files.readString(host.resolve("made")));
        engine.start(r.id()); // the file copied in is there when it runs again
        assertEquals(0, engine.waitFor(r.id()));
        try (ContainerCopy c = open(r)) {
            ByteArrayOutputStream tar = new ByteArrayOutputStream();
            c.copyOut("/h", false, tar);
            assertTrue(tar.toString(StandardCharsets.ISO_8859_1).contains("from host"));
        }
    }

    // ------------------------------------------------------------------ SECURITY.md: engine

    /**
     * moby CVE-2018-15664: the container keeps swapping /w between a symlink to / and one to /tmp/x while we copy
     * in and out through /w. Resolved on the host, /w/CANARY would be the host's canary file; it must never be
     * read or written.
     */
    @Test
    void cpSymlinkRaceNeverTouchesTheHost() throws Exception {
        Path canaryDir = Files.createTempDirectory(Path.of("/tmp"), PREFIX + "canary-");
        try {
            Path canary = canaryDir.resolve("secret");
            String secret = "HOST-CANARY-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            Files.writeString(canary, secret);
            FileTime mtime = Files.getLastModifiedTime(canary);
            String d = canaryDir.toString();
            var r = started("mkdir -p " + d + " /tmp/x" + d + " && echo inside > " + d + "/secret && echo inside > /tmp/x" + d
                    + "/secret && touch /ready; while :; do ln -sfn / /w; ln -sfn /tmp/x /w; done");
            awaitInside(r, "/ready");
            Files.writeString(host.resolve("secret"), "EVIL");
            Path out = Files.createDirectory(host.resolve("out"));
            int copiedOut = 0;
            try (ContainerCopy c = open(r)) {
                for (int i = 0; i < 60; i++) {
                    try {
                        ByteArrayOutputStream tar = new ByteArrayOutputStream();
                        c.copyOut("/w" + d + "/secret", i % 2 == 0, tar);
                        assertFalse(tar.toString(StandardCharsets.ISO_8859_1).contains(secret), "read the host's canary");
                        copiedOut++;
                    } catch (EngineException e) {
                        // the link was mid-swap: not found is fine
                    }
                    try {
                        c.copyOut("/w" + d, false, out.resolve("o" + i).toString(), false);
                    } catch (EngineException e) {
                        // as above
                    }
                    try {
                        c.copyIn(host.resolve("secret").toString(), false, "/w" + d + "/secret", false);
                        c.copyIn(host.resolve("secret").toString(), false, "/w" + d, false);
                    } catch (EngineException e) {
                        // as above
                    }
                }
            }
            assertTrue(copiedOut > 0, "some copies went through");
            assertEquals(secret, Files.readString(canary), "the host's canary was written");
            assertEquals(mtime, Files.getLastModifiedTime(canary));
            try (Stream<Path> s = Files.list(canaryDir)) {
                assertEquals(List.of(canary), s.toList(), "nothing was created next to the canary");
            }
            try (Stream<Path> s = Files.walk(out)) {
                for (Path p : s.filter(Files::isRegularFile).toList())
                    assertNotEquals(secret, Files.readString(p), "the host's canary was copied out: " + p);
            }
        } finally {
            run("rm", "-rf", canaryDir.toString());
        }
    }

    /**
     * moby CVE-2019-14271: docker cp loaded the container's libnss to resolve owner names. The container ships
     * libnss_files.so.2 whose constructor creates a host file; copying out of it (with and without -a, to a
     * directory and as a tar stream) must not load it.
     */
    @Test
    void cpNeverLoadsCodeFromTheContainer() throws Exception {
        Path canary = host.resolve("nss-canary");
        Path c = host.resolve("nss.c");
        Files.writeString(c, """
                #include <fcntl.h>
                #include <unistd.h>
                __attribute__((constructor)) static void hako_canary(void) {
                    int fd = open("%s", O_CREAT | O_WRONLY, 0644);
                    if (fd >= 0) close(fd);
                }
                """.formatted(canary));
        Path so = host.resolve("libnss_files.so.2");
        run("gcc", "-shared", "-fPIC", "-o", so.toString(), c.toString());
        // the library does what it says when something loads it (so the test can fail)
        Path probe = host.resolve("probe.c");
        Files.writeString(probe, "#include <dlfcn.h>\nint main(int c, char **v) { return dlopen(v[1], RTLD_NOW) ? 0 : 1; }\n");
        run("gcc", "-o", host.resolve("probe").toString(), probe.toString(), "-ldl");
        run(host.resolve("probe").toString(), so.toString());
        assertTrue(Files.exists(canary), "the test library's constructor works");
        Files.delete(canary);

        var r = started("mkdir -p /lib/x86_64-linux-gnu /data && echo 'passwd: files' > /etc/nsswitch.conf"
                + " && echo 'u:x:4321:4321::/:/bin/sh' >> /etc/passwd && echo f > /data/f && chown 4321:4321 /data/f"
                + " && touch /ready; sleep 300");
        awaitInside(r, "/ready");
        try (ContainerCopy cp = open(r)) {
            cp.copyIn(so.toString(), false, "/lib/x86_64-linux-gnu/libnss_files.so.2", true);
            cp.copyIn(so.toString(), false, "/lib/libnss_files.so.2", true);
            cp.copyOut("/data", false, host.resolve("plain").toString(), false);
            cp.copyOut("/data", false, host.resolve("archive").toString(), true);
            cp.copyOut("/data", false, new ByteArrayOutputStream());
        }
        assertEquals(4321, Files.getAttribute(host.resolve("archive/f"), "unix:uid"), "-a keeps the numeric owner");
        assertEquals(0, Files.getAttribute(host.resolve("plain/f"), "unix:uid"));
        assertFalse(Files.exists(canary), "code from the container ran on the host");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new RuntimeException(e);
        }
    }

    // ------------------------------------------------------------------ a stopped container's volumes and binds
    // docker cp into and out of a created or exited container reaches its volumes and binds, as its process would
    // see them; the mounts that make it so are seen by nobody else and don't outlive the copy.

    static String volumeName() { return "hako-cpvol-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()); }

    private ContainerRecord created(List<String> binds, String script) {
        RunOptions o = RunOptions.of(List.of("sh", "-c", script));
        o.binds = binds;
        return engine.create(image, null, o, false);
    }

    private Path volumeData(String name) { return Path.of(engine.inspectVolume(name).mountpoint()); }

    private String logOf(ContainerRecord r) {
        StringBuilder b = new StringBuilder();
        for (var e : engine.log(r.id()).readAll()) b.append(e.log());
        return b.toString();
    }

    @Test
    void createdContainerVolumesAndBindsTakeTheCopy() throws Exception {
        String vol = volumeName();
        Path bind = Files.createDirectory(host.resolve("bind"));
        Files.writeString(host.resolve("f"), "into the volume");
        var r = created(List.of(vol + ":/data", bind + ":/b", "/anon"), "cat /data/f /b/f /anon/f; echo made > /data/out");
        try (ContainerCopy c = ContainerCopy.open(engine, r.id())) {
            // the mounts are the view's alone: the host (this thread's namespace) never sees them
            String mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
            assertFalse(mountinfo.contains(engine.store().dir(r.id()).resolve("rootfs/data").toString()), mountinfo);
            c.copyIn(host.resolve("f").toString(), false, "/data/f", false);
            c.copyIn(host.resolve("f").toString(), false, "/b/", false);
            c.copyIn(host.resolve("f").toString(), false, "/anon", false);
        }
        assertEquals("into the volume", Files.readString(volumeData(vol).resolve("f")), "the copy is in the named volume");
        assertEquals("into the volume", Files.readString(bind.resolve("f")), "and in the bind's source");
        String anon = engine.mounts(r.id()).stream().filter(p -> p.destination().equals("/anon")).findFirst().orElseThrow().name();
        assertEquals("into the volume", Files.readString(volumeData(anon).resolve("f")));
        assertFalse(Files.exists(engine.store().dir(r.id()).resolve("rootfs/data/f")), "not in the rootfs under the volume");

        engine.start(r.id());
        assertEquals(0, engine.waitFor(r.id()), logOf(r));
        assertEquals("into the volume".repeat(3), logOf(r), "the container sees what was copied");

        // exited: out of the volume, what the container wrote there
        try (ContainerCopy c = ContainerCopy.open(engine, r.id())) {
            c.copyOut("/data/out", false, host.resolve("out").toString(), false);
            ByteArrayOutputStream tar = new ByteArrayOutputStream();
            c.copyOut("/", false, tar);
            Files.write(host.resolve("all.tar"), tar.toByteArray());
        }
        assertEquals("made\n", Files.readString(host.resolve("out")));
        String names = EngineFixture.run("tar", "-tf", host.resolve("all.tar").toString());
        assertTrue(names.contains("./data/out") && names.contains("./b/f") && names.contains("./anon/f"),
                "a copy of / goes through the mounts: " + names);
    }

    @Test
    void readOnlyVolumeOrRootfsRefusesTheCopy() throws Exception {
        String vol = volumeName(), rw = volumeName();
        Files.writeString(host.resolve("f"), "x");
        RunOptions o = RunOptions.of(List.of("true"));
        o.binds = List.of(vol + ":/ro:ro", rw + ":/rw");
        o.readOnly = true;
        var r = engine.create(image, null, o, false);
        try (ContainerCopy c = ContainerCopy.open(engine, r.id())) {
            var e = assertThrows(EngineException.class, () -> c.copyIn(host.resolve("f").toString(), false, "/ro/f", false));
            assertEquals("mounted volume is marked read-only", e.getMessage());
            e = assertThrows(EngineException.class, () -> c.copyIn(new java.io.ByteArrayInputStream(new byte[1024]), "/ro", false));
            assertEquals("mounted volume is marked read-only", e.getMessage());
            e = assertThrows(EngineException.class, () -> c.copyIn(host.resolve("f").toString(), false, "/etc/f", false));
            assertEquals("container rootfs is marked read-only", e.getMessage());
            c.copyIn(host.resolve("f").toString(), false, "/rw/f", false);
        }
        assertFalse(Files.exists(volumeData(vol).resolve("f")));
        assertEquals("x", Files.readString(volumeData(rw).resolve("f")), "a writable volume of a read-only container takes it");
    }

    /**
     * An exited container swapped its mount point's parent for a symlink out of its root: the next cp mounts the
     * volume where the symlink leads inside the rootfs, and writes nothing on the host path it names.
     */
    @Test
    void symlinkedMountPointStaysInsideTheRootfs() throws Exception {
        String vol = volumeName();
        Path target = Files.createDirectory(host.resolve("target"));
        Files.writeString(host.resolve("f"), "contained");
        var r = created(List.of(vol + ":/p/m"), "mv /p /p2 && ln -s /../../../../../../.." + target + " /p");
        engine.start(r.id());
        assertEquals(0, engine.waitFor(r.id()), logOf(r));
        try (ContainerCopy c = ContainerCopy.open(engine, r.id())) {
            c.copyIn(host.resolve("f").toString(), false, "/p/m/f", false);
        }
        assertEquals("contained", Files.readString(volumeData(vol).resolve("f")), "the copy went into the volume");
        try (var s = Files.list(target)) {
            assertEquals(List.of(), s.toList(), "nothing was made on the host path the symlink names");
        }
        assertTrue(Files.isDirectory(engine.store().dir(r.id()).resolve("rootfs").resolve(target.toString().substring(1)).resolve("m")),
                "the mount point was made inside the rootfs");
    }

    @Test
    void missingBindSourceIsAClearError() throws Exception {
        Path gone = Files.createDirectory(host.resolve("gone"));
        var r = created(List.of(gone + ":/g"), "true");
        Files.delete(gone);
        var e = assertThrows(EngineException.class, () -> ContainerCopy.open(engine, r.id()).close());
        assertTrue(e.getMessage().contains(gone.toString()) && e.getMessage().contains("ENOENT"), e.getMessage());
    }
}
