package dev.hako.cli.container;

import dev.hako.cli.Main;
import dev.hako.image.store.ImageService;
import dev.hako.oci.image.Platform;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the container CLI tests share: `hako` run in-process against a temp root, and a busybox image made offline. */
final class CliFixture {
    private CliFixture() {}

    record Result(int code, String out, String err, byte[] raw) {
        @Override public String toString() { return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err; }
    }

    /** `hako --root ROOT --runroot ROOT/run ARGS` with {@code stdin}; not a terminal. */
    static Result hako(Path root, byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--root", root.toString(), "--runroot", root.resolve("run").toString()));
        all.addAll(List.of(args));
        int code = Main.run(all.toArray(String[]::new), new Main.Terminal(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(stdin), false, 200));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), out.toByteArray());
    }

    /** Builds a busybox rootfs from Debian's busybox-static and imports it into ROOT as {@code image}. */
    static String importBusybox(Path root, String image, List<String> changes) throws Exception {
        Path project = Path.of(System.getProperty("hako.projectDir", "."));
        Path fs = root.resolve("busybox-fs");
        run("bash", project.resolve("scripts/busybox-rootfs.sh").toString(), fs.toString());
        Path tar = root.resolve("busybox.tar");
        run("tar", "-C", fs.toString(), "--numeric-owner", "-cf", tar.toString(), ".");
        try (InputStream in = Files.newInputStream(tar)) {
            new ImageService(root).importImage(in, image, changes, "test", Platform.host());
        }
        return image;
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
    }
}
