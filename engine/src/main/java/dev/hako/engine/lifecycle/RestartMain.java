package dev.hako.engine.lifecycle;

import dev.hako.engine.Engine;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * What a container's monitor execs when its restart policy asks for another run (kernel/src/main/c/lifecycle.c):
 * {@code java ... dev.hako.engine.lifecycle.RestartMain ROOT RUNROOT ID} starts the container again (under a new
 * monitor) and exits. Its stdio is /dev/null, so a failure goes to the container's restart.err.
 */
public final class RestartMain {
    private RestartMain() {}

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: RestartMain ROOT RUNROOT CONTAINER-ID (run by a container's monitor)");
            System.exit(2);
        }
        Path root = Path.of(args[0]);
        try {
            new Engine(root, Path.of(args[1]), m -> { }).restartByPolicy(args[2]);
            System.exit(0);
        } catch (Throwable t) {
            Path err = root.resolve("containers").resolve(args[2]).resolve("restart.err");
            try (PrintStream out = new PrintStream(Files.newOutputStream(err, StandardOpenOption.CREATE, StandardOpenOption.APPEND))) {
                out.println(Instant.now() + " restart failed: " + t);
                t.printStackTrace(out);
            } catch (IOException e) {
                // nowhere left to report
            }
            System.exit(1);
        }
    }
}
