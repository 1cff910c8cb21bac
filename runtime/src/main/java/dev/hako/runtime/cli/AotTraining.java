package dev.hako.runtime.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The workload scripts/aot-train.sh runs once with -XX:AOTCacheOutput, so the JDK's AOT cache holds the
 * classes bin/hako-runtime loads in real use: parsing, help, spec, features, errors, and (as root, with a
 * busybox bundle in DIR/bundle) create/start/state/delete lifecycles and a kill. Failures are reported, not fatal:
 * a partial cache still helps. Usage: AotTraining DIR
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]).toAbsolutePath();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        String root = dir.resolve("state").toString();
        String log = dir.resolve("log.json").toString();
        List<String[]> steps = new ArrayList<>(List.of(
                new String[]{"--help"},
                new String[]{"create", "--help"},
                new String[]{"features"},
                new String[]{"--root", root, "list"},
                new String[]{"--root", root, "list", "--format", "json"},
                new String[]{"--root", root, "state", "missing"},
                new String[]{"--root", root, "--log", log, "--log-format", "json", "kill", "missing", "KILL"},
                new String[]{"--root", root, "delete", "--force", "missing"},
                new String[]{"kill"}));
        Path bundle = dir.resolve("bundle");
        Files.createDirectories(bundle);
        Files.deleteIfExists(bundle.resolve("config.json"));
        steps.add(new String[]{"spec", "--bundle", bundle.toString()});
        for (String[] s : steps) Main.run(s, quiet, quiet);
        if (Files.isDirectory(bundle.resolve("rootfs"))) {
            String config = Files.readString(bundle.resolve("config.json"))
                    .replace("\"terminal\": true", "\"terminal\": false")
                    .replace("\"sh\"", "\"/bin/true\"");
            Files.writeString(bundle.resolve("config.json"), config);
            String pid = dir.resolve("pid").toString();
            for (int i = 0; i < 2; i++) {
                String id = "hako-aot-train-" + ProcessHandle.current().pid() + "-" + i;
                run(quiet, "--root", root, "--log", log, "--log-format", "json", "create", "--bundle", bundle.toString(), "--pid-file", pid, id);
                run(quiet, "--root", root, "state", id);
                run(quiet, "--root", root, "--log", log, "--log-format", "json", "start", id);
                run(quiet, "--root", root, "list");
                waitStopped(pid);
                run(quiet, "--root", root, "state", id);
                run(quiet, "--root", root, "--log", log, "--log-format", "json", "delete", id);
            }
            // kill and a forced delete of a live container (podman's stop / rm -f)
            String id = "hako-aot-train-" + ProcessHandle.current().pid() + "-kill";
            run(quiet, "--root", root, "--log", log, "--log-format", "json", "create", "--bundle", bundle.toString(), "--pid-file", pid, id);
            run(quiet, "--root", root, "--log", log, "--log-format", "json", "kill", id, "KILL");
            waitStopped(pid);
            run(quiet, "--root", root, "--log", log, "--log-format", "json", "delete", "--force", id);
        }
    }

    private static void run(PrintStream quiet, String... args) {
        int code = Main.run(args, quiet, quiet);
        if (code != 0) System.err.println("aot-train: `" + String.join(" ", args) + "` exited " + code);
    }

    private static void waitStopped(String pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(Path.of(pidFile)).strip());
            ProcessHandle.of(pid).ifPresent(p -> {
                for (int i = 0; i < 200 && p.isAlive(); i++) {
                    try { Thread.sleep(10); } catch (InterruptedException e) { Thread.currentThread().interrupt(); return; }
                }
            });
        } catch (IOException | NumberFormatException e) {
            System.err.println("aot-train: no pid file " + pidFile + ": " + e.getMessage());
        }
    }
}
