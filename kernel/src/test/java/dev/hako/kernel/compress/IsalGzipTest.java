package dev.hako.kernel.compress;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ISA-L's gzip gives java.util.zip's results: members, trailing bytes, corrupt and cut-off input, odd read sizes. */
class IsalGzipTest {
    private static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(plain);
        }
        return out.toByteArray();
    }

    /** Compressible and random parts, so both stored and Huffman blocks occur. */
    private static byte[] sample(int size, long seed) {
        byte[] b = new byte[size];
        Random r = new Random(seed);
        for (int i = 0; i < size; i++) b[i] = (byte) ((i / 4096) % 2 == 0 ? 'a' + i % 7 : r.nextInt());
        return b;
    }

    /** Reads it all with reads of varying sizes (1 byte up to 1 MiB). */
    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 20];
        int[] sizes = {1, 7, 512, 65536, 1 << 20};
        for (int i = 0, n; (n = in.read(buf, 0, sizes[i++ % sizes.length])) >= 0; ) out.write(buf, 0, n);
        return out.toByteArray();
    }

    @Test
    void isAvailableHere() {
        assertThat(IsalGzip.available()).as("libhako-gunzip.so built (libisal-dev) and libisal.so.2 loaded").isTrue();
    }

    @Test
    void decompressesWhatTheJdkCompressed() throws IOException {
        for (int size : new int[] {0, 1, 1000, 3 << 20}) {
            byte[] plain = sample(size, size);
            try (InputStream in = IsalGzip.decompress(new ByteArrayInputStream(gzip(plain)))) {
                assertThat(readAll(in)).as("%d bytes", size).isEqualTo(plain);
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void readsConcatenatedMembersAndIgnoresTrailingBytesThatStartNoMember() throws IOException {
        byte[] a = sample(200_000, 1), b = sample(300_000, 2);
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.write(gzip(a));
        both.write(gzip(b));
        both.write(new byte[] {0, 0, 0, 0});   // padding, as GZIPInputStream ignores
        byte[] expected = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, expected, a.length, b.length);
        assertThat(readAll(IsalGzip.decompress(new ByteArrayInputStream(both.toByteArray())))).isEqualTo(expected);
    }

    @Test
    void corruptOrCutOffInputIsAnError() throws IOException {
        byte[] z = gzip(sample(500_000, 3));
        byte[] badCrc = z.clone();
        badCrc[z.length - 6] ^= 1;   // the CRC-32 in the trailer
        assertThatThrownBy(() -> readAll(IsalGzip.decompress(new ByteArrayInputStream(badCrc))))
                .isInstanceOf(java.util.zip.ZipException.class).hasMessageContaining("Corrupt GZIP trailer");
        byte[] cut = Arrays.copyOf(z, z.length / 2);
        assertThatThrownBy(() -> readAll(IsalGzip.decompress(new ByteArrayInputStream(cut))))
                .isInstanceOf(java.io.EOFException.class);
        byte[] notGzip = "plain text, not gzip".getBytes();
        assertThatThrownBy(() -> readAll(IsalGzip.decompress(new ByteArrayInputStream(notGzip))))
                .isInstanceOf(java.util.zip.ZipException.class);
        assertThatThrownBy(() -> readAll(IsalGzip.decompress(new ByteArrayInputStream(new byte[0]))))
                .isInstanceOf(java.io.EOFException.class);
    }
}
