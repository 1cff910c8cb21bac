package dev.hako.image.store;

import java.util.List;

/**
 * One line of `docker history`, newest first.
 *
 * @param id        the image ID for the top entry, "<missing>" for the others (as docker shows)
 * @param created   RFC 3339 or null
 * @param createdBy the command that made the layer
 * @param size      bytes the layer adds (0 for empty_layer entries)
 * @param tags      the image's familiar tags on the top entry
 */
public record HistoryEntry(String id, String created, String createdBy, long size, String comment, List<String> tags) {}
