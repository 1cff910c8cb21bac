package dev.hako.oci.runtime;

public record Root(String path, Boolean readonly) {
    public boolean isReadonly() { return Boolean.TRUE.equals(readonly); }
}
