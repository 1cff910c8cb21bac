package dev.hako.runtime.service;

import dev.hako.kernel.Fds;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The connection to the front-end a command runs for, as the command sees it: messages that need no answer
 * (e.g. "catch" a signal), and what to do if the front-end goes away (it was killed: the plain JVM would have
 * died with it, running its shutdown hooks).
 */
public final class ServiceLink {
    private final int conn;
    private final List<Runnable> onHangup = new CopyOnWriteArrayList<>();

    ServiceLink(int conn) { this.conn = conn; }

    /** Sends a message of NUL-terminated fields that the front-end does not answer. */
    public void send(String... fields) {
        Fds.send(conn, ServiceSockets.encode(fields));
    }

    /** Runs {@code action} if the front-end goes away before the returned handle is closed. */
    public AutoCloseable onHangup(Runnable action) {
        onHangup.add(action);
        return () -> onHangup.remove(action);
    }

    void hungUp() {
        for (Runnable r : onHangup) {
            try {
                r.run();
            } catch (RuntimeException e) {
                // one failing clean-up must not keep the others from running
            }
        }
    }
}
