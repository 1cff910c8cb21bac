package dev.hako.image.layer;

import java.io.IOException;
import java.io.InputStream;

/**
 * An InputStream over a sequence of byte chunks handed over by another thread: subclasses say how the
 * next chunk arrives ({@link #fill}); reading the current one is shared here.
 */
public abstract class ChunkInputStream extends InputStream {
    /** The chunk being read, the position in it and the end of its data; {@link #fill} replaces all three. */
    protected byte[] current = new byte[0];
    protected int pos, limit;

    /** Makes the next chunk current (pos 0, limit its length); false at the end of the stream. */
    protected abstract boolean fill() throws IOException;

    @Override
    public int read() throws IOException {
        while (pos >= limit) if (!fill()) return -1;
        return current[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (pos >= limit) if (!fill()) return -1;
        int n = Math.min(len, limit - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }
}
