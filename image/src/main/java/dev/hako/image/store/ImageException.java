package dev.hako.image.store;

/** An image operation failed; the message is meant for the user as is (docker's wording where it exists). */
public class ImageException extends RuntimeException {
    public ImageException(String message) { super(message); }

    public ImageException(String message, Throwable cause) { super(message, cause); }
}
