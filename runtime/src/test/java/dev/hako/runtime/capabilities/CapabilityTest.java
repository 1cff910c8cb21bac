package dev.hako.runtime.capabilities;

import dev.hako.oci.runtime.Process;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CapabilityTest {

    @Test
    void numbersMatchTheKernelHeader() {
        assertThat(Capability.fromName("CAP_CHOWN")).contains(Capability.CHOWN);
        assertThat(Capability.CHOWN.number()).isZero();
        assertThat(Capability.NET_ADMIN.number()).isEqualTo(12);
        assertThat(Capability.SYS_ADMIN.number()).isEqualTo(21);
        assertThat(Capability.AUDIT_READ.number()).isEqualTo(37);
        assertThat(Capability.PERFMON.number()).isEqualTo(38);
        assertThat(Capability.BPF.number()).isEqualTo(39);
        assertThat(Capability.CHECKPOINT_RESTORE.number()).isEqualTo(40);
        assertThat(Capability.fromName("cap_kill")).contains(Capability.KILL);
        assertThat(Capability.fromName("KILL")).isEmpty();
        assertThat(Capability.fromName("CAP_FOO")).isEmpty();
    }

    @Test
    void translatesSetsAndWarnsAboutUnknownNames() {
        List<String> warnings = new ArrayList<>();
        var caps = new Process.Capabilities(List.of("CAP_KILL", "CAP_BOGUS"), List.of("CAP_KILL"), null,
                List.of("CAP_KILL", "CAP_NET_BIND_SERVICE"), List.of());
        var c = CapabilitySets.translate(caps, warnings::add);
        assertThat(c.bounding()).isEqualTo(1L << 5);
        assertThat(c.effective()).isEqualTo(1L << 5);
        assertThat(c.permitted()).isEqualTo((1L << 5) | (1L << 10));
        assertThat(c.inheritable()).isZero();
        assertThat(c.ambient()).isZero();
        assertThat(warnings).singleElement().asString().contains("CAP_BOGUS");
        assertThat(CapabilitySets.names(c.permitted())).containsExactly("CAP_KILL", "CAP_NET_BIND_SERVICE");
        var amb = CapabilitySets.translate(new Process.Capabilities(null, null, List.of("CAP_KILL"),
                List.of("CAP_KILL", "CAP_CHOWN"), List.of("CAP_KILL", "CAP_CHOWN")), warnings::add);
        assertThat(amb.ambient()).as("ambient only where permitted and inheritable").isEqualTo(1L << 5);
    }
}
