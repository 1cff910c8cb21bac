package dev.hako.image.store;

import java.util.List;

/** What a removal did, in docker's order: "Untagged: …" lines, then "Deleted: …" lines; bytes freed. */
public record Removal(List<String> untagged, List<String> deleted, long reclaimed) {
    public Removal {
        untagged = List.copyOf(untagged);
        deleted = List.copyOf(deleted);
    }
}
