package dev.hako.runtime.cgroups;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The eBPF device program decides exactly as the v1 devices cgroup would (checked by interpreting it). */
class DeviceFilterTest {
    static final int C = DeviceFilter.DEV_CHAR, B = DeviceFilter.DEV_BLOCK;
    static final int R = DeviceFilter.ACC_READ, W = DeviceFilter.ACC_WRITE, M = DeviceFilter.ACC_MKNOD;

    /** The kernel's v1 rule: default deny → some exception covers all bits; default allow → no exception shares a bit. */
    static boolean v1Decision(DeviceRules.V1State s, int type, int access, int major, int minor) {
        for (DeviceRules.Rule r : s.exceptions()) {
            boolean devMatch = (r.type() == 'b' ? B : C) == type && (r.major() < 0 || r.major() == major) && (r.minor() < 0 || r.minor() == minor);
            if (!devMatch) continue;
            int acc = DeviceFilter.access(r.access());
            if (s.defaultAllow() && (access & acc) != 0) return false;
            if (!s.defaultAllow() && (access & ~acc) == 0) return true;
        }
        return s.defaultAllow();
    }

    @Test
    void allowListMatchesV1Semantics() {
        var state = DeviceRules.emulate(DeviceRules.effective(
                List.of(new dev.hako.oci.runtime.Resources.DeviceRule(false, "a", null, null, "rwm"),
                        new dev.hako.oci.runtime.Resources.DeviceRule(true, "c", 4L, 64L, "r")), null));
        var prog = DeviceFilter.compile(state);
        assertThat(DeviceFilter.run(prog, C, R | W, 1, 3)).isTrue();     // /dev/null
        assertThat(DeviceFilter.run(prog, B, R, 254, 0)).isFalse();      // a disk
        assertThat(DeviceFilter.run(prog, B, M, 254, 0)).isTrue();       // mknod of any block device (runc default)
        assertThat(DeviceFilter.run(prog, C, R, 4, 64)).isTrue();
        assertThat(DeviceFilter.run(prog, C, R | W, 4, 64)).isFalse();   // write not granted
        assertThat(DeviceFilter.run(prog, C, R, 136, 7)).isTrue();       // /dev/pts/7
        exhaustive(state);
    }

    @Test
    void denyListAndAllowAllMatchV1Semantics() {
        var deny = DeviceRules.emulate(List.of(new DeviceRules.Rule('c', 1, -1, "w", false), new DeviceRules.Rule('b', -1, 0, "rm", false)));
        assertThat(deny.defaultAllow()).isTrue();
        var prog = DeviceFilter.compile(deny);
        assertThat(DeviceFilter.run(prog, C, R, 1, 3)).isTrue();
        assertThat(DeviceFilter.run(prog, C, R | W, 1, 3)).isFalse();
        exhaustive(deny);
        exhaustive(DeviceRules.emulate(List.of()));
        exhaustive(DeviceRules.emulate(List.of(new DeviceRules.Rule('a', -1, -1, "rwm", false))));
    }

    private static void exhaustive(DeviceRules.V1State s) {
        var prog = DeviceFilter.compile(s);
        assertThat(DeviceFilter.encode(prog)).hasSize(prog.size() * 8);
        for (int type : new int[]{B, C})
            for (int acc = 1; acc <= 7; acc++)
                for (int major : new int[]{0, 1, 4, 5, 10, 136, 254})
                    for (int minor : new int[]{0, 1, 2, 3, 5, 7, 64, 200})
                        assertThat(DeviceFilter.run(prog, type, acc, major, minor))
                                .as("type %d access %d %d:%d", type, acc, major, minor)
                                .isEqualTo(v1Decision(s, type, acc, major, minor));
    }
}
