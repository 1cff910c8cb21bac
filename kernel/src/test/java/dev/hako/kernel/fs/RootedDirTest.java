package dev.hako.kernel.fs;

import dev.hako.kernel.SyscallException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RootedDirTest {
    Path base, root, outside;

    @BeforeEach
    void setUp() throws IOException {
        base = Files.createTempDirectory("hako-test-fs-");
        root = Files.createDirectory(base.resolve("root"));
        outside = Files.createDirectory(base.resolve("outside"));
        Files.writeString(outside.resolve("canary"), "canary");
    }

    @AfterEach
    void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(base)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void symlinksInParentsResolveInsideTheRoot() throws IOException {
        Files.createSymbolicLink(root.resolve("abs"), outside);              // absolute, points out
        Files.createSymbolicLink(root.resolve("up"), Path.of("../../outside")); // relative, points out
        try (RootedDir d = RootedDir.open(root)) {
            d.mkdirs("abs/x");
            d.mkdirs("up/y");
            int fd = d.createFile("abs/x/f", 0644);
            Fs.close(fd);
            assertThat(d.lstat("abs/x/f").isRegular()).isTrue();
            // ".." is clamped at the root
            d.mkdirs("../../z");
        }
        // "abs" resolved to <root>/<outside path>, "up" to <root>/outside, ".." to the root
        assertThat(root.resolve(outside.toString().substring(1)).resolve("x/f")).exists();
        assertThat(root.resolve("outside/y")).isDirectory();
        assertThat(root.resolve("z")).isDirectory();
        try (Stream<Path> s = Files.list(outside)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("canary");
        }
        assertThat(base.resolve("z")).doesNotExist();
    }

    @Test
    void finalSymlinkIsNeverFollowedForMetadata() throws IOException {
        Path canary = outside.resolve("canary");
        Files.setPosixFilePermissions(canary, PosixFilePermissions.fromString("rw-r--r--"));
        Files.createSymbolicLink(root.resolve("l"), canary);
        try (RootedDir d = RootedDir.open(root)) {
            assertThatThrownBy(() -> d.chmod("l", 04777)).isInstanceOf(SyscallException.class);
            d.chown("l", 1234, 1234);
            d.setTimes("l", 1, 0, 2, 0);
            assertThatThrownBy(() -> d.createFile("l", 0644)).isInstanceOf(SyscallException.class)
                    .hasMessageContaining("EEXIST");
            assertThat(d.lstat("l").isSymlink()).isTrue();
            assertThat(d.lstat("l").uid()).isEqualTo(1234);
            assertThat(d.lstat("l").mtimeSec()).isEqualTo(2);
            assertThat(d.readlink("l")).isEqualTo(canary.toString());
        }
        assertThat(Files.getPosixFilePermissions(canary)).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(Files.getAttribute(canary, "unix:uid")).isEqualTo(0);
        assertThat(Files.readString(canary)).isEqualTo("canary");
    }

    @Test
    void hardlinkTargetsResolveInsideAndSymlinksAreLinkedNotFollowed() throws IOException {
        Files.createSymbolicLink(root.resolve("s"), outside.resolve("canary"));
        try (RootedDir d = RootedDir.open(root)) {
            d.link("s", "h");
            assertThat(d.lstat("h").isSymlink()).isTrue();
            assertThatThrownBy(() -> d.link("../outside/canary", "h2")).isInstanceOf(SyscallException.class)
                    .hasMessageContaining("ENOENT");
        }
        assertThat(Files.getAttribute(outside.resolve("canary"), "unix:nlink")).isEqualTo(1);
    }

    @Test
    void writesXattrsDevicesAndRemovesTrees() throws IOException {
        try (RootedDir d = RootedDir.open(root)) {
            d.mkdirs("a/b/c");
            int fd = d.createFile("a/b/c/f", 0600);
            byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
            try (var arena = java.lang.foreign.Arena.ofConfined()) {
                var seg = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, data);
                Fs.writeFully(fd, seg, data.length, "f");
            }
            Fs.close(fd);
            d.setXattr("a/b/c/f", "trusted.hako", "v".getBytes(StandardCharsets.UTF_8));
            d.setXattr("a", "user.dir", "d".getBytes(StandardCharsets.UTF_8));
            d.symlink("/nowhere", "a/l");
            d.setXattr("a/l", "trusted.sym", "s".getBytes(StandardCharsets.UTF_8));
            d.mknod("a/wh", Stat.S_IFCHR, 0, 0);
            d.mknod("a/fifo", Stat.S_IFIFO | 0640, 0, 0);
            d.setXattr("", "trusted.root", "r".getBytes(StandardCharsets.UTF_8));

            assertThat(Files.readString(root.resolve("a/b/c/f"))).isEqualTo("hello");
            assertThat(new String(d.getXattr("a/b/c/f", "trusted.hako"), StandardCharsets.UTF_8)).isEqualTo("v");
            assertThat(d.listXattrs("a")).contains("user.dir");
            assertThat(d.getXattr("a/l", "trusted.sym")).isEqualTo("s".getBytes(StandardCharsets.UTF_8));
            assertThat(d.getXattr("a/l", "trusted.none")).isNull();
            assertThat(d.getXattr("", "trusted.root")).isEqualTo("r".getBytes(StandardCharsets.UTF_8));
            assertThat(d.lstat("a/wh").isWhiteout()).isTrue();
            assertThat(d.lstat("a/fifo").isFifo()).isTrue();
            assertThat(d.lstat("a/fifo").perms()).isEqualTo(0640);
            assertThat(d.list("a")).containsExactlyInAnyOrder("b", "l", "wh", "fifo");

            assertThat(d.remove("a")).isTrue();
            assertThat(d.lstat("a")).isNull();
            assertThat(d.remove("a")).isFalse();
        }
        assertThat(Files.exists(root.resolve("a"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void makedevMatchesGlibc() {
        assertThat(Fs.makedev(1, 3)).isEqualTo(0x103);
        assertThat(Fs.makedev(136, 0)).isEqualTo(0x8800);
        assertThat(Fs.makedev(0x1234, 0x56789)).isEqualTo(0x100056723489L); // from glibc makedev()
    }
}
