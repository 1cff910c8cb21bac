package dev.hako.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs `hako` in-process against a test root and captures what it prints. */
final class Cli {
    record Result(int code, String out, String err) {
        @Override public String toString() { return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err; }
    }

    final Path root;

    Cli(Path root) { this.root = root; }

    Result run(String... args) { return runWithInput(new byte[0], args); }

    Result runWithInput(byte[] stdin, String... args) {
        return runWith(new ByteArrayInputStream(stdin), args);
    }

    Result runWith(InputStream stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--root", root.toString(), "--runroot", root.resolve("run").toString()));
        all.addAll(List.of(args));
        int code = Main.run(all.toArray(String[]::new), new Main.Terminal(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), stdin, false, 80));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs a host command; fails the test with its output when it fails. */
    static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", cmd));
        }
        if (p.exitValue() != 0) throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + ":\n" + out);
        return out;
    }

    /** A busybox rootfs tarball made offline by scripts/busybox-rootfs.sh. */
    static Path busyboxTar(Path dir) throws IOException, InterruptedException {
        Path rootfs = dir.resolve("rootfs");
        String project = System.getProperty("hako.projectDir", Path.of("").toAbsolutePath().getParent().toString());
        sh("bash", project + "/scripts/busybox-rootfs.sh", rootfs.toString());
        Path tar = dir.resolve("rootfs.tar");
        sh("tar", "-C", rootfs.toString(), "--numeric-owner", "-cf", tar.toString(), ".");
        return tar;
    }

    static void deleteTree(Path p) throws IOException, InterruptedException {
        if (Files.exists(p)) sh("rm", "-rf", "--one-file-system", p.toString());
    }
}
