package dev.hako.runtime.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class RuntimeLogTest {
    private static final OffsetDateTime T = OffsetDateTime.of(2026, 11, 24, 2, 38, 56, 123_000_000, ZoneOffset.UTC);

    @Test
    void textLineLikeLogrus() {
        var log = new RuntimeLog(null, RuntimeLog.Format.TEXT, false, System.err);
        assertThat(log.line("error", "container does not exist", T))
                .isEqualTo("time=\"2026-11-24T02:38:56Z\" level=error msg=\"container does not exist\"");
        assertThat(log.line("error", "unknown signal \"X\"", T))
                .endsWith("msg=\"unknown signal \\\"X\\\"\"");
        assertThat(log.line("info", "ok", T)).endsWith("level=info msg=ok");
    }

    @Test
    void jsonLineLikeLogrus() {
        var log = new RuntimeLog(null, RuntimeLog.Format.JSON, false, System.err);
        assertThat(log.line("error", "a \"b\" <c>", T))
                .isEqualTo("{\"level\":\"error\",\"msg\":\"a \\\"b\\\" \\u003cc\\u003e\",\"time\":\"2026-11-24T02:38:56Z\"}");
    }

    @Test
    void withoutLogFileErrorsGoToStderrOnce() {
        var err = new ByteArrayOutputStream();
        var log = new RuntimeLog(null, RuntimeLog.Format.JSON, false, new PrintStream(err, true, StandardCharsets.UTF_8));
        log.error("boom");
        log.debug("hidden");
        String s = err.toString(StandardCharsets.UTF_8);
        assertThat(s.lines()).hasSize(1);
        assertThat(s).startsWith("{\"level\":\"error\",\"msg\":\"boom\"");
    }

    @Test
    void withLogFileErrorsAreLoggedThereAndPrintedPlainly(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("log.json");
        Files.writeString(file, "{\"level\":\"info\",\"msg\":\"earlier\"}\n");
        var err = new ByteArrayOutputStream();
        try (var log = new RuntimeLog(file.toString(), RuntimeLog.Format.JSON, true, new PrintStream(err, true, StandardCharsets.UTF_8))) {
            log.debug("step one");
            log.error("boom");
        }
        var lines = Files.readAllLines(file);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains("earlier");   // appended, never truncated
        assertThat(lines.get(1)).startsWith("{\"level\":\"debug\",\"msg\":\"step one\"");
        assertThat(lines.get(2)).startsWith("{\"level\":\"error\",\"msg\":\"boom\"");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("boom" + System.lineSeparator());
    }

    @Test
    void textValueQuotingRules() {
        assertThat(RuntimeLog.textValue("abc-1.2_/@^+")).isEqualTo("abc-1.2_/@^+");
        assertThat(RuntimeLog.textValue("a b")).isEqualTo("\"a b\"");
        assertThat(RuntimeLog.textValue("")).isEqualTo("\"\"");
        assertThat(RuntimeLog.textValue("x\ny")).isEqualTo("\"x\\ny\"");
    }
}
