package dev.hako.kernel.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Test fixture: a busybox rootfs (scripts/busybox-rootfs.sh) and a way to run a plan and capture its output. */
final class Containers {
    record Result(int exitCode, String out, String err) {}

    private Containers() {}

    private static Path shared;

    /**
     * One busybox rootfs per test JVM for tests that do not change it (building one takes seconds);
     * world-traversable so user-namespace containers can reach it.
     */
    static synchronized String sharedRootfs() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("hako-test-rootfs");
                Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
                shared = busyboxRootfs(dir.resolve("rootfs"));
                Path d = dir;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(d)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared.toString();
    }

    /** A private copy of the shared rootfs (cp -a), for tests that make it hostile. */
    static Path copyOfRootfs(Path dir) {
        try {
            Process p = new ProcessBuilder("cp", "-a", sharedRootfs(), dir.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) throw new IllegalStateException("cp -a failed: " + out);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path dir) {
        try {
            new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString()).start().waitFor();
        } catch (Exception ignored) {
            // best effort
        }
    }

    static Path busyboxRootfs(Path dir) {
        Path project = Path.of(System.getProperty("hako.projectDir", "../"));
        Path script = project.resolve("scripts/busybox-rootfs.sh");
        if (!Files.exists(script)) script = Path.of("../scripts/busybox-rootfs.sh");
        try {
            Process p = new ProcessBuilder("bash", script.toString(), dir.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("busybox-rootfs.sh failed: " + out);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs the plan in FOREGROUND with piped output; the whole protocol, as the runtime's run does. */
    static Result run(LaunchPlan plan) {
        try (Launch l = Executor.launch(plan, Stdio.pipes(), Supervision.FOREGROUND)) {
            CompletableFuture<String> out = drain(l.stdout()), err = drain(l.stderr());
            l.writeIdMappings();
            l.proceed();
            try {
                l.awaitReady();
            } catch (LaunchException e) {
                out.join();
                err.join();
                throw e;
            }
            int code = l.waitFor();
            return new Result(code, out.join(), err.join());
        }
    }

    static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                in.transferTo(b);
                return b.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, r -> Thread.ofPlatform().daemon().start(r));
    }
}
