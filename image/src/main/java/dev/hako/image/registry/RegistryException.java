package dev.hako.image.registry;

/**
 * A registry operation failed. The message names the operation, the image, what went wrong (with the
 * registry's error code and message when it sent one), the HTTP status and the URL, e.g.
 * {@code pull docker.io/library/x:latest: manifest unknown (404 MANIFEST_UNKNOWN) at https://…}.
 */
public class RegistryException extends RuntimeException {
    private final String operation;
    private final String image;
    private final String url;
    private final int status;
    private final String code;

    public RegistryException(String operation, String image, String what, int status, String code, String url, Throwable cause) {
        super(operation + " " + image + ": " + what
                + (status > 0 ? " (" + status + (code == null ? "" : " " + code) + ")" : "")
                + (url == null ? "" : " at " + url), cause);
        this.operation = operation;
        this.image = image;
        this.url = url;
        this.status = status;
        this.code = code;
    }

    public String operation() { return operation; }
    public String image() { return image; }
    /** The URL of the failing request, or null. */
    public String url() { return url; }
    /** The HTTP status, or 0 when there was no response (network, TLS, verification). */
    public int status() { return status; }
    /** The registry's error code (MANIFEST_UNKNOWN, UNAUTHORIZED, ...), or null. */
    public String code() { return code; }

    public boolean isNotFound() { return status == 404; }
    public boolean isUnauthorized() { return status == 401 || status == 403; }
}
