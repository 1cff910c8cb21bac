package dev.hako.kernel.fs;

import dev.hako.kernel.Errno;
import dev.hako.kernel.SyscallException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fs.writeFully from a Java array (critical downcall on a heap segment): appends, positioned writes, errors. */
class FsHeapWriteTest {
    @TempDir Path dir;

    @Test
    void writesArraySlicesAtThePositionAndAtOffsets() throws Exception {
        byte[] data = new byte[(3 << 20) + 12345];   // over the per-call cap: several write(2) calls
        new Random(7).nextBytes(data);
        Path f = dir.resolve("f");
        int fd = Fs.openat(Fs.AT_FDCWD, f.toString(), Fs.O_WRONLY | Fs.O_CREAT | Fs.O_CLOEXEC, 0600, f.toString());
        try {
            Fs.writeFully(fd, data, 5, data.length - 5, -1, "f");      // appends at the file position
            Fs.writeFully(fd, data, 0, 5, data.length - 5, "f");        // pwrite after the end
            Fs.writeFully(fd, new byte[] {9, 8, 7}, 1, 2, 0, "f");      // pwrite over the start
        } finally {
            Fs.close(fd);
        }
        byte[] expected = new byte[data.length];
        System.arraycopy(data, 5, expected, 0, data.length - 5);
        System.arraycopy(data, 0, expected, data.length - 5, 5);
        expected[0] = 8;
        expected[1] = 7;
        byte[] got = Files.readAllBytes(f);
        assertThat(got.length).isEqualTo(expected.length);
        assertThat(Arrays.equals(got, expected)).isTrue();
    }

    @Test
    void reportsErrnoAndRefusesBadBounds() {
        assertThatThrownBy(() -> Fs.writeFully(-1, new byte[4], 0, 4, -1, "nofd"))
                .isInstanceOfSatisfying(SyscallException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF))
                .hasMessageContaining("nofd");
        assertThatThrownBy(() -> Fs.writeFully(-1, new byte[4], 2, 4, 0, "x")).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
