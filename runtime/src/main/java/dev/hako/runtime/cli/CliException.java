package dev.hako.runtime.cli;

/** A command failed; the message is what runc would print (logged at level error, exit code 1). */
public final class CliException extends RuntimeException {
    private final int exitCode;

    public CliException(String message) { this(message, 1, null); }

    public CliException(String message, Throwable cause) { this(message, 1, cause); }

    public CliException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() { return exitCode; }
}
