package dev.hako.runtime.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SignalsTest {
    @Test
    void namesWithAndWithoutSigAnyCase() {
        assertThat(Signals.parse("KILL")).isEqualTo(9);
        assertThat(Signals.parse("SIGKILL")).isEqualTo(9);
        assertThat(Signals.parse("sigterm")).isEqualTo(15);
        assertThat(Signals.parse("hup")).isEqualTo(1);
        assertThat(Signals.parse("SIGWINCH")).isEqualTo(28);
        assertThat(Signals.parse("IOT")).isEqualTo(6);
    }

    @Test
    void numbersAreTakenAsIs() {
        assertThat(Signals.parse("9")).isEqualTo(9);
        assertThat(Signals.parse("0")).isEqualTo(0);
        assertThat(Signals.parse("99")).isEqualTo(99);   // the kernel rejects it, as with runc
    }

    @Test
    void realtimeSignals() {
        assertThat(Signals.parse("RTMIN")).isEqualTo(34);
        assertThat(Signals.parse("SIGRTMIN+3")).isEqualTo(37);
        assertThat(Signals.parse("rtmax-1")).isEqualTo(63);
        assertThatThrownBy(() -> Signals.parse("RTMIN+40")).hasMessage("unknown signal \"RTMIN+40\"");
        assertThatThrownBy(() -> Signals.parse("RTMIN-1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unknownNamesFailWithRuncsMessage() {
        assertThatThrownBy(() -> Signals.parse("BOGUS")).hasMessage("unknown signal \"BOGUS\"");
        assertThatThrownBy(() -> Signals.parse("9x")).hasMessage("unknown signal \"9x\"");
        assertThatThrownBy(() -> Signals.parse("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void canonicalNames() {
        assertThat(Signals.name(9)).isEqualTo("SIGKILL");
        assertThat(Signals.name(6)).isEqualTo("SIGABRT");
        assertThat(Signals.name(17)).isEqualTo("SIGCHLD");
        assertThat(Signals.name(36)).isEqualTo("SIGRTMIN+2");
        assertThat(Signals.name(62)).isEqualTo("SIGRTMAX-2");
        assertThat(Signals.name(99)).isEqualTo("99");
        for (int s = 1; s <= 64; s++) {
            if (s == 32 || s == 33) continue;
            assertThat(Signals.parse(Signals.name(s))).as("round trip %d", s).isEqualTo(s);
        }
    }
}
