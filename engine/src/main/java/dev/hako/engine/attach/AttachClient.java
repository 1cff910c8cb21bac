package dev.hako.engine.attach;

import dev.hako.kernel.fs.Fs;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A client of a container monitor's attach socket (kernel/src/main/c/ATTACH.md): the container's live output
 * in, stdin bytes, window sizes and "close stdin" out. Frames are a type byte, a big-endian 32-bit length and
 * the payload. Reading and writing may happen on different threads (a channel has separate locks for each).
 */
public final class AttachClient implements AutoCloseable {
    static final int STDIN = 0, STDOUT = 1, STDERR = 2, EXIT = 3, RESIZE = 4, CLOSE_STDIN = 5;
    /** the monitor refuses larger frames */
    static final int FRAME_MAX = 65536;

    private final SocketChannel channel;
    private final Object writeLock = new Object();

    private AttachClient(SocketChannel channel) { this.channel = channel; }

    /** Connects to the attach socket at {@code socket}; an IOException when no monitor listens there. */
    public static AttachClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            String path = socket.toAbsolutePath().toString();
            if (path.getBytes(StandardCharsets.UTF_8).length < 100) {
                ch.connect(UnixDomainSocketAddress.of(path));
            } else {
                // too long for sun_path: through an O_PATH fd of its directory
                int dir = Fs.openat(Fs.AT_FDCWD, socket.getParent().toString(), Fs.O_PATH | Fs.O_DIRECTORY | Fs.O_CLOEXEC, 0,
                        socket.getParent().toString());
                try {
                    ch.connect(UnixDomainSocketAddress.of("/proc/self/fd/" + dir + "/" + socket.getFileName()));
                } finally {
                    Fs.close(dir);
                }
            }
            return new AttachClient(ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public void sendStdin(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, FRAME_MAX);
            send(STDIN, ByteBuffer.wrap(b, off, n));
            off += n;
            len -= n;
        }
    }

    /** The container's terminal gets this window size (TIOCSWINSZ on the pty master). */
    public void resize(int rows, int cols) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4).putShort((short) rows).putShort((short) cols).flip();
        send(RESIZE, b);
    }

    /** Closes the container's stdin once what was sent before went in (docker's StdinOnce). */
    public void closeStdin() throws IOException { send(CLOSE_STDIN, ByteBuffer.allocate(0)); }

    private void send(int type, ByteBuffer payload) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(5).put((byte) type).putInt(payload.remaining()).flip();
        synchronized (writeLock) {
            while (head.hasRemaining()) channel.write(head);
            while (payload.hasRemaining()) channel.write(payload);
        }
    }

    /**
     * Copies the container's stdout and stderr to {@code out} and {@code err} (flushing each frame) until the
     * monitor sends the exit code, which is returned; -1 when the connection ends without one (detached, or the
     * monitor went away). {@code err} may be {@code out} (a terminal has one stream).
     */
    public int copyOutput(OutputStream out, OutputStream err) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(5);
        byte[] data = new byte[FRAME_MAX];
        while (true) {
            head.clear();
            if (!readFully(head)) return -1;
            head.flip();
            int type = head.get();
            int len = head.getInt();
            if (len < 0) throw new IOException("attach: bad frame length " + len);
            byte[] buf = len <= data.length ? data : new byte[len];
            if (!readFully(ByteBuffer.wrap(buf, 0, len))) return -1;
            switch (type) {
                case STDOUT -> { out.write(buf, 0, len); out.flush(); }
                case STDERR -> { err.write(buf, 0, len); err.flush(); }
                case EXIT -> {
                    try {
                        return Integer.parseInt(new String(buf, 0, len, StandardCharsets.US_ASCII).trim());
                    } catch (NumberFormatException e) {
                        return -1;
                    }
                }
                default -> { } // newer monitors may send more; skip
            }
        }
    }

    private boolean readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            int r;
            try {
                r = channel.read(b);
            } catch (java.nio.channels.ClosedChannelException e) {
                return false; // closed by a detach on another thread
            }
            if (r < 0) return false;
        }
        return true;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
