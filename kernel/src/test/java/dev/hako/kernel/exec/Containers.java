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
