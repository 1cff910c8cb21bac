package dev.hako.runtime.service;

import dev.hako.kernel.FdStreams;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A command's view of its caller's stdio (fds 0, 1, 2 of a {@link ServiceCall}). {@link #close} flushes and
 * closes our copies before the exit code goes back, so whoever reads the caller's stdout to its end is not
 * held up by the service.
 */
public record CallerStreams(PrintStream out, PrintStream err, InputStream in) implements AutoCloseable {

    /** @param in the caller's stdin as the command wants to read it (fd 0 of the call) */
    public static CallerStreams of(int[] fds, InputStream in) {
        return new CallerStreams(new PrintStream(FdStreams.output(fds[1]), false, StandardCharsets.UTF_8),
                new PrintStream(FdStreams.output(fds[2]), true, StandardCharsets.UTF_8), in);
    }

    @Override
    public void close() {
        out.flush();
        err.flush();
        out.close();
        err.close();
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing to flush on an input
        }
    }
}
