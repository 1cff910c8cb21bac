package dev.hako.image.auth;

/** Credentials can't be read, stored or used; the message names the file or registry. */
public class AuthException extends RuntimeException {
    public AuthException(String message) { super(message); }
    public AuthException(String message, Throwable cause) { super(message, cause); }
}
