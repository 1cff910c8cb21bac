package dev.hako.runtime.container;

/**
 * A lifecycle error with runc's wording ("container does not exist", "cannot start a container that has
 * stopped", ...) and the exit status a CLI should use (runc: 1 for every error; a failed exec of the
 * user's command: 126/127).
 */
public class ContainerException extends RuntimeException {
    private final int exitCode;

    public ContainerException(String message) { this(message, 1, null); }

    public ContainerException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() { return exitCode; }

    static ContainerException notExist(String id) { return new ContainerException("container does not exist"); }
}
