package dev.hako.oci;

/** A spec document that can't be read or is invalid; the message names the file and field. */
public class OciException extends RuntimeException {
    public OciException(String message) { super(message); }
    public OciException(String message, Throwable cause) { super(message, cause); }
}
