package dev.hako.kernel.exec;

import dev.hako.kernel.exec.LaunchPlan.HookPlan;
import dev.hako.kernel.exec.LaunchPlan.SeccompPlan;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlanCodecTest {
    static final List<String> TRICKY = List.of("", "-", "%", "%%", "%2D", "a b", " lead", "trail ", "line\nbreak", "tab\there",
            "cr\r", "ünïcødé ✓ 箱", "emoji 😀", "-x", "x-", "100%", "%zz", "\u007f", "a=b c=d");

    @Test
    void fieldsRoundTrip() {
        for (String s : TRICKY) {
            String enc = PlanCodec.encodeField(s);
            assertThat(enc).doesNotContain(" ", "\n", "\r", "\t");
            assertThat(PlanCodec.decodeField(enc)).isEqualTo(s);
        }
        assertThat(PlanCodec.encodeField(null)).isEqualTo("-");
        assertThat(PlanCodec.decodeField("-")).isNull();
    }

    @Test
    void wholePlanRoundTrips() {
        PlanBuilder b = PlanBuilder.typical("/var/lib/with space/rootfs", TRICKY.toArray(String[]::new));
        b.env.addAll(TRICKY);
        b.cwd = "/work dir";
        b.hostname = "-";
        b.domainname = "";
        b.rlimits.add(new LaunchPlan.Rlimit(7, -1, -1));
        b.extras = new LaunchPlan.Extras(true, new LaunchPlan.IoPriority(2, 4),
                new LaunchPlan.Scheduler(6, -3, 0, 1, 10_000_000L, 20_000_000L, -1L), "_ses.a b", 0x80000);
        b.caps = new LaunchPlan.Capabilities(-1L, 0x1234L, Long.MIN_VALUE, 1, 0);
        b.seccomp = new SeccompPlan(new byte[] {1, 2, 3, 4, 5, 6, 7, (byte) 0xff}, 8, "/run/listener sock", "{\"a\": \"b c\"}");
        b.startHooks.add(new HookPlan("/bin/hook", List.of("hook", "a b", ""), List.of("X=1"), 5, "{\n}"));
        b.after.add(new LaunchPlan.HookStep(new HookPlan("/h", List.of(), List.of(), 0, null)));
        b.sysctls.add(new LaunchPlan.Sysctl("net.ipv4.ip_forward", "1"));
        b.groups.addAll(List.of(1, -2));
        b.umask = 022;
        b.personality = 8L;
        b.oomScoreAdj = -1000;
        b.preserveFds = 2;
        b.execFifo = "/run/exec.fifo";
        b.consoleSocket = "/run/console.sock";
        b.cgroupJoin.add("/sys/fs/cgroup/a b/cgroup.procs");
        b.withUserns(100000, 65536);
        b.timeOffsets.add(new LaunchPlan.TimeOffset("monotonic", -5, 10));
        b.before.add(new LaunchPlan.MountStep("src", "/t", "bind", 4096, "x=y,z", List.of(1L << 19, 1L << 14 | 1L << 18), 1,
                "file", 1, 2, "/proc/1/ns/user"));
        b.before.add(new LaunchPlan.MkdirStep("/d", 0700));
        LaunchPlan p = b.build();
        byte[] enc = PlanCodec.encode(p);
        String text = new String(enc, StandardCharsets.UTF_8);
        assertThat(text).startsWith("hako-plan 1\n").endsWith("end\n");
        LaunchPlan d = PlanCodec.decode(enc);
        // records compare by value except the seccomp byte[]
        assertThat(d.process().seccomp().program()).isEqualTo(p.process().seccomp().program());
        SeccompPlan s = p.process().seccomp();
        SeccompPlan sameSeccomp = d.process().seccomp();
        assertThat(sameSeccomp.flags()).isEqualTo(s.flags());
        assertThat(sameSeccomp.listenerPath()).isEqualTo(s.listenerPath());
        assertThat(sameSeccomp.stateJson()).isEqualTo(s.stateJson());
        LaunchPlan.ProcessPlan dp = d.process();
        LaunchPlan.ProcessPlan pp = p.process();
        assertThat(withoutSeccomp(dp)).isEqualTo(withoutSeccomp(pp));
        assertThat(new LaunchPlan(d.mode(), d.namespaces(), d.uidMappings(), d.gidMappings(), d.denySetgroups(), d.timeOffsets(),
                d.rootfs(), d.rootfsSteps(), d.sysctls(), d.hostname(), d.domainname(), null, d.execFifo(), d.consoleSocket(),
                d.cgroupJoin(), d.startHooks(), d.preserveFds()))
                .isEqualTo(new LaunchPlan(p.mode(), p.namespaces(), p.uidMappings(), p.gidMappings(), p.denySetgroups(),
                        p.timeOffsets(), p.rootfs(), p.rootfsSteps(), p.sysctls(), p.hostname(), p.domainname(), null,
                        p.execFifo(), p.consoleSocket(), p.cgroupJoin(), p.startHooks(), p.preserveFds()));
    }

    private static LaunchPlan.ProcessPlan withoutSeccomp(LaunchPlan.ProcessPlan p) {
        return new LaunchPlan.ProcessPlan(p.args(), p.env(), p.cwd(), p.uid(), p.gid(), p.additionalGids(), p.umask(), p.rlimits(),
                p.capabilities(), p.noNewPrivileges(), null, p.personality(), p.oomScoreAdj(), p.apparmorProfile(),
                p.selinuxLabel(), p.terminal(), p.consoleHeight(), p.consoleWidth(), p.extras());
    }

    @Test
    void rejectsForeignInput() {
        assertThatThrownBy(() -> PlanCodec.decode("hako-plan 2\nend\n".getBytes())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PlanCodec.decode("hako-plan 1\nbogus x\nend\n".getBytes())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PlanCodec.decode("hako-plan 1\nmode run\n".getBytes())).isInstanceOf(IllegalArgumentException.class);
    }
}
