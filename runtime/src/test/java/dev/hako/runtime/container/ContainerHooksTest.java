package dev.hako.runtime.container;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hako.kernel.exec.Stdio;
import dev.hako.oci.Json;
import dev.hako.oci.runtime.Hooks;
import dev.hako.oci.runtime.Mount;
import dev.hako.oci.runtime.Spec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** runtime-spec hooks: order, the state on stdin, timeouts, and what a failure does in each phase. */
class ContainerHooksTest {
    @TempDir static Path shared;
    static Fixture fx;

    @TempDir Path root;
    Path logDir;
    Runtime rt;
    final List<String> warnings = new ArrayList<>();
    final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void rootfs() throws Exception { fx = new Fixture(shared); }

    @BeforeEach
    void runtime() throws Exception {
        rt = new Runtime(root.resolve("state"), warnings::add);
        logDir = Files.createDirectories(shared.resolve("logs-" + System.nanoTime()));
    }

    @AfterEach
    void cleanup() {
        for (String id : ids) {
            try { rt.delete(id, true); } catch (RuntimeException ignored) { }
        }
    }

    /** A hook that appends "<name> <state json>" to {@code log}. */
    static Hooks.Hook logHook(String name, String log) {
        return new Hooks.Hook("/bin/sh", List.of("sh", "-c", "printf '%s %s\\n' \"$0\" \"$(cat)\" >> " + log, name), null, 5);
    }

    /** Like logHook, but half a second late: start must still wait for it (it runs before the user process). */
    static Hooks.Hook slowLogHook(String name, String log) {
        return new Hooks.Hook("/bin/sh", List.of("sh", "-c", "s=$(cat); sleep 0.5; printf '%s %s\\n' \"$0\" \"$s\" >> " + log, name),
                null, 5);
    }

    static Hooks.Hook shHook(String script, Integer timeout) {
        return new Hooks.Hook("/bin/sh", List.of("sh", "-c", script), List.of("HOOKVAR=x"), timeout);
    }

    Spec spec(Hooks hooks, String... args) {
        Spec s = Fixture.spec(fx.rootfs, args);
        List<Mount> mounts = new ArrayList<>(s.mounts());
        mounts.add(new Mount("/hooklog", "bind", logDir.toString(), List.of("rbind"), null, null));
        return new Spec(s.ociVersion(), s.process(), s.root(), s.hostname(), null, mounts, hooks, null, s.linux());
    }

    List<String[]> log() throws Exception {
        Path f = logDir.resolve("log");
        if (!Files.exists(f)) return List.of();
        return Files.readAllLines(f).stream().map(l -> l.split(" ", 2)).toList();
    }

    @Test
    void hooksRunInOrderWithTheStateOnStdin() throws Exception {
        String id = Fixture.id();
        ids.add(id);
        String host = logDir.resolve("log").toString();
        Hooks hooks = new Hooks(List.of(logHook("prestart", host)), List.of(logHook("createRuntime1", host), logHook("createRuntime2", host)),
                List.of(logHook("createContainer", host)), List.of(slowLogHook("startContainer", "/hooklog/log")),
                List.of(logHook("poststart", host)), List.of(logHook("poststop", host)));
        Path bundle = fx.bundle(id, spec(hooks, "sleep", "1000"));
        var info = rt.create(id, bundle, CreateOptions.defaults().withStdio(Stdio.nulls()));
        assertThat(log()).extracting(l -> l[0]).containsExactly("prestart", "createRuntime1", "createRuntime2", "createContainer");
        for (String[] l : log().subList(0, 3)) {
            JsonNode st = Json.mapper().readTree(l[1]);
            assertThat(st.get("id").asText()).isEqualTo(id);
            assertThat(st.get("status").asText()).isEqualTo("creating");
            assertThat(st.get("pid").asInt()).isEqualTo(info.pid());
            assertThat(st.get("bundle").asText()).isEqualTo(bundle.toString());
            assertThat(st.get("ociVersion").asText()).isNotEmpty();
        }
        rt.start(id);
        assertThat(log()).extracting(l -> l[0]).containsExactly("prestart", "createRuntime1", "createRuntime2",
                "createContainer", "startContainer", "poststart");
        JsonNode poststart = Json.mapper().readTree(log().get(5)[1]);
        assertThat(poststart.get("status").asText()).isEqualTo("running");
        assertThat(poststart.get("pid").asInt()).isEqualTo(info.pid());

        rt.kill(id, 9, false);
        for (int i = 0; i < 500 && rt.state(id).status() != dev.hako.runtime.state.Status.STOPPED; i++) Thread.sleep(10);
        rt.delete(id, false);
        assertThat(log()).hasSize(7);
        JsonNode poststop = Json.mapper().readTree(log().get(6)[1]);
        assertThat(log().get(6)[0]).isEqualTo("poststop");
        assertThat(poststop.get("status").asText()).isEqualTo("stopped");
        assertThat(warnings).isEmpty();
    }

