package dev.hako.runtime.cli;

import dev.hako.runtime.container.ContainerInfo;
import dev.hako.runtime.state.Status;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the commands print, in runc's shapes (pure formatting, no containers). */
class CliOutputTest {
    private static final ContainerInfo INFO = new ContainerInfo("1.0.2-dev", "ctr1", 8176, Status.CREATED, "/tmp/b",
            "/tmp/b/rootfs", "2026-11-24T02:39:01.584309656Z", "", Map.of());

    @Test
    void stateIsRuncsJson() {
        assertThat(JsonText.indented(Actions.stateJson(INFO, ""), "  ")).isEqualTo("""
                {
                  "ociVersion": "1.0.2-dev",
                  "id": "ctr1",
                  "pid": 8176,
                  "status": "created",
                  "bundle": "/tmp/b",
                  "rootfs": "/tmp/b/rootfs",
                  "created": "2026-11-24T02:39:01.584309656Z",
                  "owner": ""
                }""");
        var annotated = new ContainerInfo("1.0.2-dev", "c", 0, Status.STOPPED, "/b", "/b/r", "t", "", Map.of("k", "v"));
        assertThat(JsonText.compact(Actions.stateJson(annotated, "root")))
                .isEqualTo("{\"ociVersion\":\"1.0.2-dev\",\"id\":\"c\",\"pid\":0,\"status\":\"stopped\",\"bundle\":\"/b\","
                        + "\"rootfs\":\"/b/r\",\"created\":\"t\",\"annotations\":{\"k\":\"v\"},\"owner\":\"root\"}");
    }

    @Test
    void listTableLikeGosTabwriter() {
        String t = Actions.table(List.of(new String[]{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"},
                new String[]{"ctr1", "8176", "created", "/tmp/h8/b1", "2026-11-24T02:39:01.584309656Z", "root"}));
        // the exact text runc 1.1.5 printed for the same container
        assertThat(t).isEqualTo("""
                ID          PID         STATUS      BUNDLE       CREATED                          OWNER
                ctr1        8176        created     /tmp/h8/b1   2026-11-24T02:39:01.584309656Z   root
                """);
    }

    @Test
    void psKeepsHeaderAndTheContainersLines() {
        String ps = """
                UID        PID  PPID  C STIME TTY          TIME CMD
                root         1     0  0 02:30 ?        00:00:01 /sbin/init
                root      8176     1  7 02:39 ?        00:00:00 sleep 100
                root      8177  8176  0 02:39 ?        00:00:00 sh
                """;
        assertThat(Actions.filterPs(ps, Set.of(8176L, 8177L))).isEqualTo("""
                UID        PID  PPID  C STIME TTY          TIME CMD
                root      8176     1  7 02:39 ?        00:00:00 sleep 100
                root      8177  8176  0 02:39 ?        00:00:00 sh
                """);
        assertThat(Actions.filterPs("  PID COMMAND\n 8176 sleep 100\n   12 other\n", Set.of(8176L)))
                .isEqualTo("  PID COMMAND\n 8176 sleep 100\n");
        assertThatThrownBy(() -> Actions.filterPs("USER COMMAND\nroot x\n", Set.of(1L)))
                .hasMessage("couldn't find PID field in ps output");
    }

    @Test
    void rootHelpAndCommandHelpInUrfaveLayout() {
        String root = Help.root(Main.COMMANDS, Globals.FLAGS);
        assertThat(root).startsWith("NAME:\n   hako-runtime - ").contains("\nUSAGE:\n", "\nCOMMANDS:\n", "\nGLOBAL OPTIONS:\n")
                .contains("   --log-format value  ", "   --help, -h  ".substring(0, 10));
        assertThat(DeleteCommand.SPEC.help()).isEqualTo("""
                NAME:
                   hako-runtime delete - delete any resources held by the container often used with detached container

                USAGE:
                   hako-runtime delete [command options] <container-id>

                OPTIONS:
                   --force, -f  Forcibly deletes the container if it is still running (uses SIGKILL)
                """);
    }
}
