package dev.hako.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hako.oci.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every container command through the CLI entry point (in process, real containers): create, state, list,
 * start, ps, pause, exec, resume, update, events, kill, delete, and the error log in json.
 */
class CliLifecycleTest {
    record Result(int code, String out, String err) {}

    private Path root;
    private Path log;

    private Result cli(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--root", root.toString(), "--log", log.toString(), "--log-format", "json"));
        all.addAll(List.of(args));
        int code = Main.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private JsonNode state(String id) throws Exception {
        Result r = cli("state", id);
        assertThat(r.code).as(r.err).isZero();
        return Json.mapper().readTree(r.out);
    }

    @Test
    void wholeLifecycle(@TempDir Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        root = dir.resolve("state");
        log = dir.resolve("log.json");
        Path bundle = dir.resolve("bundle");
        Files.createDirectories(bundle);
        Path project = Path.of(System.getProperty("hako.projectDir", "/work/main"));
        var p = new ProcessBuilder("bash", project.resolve("scripts/busybox-rootfs.sh").toString(), bundle.resolve("rootfs").toString())
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        assertThat(cli("spec", "-b", bundle.toString()).code).isZero();
        Path config = bundle.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"terminal\": true", "\"terminal\": false")
                .replace("\"sh\"", "\"sleep\", \"300\""));

        String id = "hako-test-h8-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        Path pidFile = dir.resolve("pid");
        Result create = cli("create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), id);
        try {
            assertThat(create.code).as(create.err).isZero();
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            JsonNode s = state(id);
            assertThat(s.get("status").asText()).isEqualTo("created");
            assertThat(s.get("pid").asLong()).isEqualTo(pid);
            assertThat(s.get("bundle").asText()).isEqualTo(bundle.toString());
            assertThat(List.of(s.fieldNames().next())).containsExactly("ociVersion");

            assertThat(cli("list", "-q").out.strip()).isEqualTo(id);
            assertThat(Json.mapper().readTree(cli("list", "--format", "json").out).get(0).get("id").asText()).isEqualTo(id);
            assertThat(cli("list").out).startsWith("ID").contains(id + " ", "created");

            assertThat(cli("start", id).code).isZero();
            assertThat(state(id).get("status").asText()).isEqualTo("running");
            Result again = cli("start", id);
            assertThat(again.code).isEqualTo(1);
            assertThat(again.err.strip()).isEqualTo("cannot start an already running container");
            assertThat(Files.readString(log)).contains("{\"level\":\"error\",\"msg\":\"cannot start an already running container\"");

            Result ps = cli("ps", "--format", "json", id);
            assertThat(Json.mapper().readTree(ps.out).toString()).isEqualTo("[" + pid + "]");
            Result psTable = cli("ps", id, "-o", "pid,args");
            assertThat(psTable.out).as(psTable.err).startsWith("  PID").contains(pid + " sleep 300");

            assertThat(cli("pause", id).code).isZero();
            assertThat(state(id).get("status").asText()).isEqualTo("paused");
            Result pausedExec = cli("exec", id, "true");
            assertThat(pausedExec.code).isEqualTo(1);
            assertThat(pausedExec.err).contains("paused");
            assertThat(cli("resume", id).code).isZero();
            assertThat(state(id).get("status").asText()).isEqualTo("running");

            assertThat(cli("exec", id, "sh", "-c", "exit 4").code).isEqualTo(4);
            assertThat(cli("exec", "--user", "65534:65534", id, "sh", "-c", "test $(id -u) = 65534").code).isZero();

            assertThat(cli("update", "--pids-limit", "42", id).code).isZero();
            Result events = cli("events", "--stats", id);
            assertThat(events.code).as(events.err).isZero();
            JsonNode ev = Json.mapper().readTree(events.out);
            assertThat(ev.get("type").asText()).isEqualTo("stats");
            assertThat(ev.get("id").asText()).isEqualTo(id);
            assertThat(ev.at("/data/pids/limit").asLong()).isEqualTo(42);
            assertThat(ev.at("/data/pids/current").asLong()).isEqualTo(1);

            Result delRunning = cli("delete", id);
            assertThat(delRunning.code).isEqualTo(1);
            assertThat(delRunning.err).contains("not stopped");
            assertThat(cli("kill", id, "sigkill").code).isZero();
            for (int i = 0; i < 200 && !state(id).get("status").asText().equals("stopped"); i++) Thread.sleep(20);
            assertThat(state(id).get("status").asText()).isEqualTo("stopped");
            assertThat(cli("kill", id, "KILL").code).isEqualTo(1);
            assertThat(cli("delete", id).code).isZero();
            Result gone = cli("state", id);
            assertThat(gone.code).isEqualTo(1);
            assertThat(gone.err.strip()).isEqualTo("container does not exist");
        } finally {
            cli("delete", "--force", id);
        }
    }
}