    @Test
    void inContainerHooksSeeTheInitsPidAndStartReturnsAfterTheExec() throws Exception {
        String id = Fixture.id();
        ids.add(id);
        // createContainer runs before pivot_root: the host's path of the log
        Hooks hooks = new Hooks(null, null, List.of(logHook("createContainer", logDir.resolve("log").toString())),
                List.of(slowLogHook("startContainer", "/hooklog/log")), null, null);
        var info = rt.create(id, fx.bundle(id, spec(hooks, "sleep", "1000")), CreateOptions.defaults().withStdio(Stdio.nulls()));
        JsonNode created = Json.mapper().readTree(log().get(0)[1]);
        // as runc: the pid as the hook (run by the init, in the container's pid namespace) sees it
        assertThat(created.get("pid").asInt()).isEqualTo(1);
        assertThat(created.get("status").asText()).isEqualTo("creating");
        rt.start(id);
        // the fifo's write end closes on execve: start returned after it, not just after the hooks
        assertThat(Files.readString(Path.of("/proc/" + info.pid() + "/cmdline"))).isEqualTo("sleep\u00001000\u0000");
        JsonNode started = Json.mapper().readTree(log().get(1)[1]);
        assertThat(log().get(1)[0]).isEqualTo("startContainer");
        assertThat(started.get("pid").asInt()).isEqualTo(1);
        assertThat(started.get("status").asText()).isEqualTo("created");
    }

    @Test
    void withoutAPidNamespaceTheHookSeesTheHostPid() throws Exception {
        String id = Fixture.id();
        ids.add(id);
        Spec s = spec(new Hooks(null, null, List.of(logHook("createContainer", logDir.resolve("log").toString())), null, null,
                null), "sleep", "1000");
        s = Fixture.withLinux(s, l -> new dev.hako.oci.runtime.Linux(
                l.namespaces().stream().filter(n -> !n.type().equals("pid")).toList(), l.uidMappings(), l.gidMappings(),
                l.timeOffsets(), l.devices(), l.cgroupsPath(), l.resources(), l.rootfsPropagation(), l.seccomp(), l.sysctl(),
                l.maskedPaths(), l.readonlyPaths(), l.mountLabel(), l.personality(), l.intelRdt()));
        var info = rt.create(id, fx.bundle(id, s), CreateOptions.defaults().withStdio(Stdio.nulls()));
        assertThat(Json.mapper().readTree(log().get(0)[1]).get("pid").asInt()).isEqualTo(info.pid());
    }

    @Test
    void aTimedOutHookIsKilledAndFailsTheCreate() throws Exception {
        String id = Fixture.id();
        ids.add(id);
        Path marker = logDir.resolve("after-sleep");
        Hooks hooks = new Hooks(null, List.of(shHook("sleep 30; touch " + marker, 1)), null, null, null, null);
        Path bundle = fx.bundle(id, spec(hooks, "true"));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> rt.create(id, bundle, CreateOptions.defaults().withStdio(Stdio.nulls())))
                .isInstanceOf(ContainerException.class)
                .hasMessageContaining("createRuntime[0]").hasMessageContaining("timed out after 1s");
        assertThat(System.nanoTime() - t0).as("the hook was not waited for").isLessThan(20_000_000_000L);
        assertThat(root.resolve("state").resolve(id)).doesNotExist();
        assertThat(Path.of("/sys/fs/cgroup/memory/hako", id)).doesNotExist();
        assertThat(marker).doesNotExist();
    }

    @Test
    void aFailingPrestartHookFailsTheCreateAndPoststopStillRuns() throws Exception {
        String id = Fixture.id();
        ids.add(id);
        String host = logDir.resolve("log").toString();
        Hooks hooks = new Hooks(List.of(shHook("echo bad config >&2; exit 3", null), logHook("never", host)), null, null, null,
                null, List.of(logHook("poststop", host)));
        Path bundle = fx.bundle(id, spec(hooks, "true"));
        assertThatThrownBy(() -> rt.create(id, bundle, CreateOptions.defaults().withStdio(Stdio.nulls())))
                .hasMessageContaining("prestart[0] /bin/sh: exit status 3").hasMessageContaining("bad config");
        assertThat(log()).extracting(l -> l[0]).containsExactly("poststop");
        assertThat(root.resolve("state").resolve(id)).doesNotExist();
    }

    @Test
    void aFailingPoststartHookIsOnlyAWarning() throws Exception {
        String id = Fixture.id();
        ids.add(id);
        String host = logDir.resolve("log").toString();
        Hooks hooks = new Hooks(null, null, null, null, List.of(shHook("exit 1", null), logHook("poststart2", host)), null);
        rt.create(id, fx.bundle(id, spec(hooks, "sleep", "1000")), CreateOptions.defaults().withStdio(Stdio.nulls()));
        rt.start(id);
        assertThat(rt.state(id).status()).isEqualTo(dev.hako.runtime.state.Status.RUNNING);
        assertThat(warnings).singleElement().asString().contains("poststart[0]").contains("exit status 1");
        assertThat(log()).extracting(l -> l[0]).containsExactly("poststart2");
    }

    @Test
    void hookEnvIsExactlyTheConfiguredOne() throws Exception {
        String id = Fixture.id();
        ids.add(id);
        Path out = logDir.resolve("env");
        Hooks hooks = new Hooks(null, List.of(shHook("env > " + out, null)), null, null, null, null);
        rt.create(id, fx.bundle(id, spec(hooks, "true")), CreateOptions.defaults().withStdio(Stdio.nulls()));
        assertThat(Files.readAllLines(out)).contains("HOOKVAR=x").noneMatch(l -> l.startsWith("JAVA_HOME="));
    }
}
