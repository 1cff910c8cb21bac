package dev.hako.image.store;

/** docker's "No such image: foo:latest"; the message is exactly that text. */
public class NoSuchImageException extends ImageException {
    private final String name;

    public NoSuchImageException(String name) {
        super("No such image: " + name);
        this.name = name;
    }

    public String name() { return name; }
}
