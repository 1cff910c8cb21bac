package dev.hako.image.archive;

/** An archive that can't be written or read; the message names the archive entry. */
public class ArchiveException extends RuntimeException {
    public ArchiveException(String message) { super(message); }

    public ArchiveException(String message, Throwable cause) { super(message, cause); }
}
