package dev.hako.runtime.state;

import dev.hako.runtime.config.DefaultSpec;
import dev.hako.runtime.process.ProcFs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StateStoreTest {
    @TempDir Path root;

    ContainerRecord record(String id, long pid, long start, String status) {
        return new ContainerRecord("1.0.2", id, pid, start, "/b", "/b/rootfs", "2026-01-01T00:00:00Z", "/hako/" + id,
                status, "", Map.of(), DefaultSpec.create(false));
    }

    @Test
    void idsFollowRuncRules() {
        assertThat(StateStore.validId("abc-1.2_x+y")).isTrue();
        assertThat(StateStore.validId("a/b")).isFalse();
        assertThat(StateStore.validId("..")).isFalse();
        assertThat(StateStore.validId(".")).isFalse();
        assertThat(StateStore.validId("")).isFalse();
        assertThat(StateStore.validId("a b")).isFalse();
    }

    @Test
    void writeReadListRemove() {
        StateStore s = new StateStore(root.resolve("r"));
        assertThat(s.ids()).isEmpty();
        assertThat(s.createDir("c1")).isTrue();
        assertThat(s.createDir("c1")).isFalse();
        var r = record("c1", 0, 0, "creating");
        s.write(r);
        assertThat(s.read("c1")).contains(r);
        try (var l = s.lock("c1")) {
            assertThat(l).isNotNull();
        }
        s.createDir("c0");
        assertThat(s.ids()).containsExactly("c0", "c1"); // the lock directory is not a container
        s.remove("c1");
        assertThat(s.read("c1")).isEmpty();
        assertThat(s.ids()).containsExactly("c0");
    }

    @Test
    void statusComesFromTheProcessTheFifoAndTheFreezer() throws Exception {
        StateStore s = new StateStore(root);
        long me = ProcessHandle.current().pid();
        long start = ProcFs.startTime(me);
        assertThat(start).isPositive();
        s.createDir("c");
        var alive = record("c", me, start, "created");
        assertThat(s.status(alive, () -> false)).isEqualTo(Status.RUNNING);
        assertThat(s.status(alive, () -> true)).isEqualTo(Status.PAUSED);
        Fifo.create(s.execFifo("c"), 0622);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(s.execFifo("c")))).isEqualTo("rw--w--w-");
        assertThat(s.status(alive, () -> false)).isEqualTo(Status.CREATED);
        // the same pid with another start time is a recycled pid: not our container
        assertThat(s.status(record("c", me, start + 1, "running"), () -> false)).isEqualTo(Status.STOPPED);
        assertThat(s.status(record("c", 0, 0, "creating"), () -> false)).isEqualTo(Status.CREATING);
        assertThat(s.status(record("c", Integer.MAX_VALUE, 5, "running"), () -> false)).isEqualTo(Status.STOPPED);
    }

    @Test
    void theConfigIsKeptBesideTheStateAndReadOnlyWhenAsked() throws Exception {
        StateStore s = new StateStore(root.resolve("lazy"));
        s.createDir("c2");
        var spec = DefaultSpec.create(false);
        var r = record("c2", 0, 0, "creating");
        s.write(r);
        s.write(r.withInit(42, 7).withStatus("created"));   // the config is written once, not again
        Path state = s.dir("c2").resolve(StateStore.STATE_FILE);
        Path config = s.dir("c2").resolve(StateStore.CONFIG_FILE);
        assertThat(Files.readString(state)).doesNotContain("\"process\"").contains("\"hasConfig\":true");
        assertThat(Files.exists(config)).isTrue();
        var back = s.read("c2").orElseThrow();
        assertThat(back.initPid()).isEqualTo(42);
        assertThat(back.status()).isEqualTo("created");
        // no hooks in the default spec: hooks() must not need the config file
        Files.delete(config);
        assertThat(back.hooks()).isNull();
        Files.writeString(config, dev.hako.oci.Json.write(spec));
        assertThat(back.config()).isEqualTo(spec);
    }

    @Test
    void hooksAndAnnotationsSurviveAndTheOciStateMatchesTheCodec() {
        StateStore s = new StateStore(root.resolve("hooks"));
        s.createDir("c3");
        var hook = new dev.hako.oci.runtime.Hooks.Hook("/bin/true", java.util.List.of("true", "x"), null, 3);
        var hooks = new dev.hako.oci.runtime.Hooks(null, null, null, null, null, java.util.List.of(hook));
        var spec = DefaultSpec.create(false);
        spec = new dev.hako.oci.runtime.Spec(spec.ociVersion(), spec.process(), spec.root(), spec.hostname(),
                spec.domainname(), spec.mounts(), hooks, spec.annotations(), spec.linux());
        Map<String, String> ann = new java.util.LinkedHashMap<>();
        ann.put("a\"b", "line\nnext \u00e9");
        ann.put("k", "v");
        var r = new ContainerRecord("1.0.2", "c3", 9, 8, "/b \"q\"", "/b/rootfs", "2026-01-01T00:00:00Z", "/hako/c3",
                "running", "", ann, spec);
        s.write(r);
        var back = s.read("c3").orElseThrow();
        assertThat(back).isEqualTo(r);
        assertThat(back.annotations()).containsExactlyEntriesOf(ann);
        assertThat(back.hooks().poststop()).containsExactly(hook);
        for (Map<String, String> a : java.util.Arrays.asList(ann, Map.<String, String>of(), null)) {
            assertThat(StateStore.ociStateJson("1.0.2", "c3", "stopped", 0, "/b \"q\"", a)).isEqualTo(
                    dev.hako.oci.Json.write(new dev.hako.oci.runtime.State("1.0.2", "c3", "stopped", 0, "/b \"q\"", a)));
        }
    }

    @Test
    void aStateFileWithTheConfigInlineIsStillRead() throws Exception {
        StateStore s = new StateStore(root.resolve("old"));
        s.createDir("c4");
        var spec = DefaultSpec.create(false);
        String old = "{\"ociVersion\":\"1.0.2\",\"id\":\"c4\",\"initPid\":5,\"initStartTime\":6,\"bundle\":\"/b\","
                + "\"rootfs\":\"/b/rootfs\",\"created\":\"2026-01-01T00:00:00Z\",\"cgroupPath\":\"/hako/c4\","
                + "\"status\":\"running\",\"owner\":\"\",\"annotations\":{},\"config\":" + dev.hako.oci.Json.write(spec) + "}";
        Files.writeString(s.dir("c4").resolve(StateStore.STATE_FILE), old);
        var back = s.read("c4").orElseThrow();
        assertThat(back).isEqualTo(new ContainerRecord("1.0.2", "c4", 5, 6, "/b", "/b/rootfs", "2026-01-01T00:00:00Z",
                "/hako/c4", "running", "", Map.of(), spec));
        s.write(back.withStatus("created"));   // rewritten in the new layout, config moved to its own file
        assertThat(Files.exists(s.dir("c4").resolve(StateStore.CONFIG_FILE))).isTrue();
        assertThat(s.read("c4").orElseThrow().config()).isEqualTo(spec);
    }

    @Test
    void aCorruptStateFileNamesTheFile() throws Exception {
        StateStore s = new StateStore(root.resolve("bad"));
        s.createDir("c5");
        Path f = s.dir("c5").resolve(StateStore.STATE_FILE);
        Files.writeString(f, "{\"id\": ");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.read("c5"))
                .isInstanceOf(dev.hako.oci.OciException.class).hasMessageContaining(f.toString());
    }
}
