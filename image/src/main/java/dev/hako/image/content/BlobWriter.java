package dev.hako.image.content;

import dev.hako.kernel.fs.Fs;
import dev.hako.kernel.fs.LockFile;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;

/**
 * Writes one blob into the store's ingest area and, on {@link #commit}, verifies digest and size,
 * fsyncs and renames it into blobs/. Nothing is visible before commit. Created by
 * {@link ContentStore#writer(Descriptor)} (known digest: resumable, locked per digest) or
 * {@link ContentStore#writer(String)} (digest computed at commit). Not thread-safe; one writer per thread.
 * Closing without commit keeps a known-digest partial for a later resume.
 */
public final class BlobWriter implements AutoCloseable {
    private final ContentStore store;
    private final Descriptor expected;     // null digest when unknown
    private final String mediaType;
    private final Path dir;
    private final Path data;
    private final LockFile lock;           // per-digest lock; null for unknown-digest writers
    private final LockFile gcGuard;        // shared lock keeping GC out while we write
    private final boolean alreadyExists;
    private FileChannel channel;
    private MessageDigest md;
    private long offset;
    private long kicked;                   // bytes before this offset are already handed to writeback
    private int writebackFd = -1;          // a second fd of the data file: FileChannel does not show its own
    private boolean done;
    private boolean cleaned;

    BlobWriter(ContentStore store, Descriptor expected, String mediaType, Path dir, LockFile lock, LockFile gcGuard,
               boolean alreadyExists) {
        this.store = store;
        this.expected = expected;
        this.mediaType = mediaType;
        this.dir = dir;
        this.data = dir.resolve("data");
        this.lock = lock;
        this.gcGuard = gcGuard;
        this.alreadyExists = alreadyExists;
        if (alreadyExists) {
            done = true;
            return;
        }
        try {
            channel = FileChannel.open(data, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            md = Digest.messageDigest(expected != null ? expected.digest().algorithm() : Digest.SHA256);
            long existing = channel.size();
            if (expected != null && existing > expected.size()) existing = 0; // garbage: start over
            if (existing > 0) rehash(existing);
            channel.truncate(existing);
            channel.position(existing);
            offset = existing;
            kicked = existing;
        } catch (IOException e) {
            releaseLocks();
            throw new ContentException("open ingest " + data + ": " + e.getMessage(), e);
        }
    }

    private void rehash(long n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        long pos = 0;
        while (pos < n) {
            buf.clear().limit((int) Math.min(buf.capacity(), n - pos));
            int r = channel.read(buf, pos);
            if (r < 0) break;
            md.update(buf.array(), 0, r);
            pos += r;
        }
    }

    /** True if the blob was already in the store (maybe written meanwhile by another writer): nothing to write. */
    public boolean alreadyExists() { return alreadyExists; }

    /** The descriptor being written, or null when the digest is computed at commit. */
    public Descriptor expected() { return expected; }

    /** Bytes already written (after a resume, where the next byte goes: use it as an HTTP Range start). */
    public long offset() { return offset; }

    /** Drops what was written so far (e.g. the server ignored a Range request). */
    public void reset() {
        ensureOpen();
        try {
            channel.truncate(0);
            channel.position(0);
            md.reset();
            offset = 0;
            kicked = 0;
        } catch (IOException e) {
            throw new ContentException("truncate ingest " + data + ": " + e.getMessage(), e);
        }
    }

    public void write(byte[] b, int off, int len) {
        ensureOpen();
        if (expected != null && offset + len > expected.size())
            throw DigestMismatchException.size(expected.digest(), expected.size(), offset + len);
        try {
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            while (buf.hasRemaining()) channel.write(buf);
        } catch (IOException e) {
            throw new ContentException("write ingest " + data + ": " + e.getMessage(), e);
        }
        md.update(b, off, len);
        offset += len;
        if (offset - kicked >= Writeback.STEP) startWriteback();
    }

    /** Hands what was written since the last call to the disk now, so that the fdatasync at commit finds little left. */
    private void startWriteback() {
        if (writebackFd < 0) {
            try {
                writebackFd = Fs.openat(Fs.AT_FDCWD, data.toString(),
                        Fs.O_RDONLY | Fs.O_CLOEXEC, 0, data.toString());
            } catch (RuntimeException e) {
                kicked = Long.MAX_VALUE;   // only a hint: don't try again
                return;
            }
        }
        Writeback.start(writebackFd, kicked, offset - kicked);
        kicked = offset;
    }

    /** Copies {@code in} to the end (does not close it); stops early with an error if it exceeds the expected size. */
    public void writeAll(InputStream in) throws IOException {
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) write(buf, 0, n);
    }

