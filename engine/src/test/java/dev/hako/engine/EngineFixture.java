package dev.hako.engine;

import dev.hako.image.store.ImageService;
import dev.hako.oci.image.Platform;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * What the engine tests share: a busybox image made offline (Debian's busybox-static, scripts/busybox-rootfs.sh)
 * imported into each test class's own store, host commands, and the cleanup after each test.
 */
public final class EngineFixture {
    private EngineFixture() {}

    /** The plain busybox rootfs as a tar, made once per test JVM (the script takes seconds) and removed at its exit. */
    private static Path busyboxTar;

    /**
     * Imports busybox into {@code root} as {@code PREFIX<random>:latest} with the Dockerfile-style {@code changes}
     * (e.g. {@code CMD ["sh"]}).
     *
     * @return the image's name
     */
    public static String importBusybox(Path root, String prefix, String... changes) throws IOException, InterruptedException {
        return importTar(root, sharedBusyboxTar(), prefix, changes);
    }

    /** A fresh busybox rootfs in {@code dir}, for a test that changes it before {@link #importRootfs}. */
    public static Path busyboxRootfs(Path dir) throws IOException, InterruptedException {
        Path project = Path.of(System.getProperty("hako.projectDir", "."));
        run("bash", project.resolve("scripts/busybox-rootfs.sh").toString(), dir.toString());
        return dir;
    }

    /** Imports the rootfs directory {@code fs} (owners kept numerically) as {@code PREFIX<random>:latest}. */
    public static String importRootfs(Path root, Path fs, String prefix, String... changes) throws IOException, InterruptedException {
        Path tar = Files.createTempFile(root, "rootfs-", ".tar");
        try {
            run("tar", "-C", fs.toString(), "--numeric-owner", "-cf", tar.toString(), ".");
            return importTar(root, tar, prefix, changes);
        } finally {
            Files.deleteIfExists(tar);
        }
    }

    private static String importTar(Path root, Path tar, String prefix, String... changes) throws IOException {
        String image = prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + ":latest";
        try (InputStream in = Files.newInputStream(tar)) {
            new ImageService(root).importImage(in, image, List.of(changes), "test", Platform.host());
        }
        return image;
    }

    private static synchronized Path sharedBusyboxTar() throws IOException, InterruptedException {
        if (busyboxTar != null) return busyboxTar;
        Path dir = Files.createTempDirectory("hako-test-busybox-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString()).start().waitFor(30, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                // a temp dir left behind
            }
        }));
        Path fs = busyboxRootfs(dir.resolve("fs"));
        Path tar = dir.resolve("busybox.tar");
        run("tar", "-C", fs.toString(), "--numeric-owner", "-cf", tar.toString(), ".");
        busyboxTar = tar;
        return tar;
    }

    /** Runs a host command; its output (stderr included). Fails with that output when it exits non-zero. */
    public static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", cmd));
        }
        if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
        return out;
    }

    /** Removes every container of {@code engine} (tests call it after each test). */
    public static void removeAll(Engine engine) {
        for (var v : engine.list()) engine.remove(v.record().id(), true);
    }
}
