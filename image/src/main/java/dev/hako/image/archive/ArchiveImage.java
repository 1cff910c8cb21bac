package dev.hako.image.archive;

import dev.hako.oci.image.Descriptor;

import java.util.List;

/**
 * One image in a save/load archive.
 *
 * @param names    normalized names with tags (docker.io/library/busybox:latest); empty for an unnamed image
 * @param manifest the single-platform manifest (stored in the content store)
 */
public record ArchiveImage(List<String> names, Descriptor manifest) {
    public ArchiveImage { names = List.copyOf(names); }
}
