package dev.hako.image.layer;

import dev.hako.kernel.fs.RootedDir;
import dev.hako.kernel.fs.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Round trips with GNU tar on a busybox rootfs plus every awkward case: GNU tar writes (gnu and posix formats),
 * we extract; we write (TreeArchiver), GNU tar extracts. The trees must match in every recorded attribute.
 */
class GnuTarInteropTest {
    static Path base, src;

    @BeforeAll
    static void setUp() throws Exception {
        base = Files.createTempDirectory("hako-test-layer-gnutar-");
        src = base.resolve("src");
        run("bash", System.getProperty("hako.projectDir", ".") + "/scripts/busybox-rootfs.sh", src.toString());
        String longDir = "deep/" + "directory-name-of-some-length/".repeat(9);
        Files.createDirectories(src.resolve(longDir));
        Files.writeString(src.resolve(longDir + "file-with-a-long-name-" + "x".repeat(120)), "long");
        Files.writeString(src.resolve("etc/shadow"), "root:*:1::::::\n");
        Files.createLink(src.resolve("etc/shadow-hardlink"), src.resolve("etc/shadow"));
        Files.createSymbolicLink(src.resolve("etc/long-link"), Path.of("/" + "target/".repeat(30) + "end"));
        try (RootedDir d = RootedDir.open(src)) {
            d.chown("etc/shadow", 0, 42);
            d.chmod("etc/shadow", 0640);
            int fd = d.createFile("bin/capable", 0755);
            dev.hako.kernel.fs.Fs.close(fd);
            d.chmod("bin/capable", 04755);
            d.setXattr("bin/capable", "security.capability",
                    new byte[] {1, 0, 0, 2, (byte) 0x80, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
            d.setXattr("etc/hostname", "user.comment", "héllo".getBytes(StandardCharsets.UTF_8));
            d.mknod("dev/null", Stat.S_IFCHR | 0666, 1, 3);
            d.mknod("dev/loop0", Stat.S_IFBLK | 0660, 7, 0);
            d.mknod("run/fifo", Stat.S_IFIFO | 0600, 0, 0);
            Files.writeString(src.resolve("home/big-ids"), "ids");
            d.chown("home/big-ids", 3_000_000, 4_000_000); // base-256 in gnu format, pax uid in posix
        }
        Files.setLastModifiedTime(src.resolve("etc/passwd"), FileTime.from(Instant.ofEpochSecond(1_500_000_000L, 987_654_321)));
    }

    @AfterAll
    static void tearDown() { TestTars.deleteTree(base); }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", cmd) + "\n" + out).isZero();
    }

    /** Everything recorded about the tree except the root: type/mode, owner, mtime (s or ns), content, link, rdev, xattrs. */
    static Map<String, String> tree(Path root, boolean nanos, boolean xattrs) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (RootedDir d = RootedDir.open(root)) {
            walk(d, "", m, nanos, xattrs);
        }
        return m;
    }

    private static void walk(RootedDir d, String rel, Map<String, String> m, boolean nanos, boolean xattrs) throws Exception {
        for (String name : new TreeSet<>(d.list(rel))) {
            String p = rel.isEmpty() ? name : rel + "/" + name;
            Stat st = d.lstat(p);
            StringBuilder s = new StringBuilder(String.format("%06o %d:%d t=%d", st.mode(), Integer.toUnsignedLong(st.uid()),
                    Integer.toUnsignedLong(st.gid()), st.mtimeSec()));
            if (nanos) s.append('.').append(st.mtimeNsec());
            if (st.isRegular()) {
                s.append(" n=").append(st.nlink()).append(' ').append(HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(root(d).resolve(p)))));
            }
            if (st.isSymlink()) s.append(" -> ").append(d.readlink(p));
            if (st.isCharDevice() || st.isBlockDevice()) s.append(" dev=").append(st.rdevMajor()).append(':').append(st.rdevMinor());
            if (xattrs && !st.isSymlink())
                for (String x : new TreeSet<>(d.listXattrs(p))) s.append(' ').append(x).append('=').append(HexFormat.of().formatHex(d.getXattr(p, x)));
            m.put(p, s.toString());
            if (st.isDirectory()) walk(d, p, m, nanos, xattrs);
        }
    }

    private static Path root(RootedDir d) { return d.path(); }

    @Test
    void weExtractWhatGnuTarWrites() throws Exception {
        Map<String, String> full = tree(src, true, true);
        assertThat(full).containsKeys("bin/busybox", "bin/sh", "etc/shadow-hardlink", "dev/null", "run/fifo");
        for (String format : List.of("posix", "gnu")) {
            Path t = base.resolve(format + ".tar");
            if (format.equals("posix"))
                run("tar", "--xattrs", "--xattrs-include=*", "--format=posix", "-C", src.toString(), "-cf", t.toString(), ".");
            else
                run("tar", "--format=gnu", "-C", src.toString(), "-cf", t.toString(), ".");
            Path out = Files.createDirectory(base.resolve("out-" + format));
            try (var in = Files.newInputStream(t)) {
                ExtractResult r = LayerExtractor.extract(in, out, ExtractOptions.flatten()
                        .withDevices(ExtractOptions.DevicePolicy.CREATE));
                assertThat(r.notes()).isEmpty();
            }
            boolean posix = format.equals("posix"); // gnu format: whole seconds, no xattrs
            assertThat(tree(out, posix, posix)).as(format).isEqualTo(tree(src, posix, posix));
        }
    }

    @Test
    void gnuTarExtractsWhatWeWrite() throws Exception {
        Path t = base.resolve("ours.tar");
        try (OutputStream o = Files.newOutputStream(t)) {
            TreeArchiver.write(src, o, TreeArchiver.Mode.PLAIN);
        }
        Path out = Files.createDirectory(base.resolve("out-gnu-tar"));
        run("tar", "--xattrs", "--xattrs-include=*", "--same-owner", "-p", "-C", out.toString(), "-xf", t.toString());
        assertThat(tree(out, true, true)).isEqualTo(tree(src, true, true));
        // and ours reads ours
        Path again = Files.createDirectory(base.resolve("out-ours"));
        try (var in = Files.newInputStream(t)) {
            LayerExtractor.extract(in, again, ExtractOptions.flatten().withDevices(ExtractOptions.DevicePolicy.CREATE));
        }
        assertThat(tree(again, true, true)).isEqualTo(tree(src, true, true));
    }
}
