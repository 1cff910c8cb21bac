package dev.hako.image.layer;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tar parsing details that the extraction tests do not reach directly. */
class TarReaderTest {

    private static List<TarReader.Entry> entries(byte[] tar) throws IOException {
        TarReader r = new TarReader(new ByteArrayInputStream(tar));
        List<TarReader.Entry> out = new ArrayList<>();
        for (TarReader.Entry e; (e = r.next()) != null; ) out.add(e);
        return out;
    }

    @Test
    void paxGlobalHeadersApplyToLaterEntriesAndLocalOnesWin() throws Exception {
        Path dir = Files.createTempDirectory("hako-test-layer-tarreader-");
        try {
            Path t = dir.resolve("g.tar");
            // Python's tarfile writes pax_headers= as a global ('g') header
            String py = """
                    import io, sys, tarfile
                    with tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT, pax_headers={'uid': '77'}) as t:
                        a = tarfile.TarInfo('a.txt'); a.size = 2; a.mode = 0o640; a.mtime = 1234567890
                        t.addfile(a, io.BytesIO(b'hi'))
                        b = tarfile.TarInfo('b.txt'); b.pax_headers = {'uid': '88', 'SCHILY.xattr.user.k': 'v'}
                        t.addfile(b, io.BytesIO(b''))
                    """;
            Process p = new ProcessBuilder("python3", "-c", py, t.toString()).redirectErrorStream(true).start();
            assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
            List<TarReader.Entry> es = entries(Files.readAllBytes(t));
            assertThat(es).extracting(TarReader.Entry::name).containsExactly("a.txt", "b.txt");
            assertThat(es.get(0).uid()).isEqualTo(77);
            assertThat(es.get(0).mode()).isEqualTo(0640);
            assertThat(es.get(0).mtimeSec()).isEqualTo(1234567890L);
            assertThat(es.get(1).uid()).isEqualTo(88);
            assertThat(es.get(1).xattrs()).containsOnlyKeys("user.k");
        } finally {
            TestTars.deleteTree(dir);
        }
    }

    @Test
    void writerAndReaderAgreeOnLongNamesBigIdsAndNanoseconds() throws IOException {
        String longName = "d/".repeat(90) + "file";
        String longLink = "/" + "x".repeat(300);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(b)) {
            w.add(new TarWriter.Header(longName, '0', "", 0755, 5_000_000_000L, 4_294_967_294L, 1, -5, 999_999_999, 0, 0,
                    Map.of("user.a", new byte[] {0, (byte) 0x80})));
            w.write(new byte[] {42}, 0, 1);
            w.add(new TarWriter.Header("l", '2', longLink, 0777, 0, 0, 0, 1, 0, 0, 0, Map.of()));
            w.add(new TarWriter.Header("dev", '3', "", 0600, 0, 0, 0, 1, 0, 259, 1_000_000, Map.of()));
        }
        List<TarReader.Entry> es = entries(b.toByteArray());
        assertThat(es).hasSize(3);
        TarReader.Entry f = es.get(0);
        assertThat(f.name()).isEqualTo(longName);
        assertThat(f.uid()).isEqualTo(5_000_000_000L);
        assertThat(f.gid()).isEqualTo(4_294_967_294L);
        assertThat(f.mtimeSec()).isEqualTo(-5);
        assertThat(f.mtimeNsec()).isEqualTo(999_999_999);
        assertThat(f.xattrs().get("user.a")).isEqualTo(new byte[] {0, (byte) 0x80});
        assertThat(es.get(1).linkName()).isEqualTo(longLink);
        assertThat(es.get(2).devMajor()).isEqualTo(259);
        assertThat(es.get(2).devMinor()).isEqualTo(1_000_000);
    }

    @Test
    void base256NumbersAndTruncationAreHandled() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(b)) {
            w.add(TarWriter.Header.file("f", 0644, 3));
            w.write("abc".getBytes(StandardCharsets.UTF_8), 0, 3);
        }
        byte[] tar = b.toByteArray();
        // rewrite the uid field in GNU base-256 (0x80 marker, big-endian) and fix the checksum
        byte[] h = java.util.Arrays.copyOf(tar, tar.length);
        java.util.Arrays.fill(h, 108, 116, (byte) 0);
        h[108] = (byte) 0x80;
        h[113] = 0x01;
        h[114] = 0x02;
        h[115] = 0x03;
        for (int i = 148; i < 156; i++) h[i] = ' ';
        long sum = 0;
        for (int i = 0; i < 512; i++) sum += h[i] & 0xff;
        byte[] cs = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(cs, 0, h, 148, 8);
        assertThat(entries(h).getFirst().uid()).isEqualTo(0x010203);

        byte[] truncated = java.util.Arrays.copyOf(tar, 512 + 1);
        TarReader r = new TarReader(new ByteArrayInputStream(truncated));
        r.next();
        assertThatThrownBy(() -> r.readFully(new byte[3], 0, 3)).isInstanceOf(IOException.class)
                .hasMessageContaining("truncated");
        byte[] corrupt = java.util.Arrays.copyOf(tar, tar.length);
        corrupt[0] ^= 1;
        assertThatThrownBy(() -> entries(corrupt)).isInstanceOf(IOException.class).hasMessageContaining("checksum");
    }
}
