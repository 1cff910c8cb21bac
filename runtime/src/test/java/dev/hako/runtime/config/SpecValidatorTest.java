package dev.hako.runtime.config;

import dev.hako.oci.runtime.IdMapping;
import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Process;
import dev.hako.oci.runtime.Root;
import dev.hako.oci.runtime.Spec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpecValidatorTest {
    @TempDir Path bundle;

    @BeforeEach
    void rootfs() throws Exception { Files.createDirectories(bundle.resolve("rootfs")); }

    static Spec base() { return DefaultSpec.create(false); }

    static Spec withNamespaces(Spec s, List<Linux.Namespace> ns) {
        Linux l = s.linux();
        return s.withLinux(new Linux(ns, l.uidMappings(), l.gidMappings(), l.timeOffsets(), l.devices(), l.cgroupsPath(),
                l.resources(), l.rootfsPropagation(), l.seccomp(), l.sysctl(), l.maskedPaths(), l.readonlyPaths(),
                l.mountLabel(), l.personality(), l.intelRdt()));
    }

    static Spec withSysctl(Spec s, Map<String, String> sysctl) {
        Linux l = s.linux();
        return s.withLinux(new Linux(l.namespaces(), l.uidMappings(), l.gidMappings(), l.timeOffsets(), l.devices(),
                l.cgroupsPath(), l.resources(), l.rootfsPropagation(), l.seccomp(), sysctl, l.maskedPaths(),
                l.readonlyPaths(), l.mountLabel(), l.personality(), l.intelRdt()));
    }

    static Spec withMaps(Spec s, List<IdMapping> uids, List<IdMapping> gids) {
        Linux l = s.linux();
        return s.withLinux(new Linux(l.namespaces(), uids, gids, l.timeOffsets(), l.devices(), l.cgroupsPath(),
                l.resources(), l.rootfsPropagation(), l.seccomp(), l.sysctl(), l.maskedPaths(), l.readonlyPaths(),
                l.mountLabel(), l.personality(), l.intelRdt()));
    }

    static Linux.Namespace ns(String t) { return new Linux.Namespace(t, null); }

    @Test
    void defaultSpecIsValid() {
        assertThat(SpecValidator.problems(base(), bundle)).isEmpty();
        assertThat(SpecValidator.problems(DefaultSpec.create(true), bundle)).isEmpty();
    }

    @Test
    void unknownAndDuplicateNamespaces() {
        var s = withNamespaces(base(), List.of(ns("pid"), ns("mount"), ns("foo"), ns("pid"), ns("uts")));
        assertThat(SpecValidator.problems(s, bundle)).containsExactly(
                "linux.namespaces[2].type: unknown namespace type \"foo\"",
                "linux.namespaces[3].type: duplicate namespace \"pid\"");
    }

    @Test
    void namespacePathMustExistAndHaveTheRightType() {
        var s = withNamespaces(base(), List.of(ns("mount"), new Linux.Namespace("network", "/nonexistent/ns"),
                new Linux.Namespace("ipc", "/proc/self/ns/net"), new Linux.Namespace("uts", "relative")));
        assertThat(SpecValidator.problems(s, bundle)).contains(
                "linux.namespaces[1].path: /nonexistent/ns does not exist",
                "linux.namespaces[2].path: /proc/self/ns/net is not a ipc namespace",
                "linux.namespaces[3].path: must be absolute, got \"relative\"");
    }

    @Test
    void emptyArgsAndRelativeCwd() {
        Process p = base().process();
        var s = base().withProcess(new Process(false, null, p.user(), List.of(), null, p.env(), "tmp",
                p.capabilities(), p.rlimits(), true, null, null, null, null, null, null));
        assertThat(SpecValidator.problems(s, bundle)).contains("process.args: must not be empty",
                "process.cwd: must be an absolute path, got \"tmp\"");
    }

    @Test
    void rootIsResolvedAgainstTheBundle() throws Exception {
        var s = new Spec("1.0.2", base().process(), new Root("other", false), null, null, List.of(), null, null,
                base().linux());
        assertThat(SpecValidator.problems(s, bundle))
                .containsExactly("root.path: " + bundle.resolve("other") + " does not exist");
        Files.writeString(bundle.resolve("other"), "x");
        assertThat(SpecValidator.problems(s, bundle))
                .containsExactly("root.path: " + bundle.resolve("other") + " is not a directory");
        Files.delete(bundle.resolve("other"));
        Files.createDirectory(bundle.resolve("other"));
        assertThat(SpecValidator.problems(s, bundle)).isEmpty();
    }

    @Test
    void rootfsWithProcSymlinkIsRefused() throws Exception {
        Files.createSymbolicLink(bundle.resolve("rootfs/proc"), Path.of("/proc"));
        assertThat(SpecValidator.problems(base(), bundle)).singleElement().asString()
                .startsWith("root.path: " + bundle.resolve("rootfs/proc") + " is a symlink");
    }

    @Test
    void userNamespaceNeedsMappingsAndMappingsNeedUserNamespace() {
        var ns = new ArrayList<>(base().linux().namespaces());
        ns.add(ns("user"));
        assertThat(SpecValidator.problems(withNamespaces(base(), ns), bundle)).containsExactly(
                "linux.uidMappings: a new user namespace needs uid mappings",
                "linux.gidMappings: a new user namespace needs gid mappings");
        var maps = List.of(new IdMapping(0, 1000, 1));
        assertThat(SpecValidator.problems(withMaps(base(), maps, maps), bundle)).containsExactly(
                "linux.uidMappings: mappings need a new user namespace (add {\"type\": \"user\"} to linux.namespaces)");
        assertThat(SpecValidator.problems(withMaps(withNamespaces(base(), ns), maps, List.of(new IdMapping(0, 0, 0))),
                bundle)).containsExactly("linux.gidMappings[0].size: must be positive, got 0");
    }

    @Test
    void hostnameNeedsUtsNamespace() {
        var s = withNamespaces(base(), List.of(ns("mount"), ns("pid")));
        assertThat(SpecValidator.problems(s, bundle))
                .containsExactly("hostname: cannot set the hostname without a new uts namespace");
    }

    @Test
    void sysctlsOnlyForNamespacesInUse() {
        var s = withSysctl(withNamespaces(base(), List.of(ns("mount"), ns("uts"))), Map.of(
                "net.ipv4.ip_forward", "1", "kernel.shmmax", "1", "fs.mqueue.msg_max", "5", "vm.swappiness", "1",
                "kernel.hostname", "x", "kernel.domainname", "y"));
        assertThat(SpecValidator.problems(s, bundle)).containsExactlyInAnyOrder(
                "linux.sysctl.net.ipv4.ip_forward: not allowed in the host's network namespace",
                "linux.sysctl.kernel.shmmax: not allowed in the host's ipc namespace",
                "linux.sysctl.fs.mqueue.msg_max: not allowed in the host's ipc namespace",
                "linux.sysctl.vm.swappiness: not in a separate kernel namespace (only ipc, net and uts sysctls can be set in a container)",
                "linux.sysctl.kernel.hostname: conflicts with the \"hostname\" field; set that instead");
        var ok = withSysctl(base(), Map.of("net.ipv4.ip_forward", "1", "kernel.shmmax", "1", "kernel.domainname", "y"));
        assertThat(SpecValidator.problems(ok, bundle)).isEmpty();
        var hostNet = withSysctl(withNamespaces(base(), List.of(ns("mount"), ns("uts"),
                new Linux.Namespace("network", "/proc/self/ns/net"))), Map.of("net.core.somaxconn", "1"));
        assertThat(SpecValidator.problems(hostNet, bundle)).singleElement().asString()
                .contains("joins the host's network namespace");
    }

    @Test
    void rlimitsAreChecked() {
        Process p = base().process();
        var s = base().withProcess(new Process(false, null, p.user(), p.args(), null, p.env(), "/", p.capabilities(),
                List.of(new Process.Rlimit("RLIMIT_BOGUS", 1, 1), new Process.Rlimit("RLIMIT_NOFILE", 10, 20),
                        new Process.Rlimit("RLIMIT_NOFILE", 1, 1)), true, null, null, null, null, null, null));
        assertThat(SpecValidator.problems(s, bundle)).containsExactly(
                "process.rlimits[0].type: unknown rlimit \"RLIMIT_BOGUS\"",
                "process.rlimits[1]: soft limit 20 is greater than hard limit 10",
                "process.rlimits[2].type: duplicate rlimit \"RLIMIT_NOFILE\"");
    }

    @Test
    void lsmLabelsNeedTheLsm() {
        Process p = base().process();
        var s = base().withProcess(new Process(false, null, p.user(), p.args(), null, p.env(), "/", p.capabilities(),
                p.rlimits(), true, "docker-default", null, "system_u:system_r:container_t:s0", null, null, null));
        var problems = SpecValidator.problems(s, bundle);
        // This host has neither LSM; on a host with them the check must pass instead.
        if (!dev.hako.runtime.process.Lsm.apparmorEnabled())
            assertThat(problems).contains("process.apparmorProfile: profile \"docker-default\" requested but AppArmor is not enabled on this host");
        if (!dev.hako.runtime.process.Lsm.selinuxEnabled())
            assertThat(problems).contains("process.selinuxLabel: label \"system_u:system_r:container_t:s0\" requested but SELinux is not enabled on this host");
    }

    @Test
    void validateThrowsWithEveryProblem() {
        var s = withNamespaces(base(), List.of(ns("bogus")));
        assertThatThrownBy(() -> SpecValidator.validate(s, bundle)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("linux.namespaces[0].type: unknown namespace type \"bogus\"")
                .hasMessageContaining("linux.namespaces: a mount namespace is required");
    }
}
