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
}
