package dev.hako.image.reference;

/** An image reference that doesn't parse; the message quotes it and says which part is wrong. */
public class InvalidReferenceException extends IllegalArgumentException {
    public InvalidReferenceException(String message) { super(message); }
}
