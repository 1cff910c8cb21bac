package dev.hako.runtime.seccomp;

import dev.hako.oci.runtime.Linux;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class DefaultProfileTest {
    static final int AUDIT_X86_64 = 0xC000003E, AUDIT_I386 = 0x40000003;
    static final int EPERM = 0x50001, ENOSYS = 0x50000 | 38;
    static final List<String> DOCKER_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    static boolean names(Linux.Seccomp p, String name) {
        return p.syscalls().stream().anyMatch(s -> s.names().contains(name));
    }

    @Test
    void resolvesCapabilitiesArchesAndKernel() {
        Linux.Seccomp p = DefaultProfile.load(DOCKER_CAPS, Arch.X86_64, "6.18.0");
        assertThat(p.defaultAction()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(p.defaultErrnoRet()).isEqualTo(1);
        assertThat(p.architectures()).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        assertThat(names(p, "read")).isTrue();
        assertThat(names(p, "chroot")).isTrue();            // CAP_SYS_CHROOT
        assertThat(names(p, "arch_prctl")).isTrue();        // amd64 only
        assertThat(names(p, "set_tls")).isFalse();          // arm only
        assertThat(names(p, "mount")).isFalse();            // CAP_SYS_ADMIN only
        assertThat(names(p, "reboot")).isFalse();
        assertThat(names(p, "ptrace")).isTrue();            // minKernel 4.8
        assertThat(DefaultProfile.load(DOCKER_CAPS, Arch.X86_64, "4.4.0").syscalls().stream()
                .anyMatch(s -> s.names().contains("ptrace"))).isFalse();
        // Without CAP_SYS_ADMIN: clone with no namespace flags, clone3 gets ENOSYS.
        assertThat(p.syscalls()).anySatisfy(s -> {
            assertThat(s.names()).containsExactly("clone");
            assertThat(s.args()).singleElement().satisfies(a -> {
                assertThat(a.op()).isEqualTo("SCMP_CMP_MASKED_EQ");
                assertThat(a.value()).isEqualTo(0x7E020000L);
                assertThat(a.index()).isZero();
            });
        });
        assertThat(p.syscalls()).anySatisfy(s -> {
            assertThat(s.names()).containsExactly("clone3");
            assertThat(s.errnoRet()).isEqualTo(38);
        });

        Linux.Seccomp admin = DefaultProfile.load(Set.of("CAP_SYS_ADMIN"), Arch.X86_64, "6.18.0");
        assertThat(names(admin, "mount")).isTrue();
        assertThat(admin.syscalls()).noneMatch(s -> s.names().equals(List.of("clone3")) && s.errnoRet() != null);
        assertThat(admin.syscalls()).noneMatch(s -> s.names().equals(List.of("clone")) && s.args() != null);
        assertThat(names(admin, "chroot")).isFalse();

        Linux.Seccomp arm = DefaultProfile.load(DOCKER_CAPS, Arch.AARCH64, "6.1");
        assertThat(arm.architectures()).containsExactly("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
        assertThat(names(arm, "set_tls")).isTrue();
        assertThat(names(arm, "arch_prctl")).isFalse();
    }

    @Test
    void compilesCompactlyAndBehaves() {
        Linux.Seccomp p = DefaultProfile.load(DOCKER_CAPS, Arch.X86_64, "6.18.0");
        SeccompCompiler.Compiled c = SeccompCompiler.compile(p, Arch.X86_64);
        BpfInterpreter.verify(c.instructions());
        int size = c.instructions().size();
        System.out.println("docker default profile (x86_64+x86+x32, default caps): " + size + " instructions, "
                + c.program().length + " bytes");
        // libseccomp 2.5.4 with runc's settings produces well over 1000 for this profile (see the report).
        assertThat(size).isLessThan(800);
        assertThat(c.warnings()).allSatisfy(w -> assertThat(w).contains("unknown syscall"));

        SyscallTable x64 = SyscallTable.of(Arch.X86_64).orElseThrow();
        SyscallTable x86 = SyscallTable.of(Arch.X86).orElseThrow();
        for (Linux.Syscall s : p.syscalls()) {
            if (s.args() != null && !s.args().isEmpty()) continue;
            for (String n : s.names()) {
                x64.number(n).ifPresent(nr -> assertThat(run(c, AUDIT_X86_64, nr)).as(n)
                        .isEqualTo(s.action().equals("SCMP_ACT_ALLOW") ? 0x7fff0000 : 0x50000 | s.errnoRet()));
                x86.number(n).ifPresent(nr -> assertThat(run(c, AUDIT_I386, nr)).as("i386 " + n)
                        .isEqualTo(s.action().equals("SCMP_ACT_ALLOW") ? 0x7fff0000 : 0x50000 | s.errnoRet()));
            }
        }
        assertThat(run(c, AUDIT_X86_64, x64.number("mount").orElseThrow())).isEqualTo(EPERM);
        assertThat(run(c, AUDIT_X86_64, x64.number("kexec_load").orElseThrow())).isEqualTo(EPERM);
        assertThat(run(c, AUDIT_X86_64, x64.number("clone3").orElseThrow())).isEqualTo(ENOSYS);
        int clone = x64.number("clone").orElseThrow();
        assertThat(run(c, AUDIT_X86_64, clone, 0x11 /* SIGCHLD|... */)).isEqualTo(0x7fff0000);
        assertThat(run(c, AUDIT_X86_64, clone, 0x10000000L /* CLONE_NEWUSER */)).isEqualTo(EPERM);
        int socket = x64.number("socket").orElseThrow();
        assertThat(run(c, AUDIT_X86_64, socket, 2)).isEqualTo(0x7fff0000);
        assertThat(run(c, AUDIT_X86_64, socket, 40)).isEqualTo(EPERM);
        int pers = x64.number("personality").orElseThrow();
        assertThat(run(c, AUDIT_X86_64, pers, 0xffffffffL)).isEqualTo(0x7fff0000);
        assertThat(run(c, AUDIT_X86_64, pers, 0x0400000L)).isEqualTo(EPERM);
        // Syscalls newer than the profile: ENOSYS, so libc falls back (fchmodat2 → fchmodat).
        assertThat(run(c, AUDIT_X86_64, x64.number("fchmodat2").orElseThrow())).isEqualTo(ENOSYS);
    }

    static int run(SeccompCompiler.Compiled c, int arch, int nr, long... args) {
        return BpfInterpreter.run(c.instructions(), new BpfInterpreter.Data(nr, arch, args));
    }

    static final java.nio.file.Path PODMAN_PROFILE = java.nio.file.Path.of("/usr/share/containers/seccomp.json");

    /** Podman's profile (same format, defaultErrnoRet ENOSYS, ERRNO rules with errnoRet) from the installed podman. */
    @Test
    void podmansProfileResolvesAndCompiles() throws Exception {
        assertThat(PODMAN_PROFILE).as("podman is a test dependency").exists();
        byte[] json = java.nio.file.Files.readAllBytes(PODMAN_PROFILE);
        Linux.Seccomp p = DefaultProfile.resolve(json, DOCKER_CAPS, Arch.X86_64, "6.18.0");
        assertThat(p.defaultErrnoRet()).isEqualTo(38);
        assertThat(p.architectures()).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        SeccompCompiler.Compiled c = SeccompCompiler.compile(p, Arch.X86_64);
        BpfInterpreter.verify(c.instructions());
        System.out.println("podman default profile (x86_64+x86+x32, docker's default caps): " + c.instructions().size() + " instructions");
        SyscallTable x64 = SyscallTable.of(Arch.X86_64).orElseThrow();
        int socket = x64.number("socket").orElseThrow();
        assertThat(run(c, AUDIT_X86_64, socket, 16, 3, 9)).isEqualTo(0x7fff0000); // CAP_AUDIT_WRITE is a default cap
        assertThat(run(c, AUDIT_X86_64, x64.number("chroot").orElseThrow())).isEqualTo(0x7fff0000);
        assertThat(run(c, AUDIT_X86_64, x64.number("kexec_load").orElseThrow())).isEqualTo(EPERM);
        assertThat(run(c, AUDIT_X86_64, 1000)).isEqualTo(ENOSYS);                  // the default here
        Linux.Seccomp noChroot = DefaultProfile.resolve(json, List.of("CAP_CHOWN"), Arch.X86_64, "6.18.0");
        var c2 = SeccompCompiler.compile(noChroot, Arch.X86_64);
        assertThat(run(c2, AUDIT_X86_64, x64.number("chroot").orElseThrow())).isEqualTo(EPERM);
        // Without CAP_AUDIT_WRITE: socket(AF_NETLINK, *, NETLINK_AUDIT) gets EINVAL, the rest is allowed.
        assertThat(run(c2, AUDIT_X86_64, socket, 16, 3, 9)).isEqualTo(0x50000 | 22);
        assertThat(run(c2, AUDIT_X86_64, socket, 16, 3, 0)).isEqualTo(0x7fff0000);
        assertThat(run(c2, AUDIT_X86_64, socket, 2, 1, 9)).isEqualTo(0x7fff0000);
        // The legacy single "name" form and an explicit architectures list.
        String legacy = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
                + "\"syscalls\":[{\"name\":\"mkdir\",\"action\":\"SCMP_ACT_ERRNO\"}]}";
        Linux.Seccomp l = DefaultProfile.resolve(legacy.getBytes(), List.of(), Arch.X86_64, "6.1");
        assertThat(l.architectures()).containsExactly("SCMP_ARCH_X86_64");
        assertThat(l.syscalls()).singleElement().satisfies(s -> assertThat(s.names()).containsExactly("mkdir"));
    }

    @Test
    void kernelVersionCompare() {
        assertThat(DefaultProfile.compareKernel("6.18.0-1-amd64", "4.8")).isPositive();
        assertThat(DefaultProfile.compareKernel("4.8", "4.8")).isZero();
        assertThat(DefaultProfile.compareKernel("4.8.0", "4.8")).isZero();
        assertThat(DefaultProfile.compareKernel("4.7.10", "4.8")).isNegative();
        assertThat(DefaultProfile.compareKernel("4.10", "4.8")).isPositive();
    }
}
