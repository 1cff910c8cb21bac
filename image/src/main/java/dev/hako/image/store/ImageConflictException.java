package dev.hako.image.store;

/** docker's "conflict: unable to delete … (must be forced) - …" family. */
public class ImageConflictException extends ImageException {
    public ImageConflictException(String message) { super(message); }
}
