package dev.hako.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** java.io streams over a raw fd (a pipe end from {@link Fds#pipe()}); closing the stream closes the fd. */
public final class FdStreams {
    private FdStreams() {}

    public static InputStream input(int fd) {
        return new ByteInput() {
            private boolean closed;

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

    /**
     * Like {@link #input}, but a read waiting for data gives up (returns -1) once the stream is closed from another
     * thread. The CLI service reads its callers' terminals: a reader left behind after the command would take the
     * keys typed at the shell afterwards. Waits in poll(2) with a short timeout; the fd is closed by whichever of
     * close() and the last reader comes last, never while a poll may still name it.
     */
    public static InputStream closableInput(int fd) {
        return new ByteInput() {
            private boolean closed, fdClosed;
            private int readers;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) return 0;
                synchronized (this) {
                    if (closed) return -1;
                    readers++;
                }
                try {
                    while (!readable(fd)) {
                        synchronized (this) {
                            if (closed) return -1;
                        }
                    }
                    synchronized (this) {
                        if (closed) return -1;
                    }
                    int n = Fds.read(fd, b, off, Math.min(len, 1 << 16));
                    return n == 0 ? -1 : n;
                } catch (SyscallException e) {
                    throw new IOException(e.getMessage(), e);
                } finally {
                    synchronized (this) {
                        readers--;
                        closeFdIfDone();
                    }
                }
            }

            @Override
            public synchronized void close() {
                closed = true;
                closeFdIfDone();
            }

            private void closeFdIfDone() {
                if (closed && readers == 0 && !fdClosed) {
                    fdClosed = true;
                    Fds.close(fd);
                }
            }
        };
    }

    /** Whether fd has data, EOF or an error to read within 100 ms. */
    private static boolean readable(int fd) {
        return Fds.poll(fd, (short) 1, 100, "fd " + fd) > 0;   // POLLIN
    }

    /** An input that reads single bytes through read(byte[], int, int). */
    private abstract static class ByteInput extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            int n = read(b, 0, 1);
            return n <= 0 ? -1 : b[0] & 0xff;
        }
    }
}
