package dev.hako.image.snapshot;

/** A snapshot operation that failed; the message names the step and the path. */
public class SnapshotException extends RuntimeException {
    public SnapshotException(String message) { super(message); }
    public SnapshotException(String message, Throwable cause) { super(message, cause); }
}
