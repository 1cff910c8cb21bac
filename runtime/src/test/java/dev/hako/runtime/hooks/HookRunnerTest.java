package dev.hako.runtime.hooks;

import dev.hako.oci.runtime.Hooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HookRunnerTest {
    @TempDir Path dir;

    static Hooks poststart(Hooks.Hook... h) { return new Hooks(null, null, null, null, List.of(h), null); }

    @Test
    void argsAfterArgv0AndStdinAndEnv() throws Exception {
        Path out = dir.resolve("out");
        var h = new Hooks.Hook("/bin/sh", List.of("ignored-argv0", "-c", "echo \"$1|$(cat)|$FOO\" > " + out, "x", "one"),
                List.of("FOO=bar"), 5);
        HookRunner.run(HookRunner.Phase.POSTSTART, poststart(h), "{\"id\":\"c\"}");
        assertThat(Files.readString(out)).isEqualTo("one|{\"id\":\"c\"}|bar\n");
    }

    @Test
    void timeoutKillsTheHookAndItsChildren() throws Exception {
        Path marker = dir.resolve("late");
        var h = new Hooks.Hook("/bin/sh", List.of("sh", "-c", "(sleep 3; touch " + marker + ") & sleep 30"), null, 1);
        assertThatThrownBy(() -> HookRunner.run(HookRunner.Phase.POSTSTART, poststart(h), "{}"))
                .isInstanceOf(HookException.class).hasMessageContaining("poststart[0] /bin/sh: timed out after 1s");
        Thread.sleep(3500);
        assertThat(marker).doesNotExist();
    }

    @Test
    void failureStopsThePhaseButWarningModeGoesOn() throws Exception {
        Path out = dir.resolve("out");
        var bad = new Hooks.Hook("/bin/sh", List.of("sh", "-c", "echo oops; exit 4"), null, null);
        var good = new Hooks.Hook("/bin/sh", List.of("sh", "-c", "echo ran >> " + out), null, null);
        assertThatThrownBy(() -> HookRunner.run(HookRunner.Phase.POSTSTART, poststart(bad, good), "{}"))
                .hasMessage("hook poststart[0] /bin/sh: exit status 4, output: oops");
        assertThat(out).doesNotExist();
        List<String> warnings = new ArrayList<>();
        HookRunner.runWarning(HookRunner.Phase.POSTSTART, poststart(bad, good), "{}", warnings::add);
        assertThat(warnings).containsExactly("hook poststart[0] /bin/sh: exit status 4, output: oops");
        assertThat(Files.readString(out)).isEqualTo("ran\n");
    }

    @Test
    void missingBinaryIsAClearError() {
        var h = new Hooks.Hook("/no/such/hook", null, null, null);
        assertThatThrownBy(() -> HookRunner.run(HookRunner.Phase.POSTSTART, poststart(h), "{}"))
                .hasMessageStartingWith("hook poststart[0] /no/such/hook: cannot run");
    }

    @Test
    void inContainerHooksBecomePlans() {
        var h = new Hooks.Hook("/bin/true", null, List.of("A=1"), 3);
        var hooks = new Hooks(null, null, List.of(h), List.of(h), null, null);
        var plans = HookRunner.plans(HookRunner.Phase.CREATE_CONTAINER, hooks, "{}");
        assertThat(plans).singleElement().satisfies(p -> {
            assertThat(p.path()).isEqualTo("/bin/true");
            assertThat(p.args()).containsExactly("/bin/true");
            assertThat(p.env()).containsExactly("A=1");
            assertThat(p.timeoutSeconds()).isEqualTo(3);
            assertThat(p.stateJson()).isEqualTo("{}");
        });
        assertThat(HookRunner.plans(HookRunner.Phase.POSTSTOP, hooks, "{}")).isEmpty();
    }
}
