package dev.hako.engine;

import java.util.List;

/** What a prune removed (volume names or container ids, in order) and the bytes it freed. */
public record Pruned(List<String> deleted, long reclaimed) {
    public Pruned {
        deleted = List.copyOf(deleted);
    }
}