    /** This writer as an OutputStream (close() of the stream does nothing). */
    public OutputStream asOutputStream() {
        return new OutputStream() {
            @Override public void write(int b) { BlobWriter.this.write(new byte[]{(byte) b}, 0, 1); }
            @Override public void write(byte[] b, int off, int len) { BlobWriter.this.write(b, off, len); }
        };
    }

    /**
     * Verifies size and digest, fsyncs, and moves the blob into place. On a mismatch the partial is
     * deleted and {@link DigestMismatchException} names both digests. Returns the stored descriptor.
     */
    public Descriptor commit() { return commit(null); }

    /**
     * As {@link #commit()}; {@code onVerified} runs once size and digest are checked, before the data is made
     * durable and published: a consumer of the same bytes (a streamed unpack, itself verified by diffID) need not
     * wait for the fsync. Not run on a mismatch.
     */
    public Descriptor commit(Runnable onVerified) {
        if (alreadyExists) return expected;
        ensureOpen();
        try {
            if (expected != null && offset != expected.size()) {
                throw DigestMismatchException.size(expected.digest(), expected.size(), offset);
            }
            Digest actual = Digest.fromMessageDigest(expected != null ? expected.digest().algorithm() : Digest.SHA256, md);
            if (expected != null && !actual.equals(expected.digest())) {
                throw DigestMismatchException.digest(expected.digest(), actual, offset);
            }
            if (onVerified != null) onVerified.run();
            // fdatasync: the data and what is needed to read it back (size, blocks); the rename is fsynced in publish
            channel.force(false);
            closeChannel();
            store.publish(data, actual);
            done = true;
            Descriptor result = expected != null ? expected : new Descriptor(mediaType, actual, offset);
            return result;
        } catch (DigestMismatchException e) {
            discard();
            throw e;
        } catch (IOException e) {
            throw new ContentException("commit " + (expected == null ? data : expected.digest()) + ": " + e.getMessage(), e);
        } finally {
            if (done) cleanup();
        }
    }

    /** Deletes the partial and releases the locks. */
    public void discard() {
        if (done) return;
        done = true;
        closeChannel();
        cleanup();
    }

    /** Releases the locks; a known-digest partial stays for a later resume. */
    @Override
    public void close() {
        if (done) { releaseLocks(); return; }
        done = true;
        closeChannel();
        if (expected == null) cleanup(); // nothing to resume without a digest
        else releaseLocks();
    }

    private void closeChannel() {
        if (writebackFd >= 0) {
            try { Fs.close(writebackFd); } catch (RuntimeException ignored) { }
            writebackFd = -1;
        }
        if (channel == null) return;
        try { channel.close(); } catch (IOException ignored) { }
        channel = null;
    }

    private void cleanup() {
        if (cleaned) return; // twice would delete a lock file a waiting writer has since created and locked
        cleaned = true;
        try {
            Files.deleteIfExists(data);
        } catch (IOException ignored) { }
        if (lock != null) {
            try (var s = Files.list(dir)) {
                s.filter(p -> !p.getFileName().toString().equals("lock")).forEach(p -> {
                    try { Files.deleteIfExists(p); } catch (IOException ignored) { }
                });
            } catch (IOException ignored) { }
            lock.deleteAndClose();
        }
        try { Files.deleteIfExists(dir); } catch (IOException ignored) { }
        if (gcGuard != null) gcGuard.close();
    }

    private void releaseLocks() {
        if (lock != null) lock.close();
        if (gcGuard != null) gcGuard.close();
    }

    private void ensureOpen() {
        if (done || channel == null) throw new IllegalStateException("blob writer for " + data + " is closed");
    }
}
