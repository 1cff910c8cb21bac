package dev.hako.runtime.container;

import dev.hako.kernel.exec.Stdio;
import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Spec;
import dev.hako.runtime.seccomp.DefaultProfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** linux.seccomp reaches the container process and every exec'd process (compiled by the seccomp package). */
class ContainerSeccompTest {
    @TempDir static Path shared;
    static Fixture fx;

    @TempDir Path root;
    Runtime rt;
    final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void rootfs() throws Exception { fx = new Fixture(shared); }

    @BeforeEach
    void runtime() { rt = new Runtime(root.resolve("state"), w -> { }); }

    @AfterEach
    void cleanup() {
        for (String id : ids) {
            try { rt.delete(id, true); } catch (RuntimeException ignored) { }
        }
    }

    static Spec withSeccomp(Spec s, Linux.Seccomp sc) {
        Linux l = s.linux();
        return s.withLinux(new Linux(l.namespaces(), l.uidMappings(), l.gidMappings(), l.timeOffsets(), l.devices(),
                l.cgroupsPath(), l.resources(), l.rootfsPropagation(), sc, l.sysctl(), l.maskedPaths(), l.readonlyPaths(),
                l.mountLabel(), l.personality(), l.intelRdt()));
    }

    @Test
    void aDeniedSyscallFailsInTheContainerAndInExec() throws Exception {
        String id = Fixture.id();
        ids.add(id);
        var deny = new Linux.Seccomp("SCMP_ACT_ALLOW", null, null, null, null, null,
                List.of(new Linux.Syscall(List.of("mkdir", "mkdirat"), "SCMP_ACT_ERRNO", 1, null)));
        Spec s = withSeccomp(Fixture.spec(fx.rootfs, "sh", "-c", "mkdir /dev/shm/x && echo made || echo denied; sleep 1000"), deny);
        var out = new Fixture.Output();
        rt.run(id, fx.bundle(id, s), CreateOptions.defaults().withStdio(out.stdio()), true, false);
        int code;
        try (var o = new Fixture.Output()) {
            code = rt.exec(id, ContainerExecTest.process("mkdir", "/dev/shm/y"), ExecOptions.defaults().withStdio(o.stdio()));
            assertThat(o.read()).contains("Operation not permitted");
        }
        assertThat(code).isNotZero();
        rt.delete(id, true);
        assertThat(out.read()).isEqualTo("mkdir: can't create directory '/dev/shm/x': Operation not permitted\ndenied\n");
    }

    @Test
    void theDefaultProfileRunsBusybox() throws Exception {
        String id = Fixture.id();
        ids.add(id);
        Spec s = Fixture.spec(fx.rootfs, "sh", "-c", "echo ok; ls / > /dev/null");
        s = withSeccomp(s, DefaultProfile.load(s.process().capabilities().bounding()));
        try (var o = new Fixture.Output()) {
            assertThat(rt.run(id, fx.bundle(id, s), CreateOptions.defaults().withStdio(o.stdio()), false, false)).isZero();
            assertThat(o.read()).isEqualTo("ok\n");
        }
    }
}
