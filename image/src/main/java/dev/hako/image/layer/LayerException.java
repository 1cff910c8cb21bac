package dev.hako.image.layer;

/** A layer that cannot be unpacked: hostile or malformed content, or a limit hit. The message names the entry. */
public class LayerException extends RuntimeException {
    public LayerException(String message) { super(message); }
    public LayerException(String message, Throwable cause) { super(message, cause); }
}
