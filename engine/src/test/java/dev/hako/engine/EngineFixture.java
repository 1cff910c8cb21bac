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

/** What the engine tests share: a busybox image made offline (Debian's busybox-static) in a temp store, host commands. */
public final class EngineFixture {
    private EngineFixture() {}

    /**
     * Builds a busybox rootfs with scripts/busybox-rootfs.sh and imports it into {@code root} as
     * {@code PREFIX<random>:latest} with the Dockerfile-style {@code changes} (e.g. {@code CMD ["sh"]}).
     *
     * @return the image's name
     */
    public static String importBusybox(Path root, String prefix, String... changes) throws IOException, InterruptedException {
        Path project = Path.of(System.getProperty("hako.projectDir", "."));
        Path fs = root.resolve("busybox-fs");
        run("bash", project.resolve("scripts/busybox-rootfs.sh").toString(), fs.toString());
        Path tar = root.resolve("busybox.tar");
        run("tar", "-C", fs.toString(), "--numeric-owner", "-cf", tar.toString(), ".");
        String image = prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + ":latest";
        try (InputStream in = Files.newInputStream(tar)) {
            new ImageService(root).importImage(in, image, List.of(changes), "test", Platform.host());
        }
        return image;
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
