package dev.hako.engine;

/** An engine operation failed; the message names what was wrong and where (docker's wording where there is one). */
public class EngineException extends RuntimeException {
    private final int exitCode;

    public EngineException(String message) { this(message, 125, null); }

    public EngineException(String message, Throwable cause) { this(message, 125, cause); }

    /** @param exitCode what `hako` exits with (docker: 125 daemon/engine error, 126 cannot invoke, 127 not found) */
    public EngineException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() { return exitCode; }
}
