package dev.hako.runtime.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hako.oci.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Our default config is the one `runc spec` writes but for the hostname (compared as JSON trees with the installed runc). */
class DefaultSpecTest {
    @TempDir Path dir;

    JsonNode runcSpec(boolean rootless) throws Exception {
        Path d = Files.createDirectories(dir.resolve(rootless ? "rootless" : "root"));
        var pb = rootless ? new ProcessBuilder("runc", "spec", "--rootless") : new ProcessBuilder("runc", "spec");
        var p = pb.directory(d.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        // the one intended difference: hako names the default hostname after itself
        return Json.mapper().readTree(Files.readString(d.resolve("config.json"))
                .replace("\"hostname\": \"runc\"", "\"hostname\": \"hako\""));
    }

    @Test
    void matchesRuncSpec() throws Exception {
        assertThat(Json.mapper().readTree(Json.write(DefaultSpec.create(false)))).isEqualTo(runcSpec(false));
    }

    @Test
    void writesABusyboxBundle() throws Exception {
        Path project = Path.of(System.getProperty("hako.projectDir", "/work/main"));
        var spec = DefaultSpec.writeBusyboxBundle(dir.resolve("b"), project, false, java.util.List.of("echo", "hi"));
        assertThat(dir.resolve("b/rootfs/bin/busybox")).isExecutable();
        var read = Json.read(dir.resolve("b/config.json"), dev.hako.oci.runtime.Spec.class);
        assertThat(read).isEqualTo(spec);
        assertThat(read.process().args()).containsExactly("echo", "hi");
        assertThat(read.process().isTerminal()).isFalse();
        assertThat(SpecValidator.problems(read, dir.resolve("b"))).isEmpty();
    }

    @Test
    void matchesRuncSpecRootless() throws Exception {
        assertThat(Json.mapper().readTree(Json.write(DefaultSpec.create(true)))).isEqualTo(runcSpec(true));
    }
}
