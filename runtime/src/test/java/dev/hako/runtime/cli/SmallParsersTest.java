package dev.hako.runtime.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SmallParsersTest {
    @Test
    void goDurations() {
        assertThat(GoDuration.parse("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(GoDuration.parse("100ms")).isEqualTo(Duration.ofMillis(100));
        assertThat(GoDuration.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(GoDuration.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GoDuration.parse("-2us")).isEqualTo(Duration.ofNanos(-2000));
        assertThat(GoDuration.parse("0")).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> GoDuration.parse("5")).hasMessageContaining("missing unit");
        assertThatThrownBy(() -> GoDuration.parse("5x")).hasMessageContaining("unknown unit");
        assertThatThrownBy(() -> GoDuration.parse("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ramSizes() {
        assertThat(RamSize.parse("1024")).isEqualTo(1024);
        assertThat(RamSize.parse("512k")).isEqualTo(512 * 1024);
        assertThat(RamSize.parse("64MiB")).isEqualTo(64L << 20);
        assertThat(RamSize.parse("1.5g")).isEqualTo(3L << 29);
        assertThat(RamSize.parse("2 GB")).isEqualTo(2L << 30);
        assertThat(RamSize.parseMemory("-1")).isEqualTo(-1);
        assertThatThrownBy(() -> RamSize.parse("-5")).hasMessageContaining("invalid size");
        assertThatThrownBy(() -> RamSize.parse("12q")).hasMessageContaining("invalid size");
    }

    @Test
    void jsonTextLikeGo() {
        Map<String, Object> v = JsonText.obj("a", 1, "b", List.of("x", "y"), "c", JsonText.obj(), "d", List.of(),
                "e", null, "f", true, "g", "<&>");
        assertThat(JsonText.compact(v)).isEqualTo("{\"a\":1,\"b\":[\"x\",\"y\"],\"c\":{},\"d\":[],\"e\":null,\"f\":true,\"g\":\"\\u003c\\u0026\\u003e\"}");
        assertThat(JsonText.indented(JsonText.obj("a", List.of(1)), "  ")).isEqualTo("{\n  \"a\": [\n    1\n  ]\n}");
        assertThat(JsonText.compact(JsonText.obj("pids", new int[]{1, 2}))).isEqualTo("{\"pids\":[1,2]}");
    }
}
