package dev.hako.image.store;

import dev.hako.oci.image.ImageConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DockerfileChangesTest {
    @Test
    void appliesEveryInstruction() {
        ImageConfig.Config c = DockerfileChanges.apply(null, List.of(
                "CMD [\"/bin/sh\", \"-c\", \"echo hi\"]",
                "ENTRYPOINT /bin/init --x",
                "ENV A=1 B=\"two words\"",
                "ENV C 3",
                "WORKDIR /srv",
                "USER 1000:1000",
                "EXPOSE 80 53/udp",
                "LABEL org.example=yes x=\"y z\"",
                "VOLUME [\"/data\"]",
                "STOPSIGNAL SIGINT"));
        assertThat(c.cmd()).containsExactly("/bin/sh", "-c", "echo hi");
        assertThat(c.entrypoint()).containsExactly("/bin/sh", "-c", "/bin/init --x");
        assertThat(c.env()).containsExactly("A=1", "B=two words", "C=3");
        assertThat(c.workingDir()).isEqualTo("/srv");
        assertThat(c.user()).isEqualTo("1000:1000");
        assertThat(c.exposedPorts()).containsOnlyKeys("80/tcp", "53/udp");
        assertThat(c.labels()).isEqualTo(Map.of("org.example", "yes", "x", "y z"));
        assertThat(c.volumes()).containsOnlyKeys("/data");
        assertThat(c.stopSignal()).isEqualTo("SIGINT");
    }

    @Test
    void laterEnvOverridesEarlier() {
        ImageConfig.Config c = DockerfileChanges.apply(ImageConfig.Config.of(List.of("PATH=/bin", "A=0"), null, null, null),
                List.of("ENV A=1"));
        assertThat(c.env()).containsExactly("PATH=/bin", "A=1");
    }

    @Test
    void rejectsUnknownAndEmpty() {
        assertThatThrownBy(() -> DockerfileChanges.apply(null, List.of("RUN ls"))).hasMessageContaining("RUN is not a valid change command");
        assertThatThrownBy(() -> DockerfileChanges.apply(null, List.of("CMD"))).hasMessageContaining("requires at least one argument");
        assertThatThrownBy(() -> DockerfileChanges.apply(null, List.of("EXPOSE abc"))).hasMessageContaining("invalid containerPort");
    }
}
