package dev.hako.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** java.io streams over a raw fd (a pipe end from {@link Fds#pipe()}); closing the stream closes the fd. */
public final class FdStreams {
    private FdStreams() {}

    public static InputStream input(int fd) {
        return new InputStream() {
            private boolean closed;

            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                int n = read(b, 0, 1);
                return n <= 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (closed) throw new IOException("stream closed");
                if (len == 0) return 0;
                try {
                    int n = Fds.read(fd, b, off, Math.min(len, 1 << 16));
                    return n == 0 ? -1 : n;
                } catch (SyscallException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }

            @Override
            public synchronized void close() {
                if (!closed) {
                    closed = true;
                    Fds.close(fd);
                }
            }
        };
    }

    public static OutputStream output(int fd) {
        return new OutputStream() {
            private boolean closed;

            @Override
            public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (closed) throw new IOException("stream closed");
                try {
                    Fds.writeFully(fd, b, off, len);
                } catch (SyscallException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }

            @Override
            public synchronized void close() {
                if (!closed) {
                    closed = true;
                    Fds.close(fd);
                }
            }
        };
    }
}
