package dev.hako.runtime.container;

import dev.hako.kernel.FdStreams;
import dev.hako.kernel.Fds;
import dev.hako.kernel.exec.Stdio;
import dev.hako.oci.Json;
import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Process;
import dev.hako.oci.runtime.Root;
import dev.hako.oci.runtime.Spec;
import dev.hako.runtime.config.DefaultSpec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/** Test support: a shared busybox rootfs, bundles around it, unique ids, and captured output. */
final class Fixture {
    final Path dir;
    final Path rootfs;

    Fixture(Path dir) throws Exception {
        this.dir = dir;
        // JUnit makes temp dirs 0700: a container root mapped to an unprivileged host uid must get through
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        this.rootfs = sharedRootfs();
    }

    private static Path rootfsCache;

    /** One busybox rootfs per test JVM (containers use it read-only); removed when the JVM exits. */
    static synchronized Path sharedRootfs() throws Exception {
        if (rootfsCache != null) return rootfsCache;
        Path top = Files.createTempDirectory("hako-test-h2-rootfs-");
        Files.setPosixFilePermissions(top, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path rootfs = top.resolve("rootfs");
        Path project = Path.of(System.getProperty("hako.projectDir", "/work/main"));
        var p = new ProcessBuilder("bash", project.resolve("scripts/busybox-rootfs.sh").toString(), rootfs.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException("busybox-rootfs.sh: " + out);
        java.lang.Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var walk = Files.walk(top)) {
                for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
            } catch (IOException ignored) { }
        }));
        rootfsCache = rootfs;
        return rootfs;
    }

    static String id() {
        return "hako-test-h2-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
    }

    /** runc's default spec, without a terminal, running {@code args}, root = the shared rootfs. */
    static Spec spec(Path rootfs, String... args) {
        Spec s = DefaultSpec.create(false);
        Process p = s.process();
        p = new Process(false, null, p.user(), List.of(args), null, p.env(), p.cwd(), p.capabilities(), p.rlimits(),
                p.noNewPrivileges(), null, null, null, null, null, null);
        return new Spec(s.ociVersion(), p, new Root(rootfs.toString(), true), s.hostname(), null, s.mounts(), null, null,
                s.linux());
    }

    Path bundle(String name, Spec spec) throws IOException {
        Path b = Files.createDirectories(dir.resolve("bundles").resolve(name));
        Files.writeString(b.resolve("config.json"), Json.pretty(spec));
        return b;
    }

    Path bundle(String name, String... args) throws IOException { return bundle(name, spec(rootfs, args)); }

    static Spec withLinux(Spec s, UnaryOperator<Linux> f) { return s.withLinux(f.apply(s.linux())); }

    /** stdout+stderr of a container into one pipe the test reads after the container is gone. */
    static final class Output implements AutoCloseable {
        final int readFd, writeFd;

        Output() {
            int[] p = Fds.pipe();
            readFd = p[0];
            writeFd = p[1];
        }

        Stdio stdio() { return new Stdio(Stdio.NULL, new Stdio.Fd(writeFd), new Stdio.Fd(writeFd)); }

        /** Closes our write end and reads to EOF (every writer in the container must be gone). */
        String read() throws IOException {
            closeWrite();
            try (InputStream in = FdStreams.input(readFd)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }

        private boolean writeClosed;

        void closeWrite() {
            if (!writeClosed) { Fds.close(writeFd); writeClosed = true; }
        }

        @Override public void close() { closeWrite(); }
    }
}
