package dev.hako.engine;

import dev.hako.image.store.ImageService;
import dev.hako.oci.image.Platform;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** The engine tests' fixture: a busybox image built offline (scripts/busybox-rootfs.sh) and imported into a store. */
public final class BusyboxImage {
    private BusyboxImage() {}

    /** Imports it into {@code root}'s image store as {@code <prefix><random>:latest}; returns that name. */
    public static String importInto(Path root, String prefix) throws IOException, InterruptedException {
        Path project = Path.of(System.getProperty("hako.projectDir", "."));
        Path fs = Files.createTempDirectory(root, "busybox-fs");
        exec("bash", project.resolve("scripts/busybox-rootfs.sh").toString(), fs.toString());
        Path tar = fs.resolveSibling(fs.getFileName() + ".tar");
        exec("tar", "-C", fs.toString(), "-cf", tar.toString(), ".");
        String image = prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + ":latest";
        try (InputStream in = Files.newInputStream(tar)) {
            new ImageService(root).importImage(in, image, List.of("CMD [\"sh\"]"), "test", Platform.host());
        }
        return image;
    }

    private static void exec(String... cmd) throws IOException, InterruptedException {
        var p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
    }
}
