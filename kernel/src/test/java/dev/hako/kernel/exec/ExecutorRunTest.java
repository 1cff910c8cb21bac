package dev.hako.kernel.exec;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ExecutorRunTest {
    @TempDir
    static Path tmp;
    static String rootfs;

    @BeforeAll
    static void rootfs() {
        rootfs = Containers.busyboxRootfs(tmp.resolve("rootfs")).toString();
    }

    @Test
    void echoInAContainer() {
        Containers.Result r = Containers.run(PlanBuilder.typical(rootfs, "echo", "hello", "world").build());
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).isEqualTo("hello world\n");
        assertThat(r.exitCode()).isZero();
    }
}
