package dev.hako.image.snapshot;

/** One change of a container's filesystem against its image, as {@code docker diff} prints it ("C /etc"). */
public record Change(Kind kind, String path) implements Comparable<Change> {
    public enum Kind { A, C, D }

    @Override
    public String toString() { return kind + " " + path; }

    @Override
    public int compareTo(Change o) { return path.compareTo(o.path); }
}
