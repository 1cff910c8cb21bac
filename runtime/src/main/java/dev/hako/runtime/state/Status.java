package dev.hako.runtime.state;

/** A container's status, with the runtime-spec names. */
public enum Status {
    CREATING("creating"), CREATED("created"), RUNNING("running"), PAUSED("paused"), STOPPED("stopped");

    private final String ociName;

    Status(String ociName) { this.ociName = ociName; }

    public String ociName() { return ociName; }

    @Override public String toString() { return ociName; }
}
