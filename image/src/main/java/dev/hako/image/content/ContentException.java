package dev.hako.image.content;

/** A content store operation failed; the message names the operation, the digest or path and the cause. */
public class ContentException extends RuntimeException {
    public ContentException(String message) { super(message); }
    public ContentException(String message, Throwable cause) { super(message, cause); }
}
