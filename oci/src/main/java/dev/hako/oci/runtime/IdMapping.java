package dev.hako.oci.runtime;

public record IdMapping(long containerID, long hostID, long size) {}
