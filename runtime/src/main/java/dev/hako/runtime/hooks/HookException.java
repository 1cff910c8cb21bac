package dev.hako.runtime.hooks;

/** A hook that could not run, exited non-zero or timed out; the message names the phase, index and path. */
public class HookException extends RuntimeException {
    public HookException(String message) { super(message); }
    public HookException(String message, Throwable cause) { super(message, cause); }
}
