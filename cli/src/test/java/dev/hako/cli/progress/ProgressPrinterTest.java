package dev.hako.cli.progress;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressPrinterTest {
    @Test
    void plainOutputHasOneLinePerStatusChange() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressPrinter p = new ProgressPrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 80);
        p.message("latest: Pulling from library/busybox");
        p.update("abc", "Downloading", 0, 100);
        p.update("abc", "Downloading", 50, 100);
        p.update("abc", "Download complete", -1, -1);
        p.update("abc", "Pull complete", -1, -1);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(
                "latest: Pulling from library/busybox\nabc: Downloading\nabc: Download complete\nabc: Pull complete\n");
    }

    @Test
    void terminalOutputRedrawsLinesInPlace() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressPrinter p = new ProgressPrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 120);
        p.update("aaa", "Pulling fs layer", -1, -1);
        p.update("bbb", "Pulling fs layer", -1, -1);
        p.update("aaa", "Pull complete", -1, -1);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(
                "aaa: Pulling fs layer\nbbb: Pulling fs layer\n\033[2A\r\033[2Kaaa: Pull complete\033[2B\r");
    }

    @Test
    void barLooksLikeDockers() {
        ProgressPrinter wide = new ProgressPrinter(System.out, true, 120);
        assertThat(wide.bar(15_000_000, 30_000_000, Duration.ZERO))
                .isEqualTo(" [" + "=".repeat(25) + ">" + " ".repeat(25) + "]     15MB/30MB");
        assertThat(wide.bar(10_000_000, 20_000_000, Duration.ofSeconds(2))).endsWith("     10MB/20MB 5MB/s 2s");
        ProgressPrinter narrow = new ProgressPrinter(System.out, true, 80);
        assertThat(narrow.bar(1_500, 3_000, Duration.ZERO)).isEqualTo("    1.5kB/3kB");
        assertThat(narrow.bar(-1, -1, Duration.ZERO)).isEmpty();
    }
}
