package dev.hako.cli.format;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FormatTest {

    @Test
    void humanSizesLikeDocker() {
        assertThat(Units.humanSize(0, 3)).isEqualTo("0B");
        assertThat(Units.humanSize(999, 3)).isEqualTo("999B");
        assertThat(Units.humanSize(4_261_550, 3)).isEqualTo("4.26MB");
        assertThat(Units.humanSize(1_000_000, 3)).isEqualTo("1MB");
        assertThat(Units.humanSize(12_345, 3)).isEqualTo("12.3kB");
        assertThat(Units.humanSize(12_345_678)).isEqualTo("12.35MB");
        assertThat(Units.humanSize(1_500_000_000L, 3)).isEqualTo("1.5GB");
        // Go's %g switches to exponent form when rounding reaches 10^precision
        assertThat(Units.humanSize(999_999, 3)).isEqualTo("1e+03kB");
    }

    @Test
    void durationsLikeDocker() {
        assertThat(Units.humanDuration(Duration.ofMillis(500))).isEqualTo("Less than a second");
        assertThat(Units.humanDuration(Duration.ofSeconds(1))).isEqualTo("1 second");
        assertThat(Units.humanDuration(Duration.ofSeconds(59))).isEqualTo("59 seconds");
        assertThat(Units.humanDuration(Duration.ofSeconds(61))).isEqualTo("About a minute");
        assertThat(Units.humanDuration(Duration.ofMinutes(5))).isEqualTo("5 minutes");
        assertThat(Units.humanDuration(Duration.ofMinutes(80))).isEqualTo("About an hour");
        assertThat(Units.humanDuration(Duration.ofMinutes(100))).isEqualTo("2 hours");
        assertThat(Units.humanDuration(Duration.ofDays(3))).isEqualTo("3 days");
        assertThat(Units.humanDuration(Duration.ofDays(20))).isEqualTo("2 weeks");
        assertThat(Units.humanDuration(Duration.ofDays(90))).isEqualTo("3 months");
        assertThat(Units.humanDuration(Duration.ofDays(800))).isEqualTo("2 years");
        Instant now = Instant.parse("2026-01-01T12:00:00Z");
        assertThat(Units.ago(now.minusSeconds(7200), now)).isEqualTo("2 hours ago");
        assertThat(Units.goDuration(Duration.ofSeconds(65))).isEqualTo("1m5s");
        assertThat(Units.goDuration(Duration.ofSeconds(3605))).isEqualTo("1h0m5s");
    }

    @Test
    void ellipsisCutsWithOneCharacter() {
        assertThat(Units.ellipsis("abcdef", 10)).isEqualTo("abcdef");
        assertThat(Units.ellipsis("abcdefghijkl", 5)).isEqualTo("abcd…");
    }

    @Test
    void tabWriterPadsLikeGo() {
        String s = new TabWriter().add("REPOSITORY\tTAG\tSIZE\nbusybox\tlatest\t4.26MB\n").render();
        assertThat(s).isEqualTo("REPOSITORY   TAG       SIZE\nbusybox      latest    4.26MB\n");
    }

    @Test
    void templatesFieldsFunctionsAndControl() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("Id", "sha256:abc");
        data.put("RepoTags", List.of("a:1", "b:2"));
        data.put("Config", Map.of("Cmd", List.of("sh", "-c", "true"), "Env", List.of()));
        data.put("Size", 42);
        assertThat(GoTemplate.parse("{{.Id}}").execute(data)).isEqualTo("sha256:abc");
        assertThat(GoTemplate.parse("{{.Config.Cmd}}").execute(data)).isEqualTo("[sh -c true]");
        assertThat(GoTemplate.parse("{{json .Config.Cmd}}").execute(data)).isEqualTo("[\"sh\",\"-c\",\"true\"]");
        assertThat(GoTemplate.parse("{{.Config.Cmd | json}}").execute(data)).isEqualTo("[\"sh\",\"-c\",\"true\"]");
        assertThat(GoTemplate.parse("{{join .RepoTags \",\"}}").execute(data)).isEqualTo("a:1,b:2");
        assertThat(GoTemplate.parse("{{range .RepoTags}}<{{.}}>{{end}}").execute(data)).isEqualTo("<a:1><b:2>");
        assertThat(GoTemplate.parse("{{index .RepoTags 1}}").execute(data)).isEqualTo("b:2");
        assertThat(GoTemplate.parse("{{if .Config.Env}}env{{else}}noenv{{end}}").execute(data)).isEqualTo("noenv");
        assertThat(GoTemplate.parse("{{upper (index .RepoTags 0)}}").execute(data)).isEqualTo("A:1");
        assertThat(GoTemplate.parse("{{.Nope}}").execute(data)).isEqualTo("<no value>");
        assertThat(GoTemplate.parse("{{printf \"%s=%d\" .Id .Size}}").execute(data)).isEqualTo("sha256:abc=42");
        assertThat(GoTemplate.parse("a  {{- .Size -}}  b").execute(data)).isEqualTo("a42b");
        assertThat(GoTemplate.parse("{{with .Config}}{{len .Cmd}}{{end}}").execute(data)).isEqualTo("3");
        assertThat(GoTemplate.parse("{{if eq .Size 42}}yes{{end}}{{/* comment */}}").execute(data)).isEqualTo("yes");
        assertThat(GoTemplate.parse("{{json .}}").execute(Map.of("A", "<none>"))).isEqualTo("{\"A\":\"<none>\"}");
    }

    @Test
    void templateErrorsAreReported() {
        assertThatThrownBy(() -> GoTemplate.parse("{{.Id")).hasMessageContaining("unclosed");
        assertThatThrownBy(() -> GoTemplate.parse("{{nosuch .Id}}").execute(Map.of()))
                .hasMessageContaining("function \"nosuch\" not defined");
        assertThatThrownBy(() -> GoTemplate.parse("{{if .A}}x").execute(Map.of())).hasMessageContaining("EOF");
        assertThatThrownBy(() -> GoTemplate.parse("{{.A.B}}").execute(Map.of("A", "s")))
                .hasMessageContaining("can't evaluate field B");
    }

    @Test
    void tableFormatsPrintHeadersAndEscapes() {
        Map<String, String> headers = Map.of("Repository", "REPOSITORY", "Tag", "TAG", "ID", "IMAGE ID");
        List<Map<String, String>> rows = List.of(Map.of("Repository", "busybox", "Tag", "latest", "ID", "0123456789ab"));
        assertThat(Formatter.render("table {{.Repository}}\\t{{.ID}}", null, headers, rows))
                .isEqualTo("REPOSITORY   IMAGE ID\nbusybox      0123456789ab\n");
        assertThat(Formatter.render("{{.Repository}}:{{.Tag}}", null, headers, rows)).isEqualTo("busybox:latest\n");
        assertThat(Formatter.render(null, "table {{.Tag}}\t{{.ID}}", headers, rows))
                .isEqualTo("TAG       IMAGE ID\nlatest    0123456789ab\n");
    }
}
