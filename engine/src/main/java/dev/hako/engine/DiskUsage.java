package dev.hako.engine;

import java.util.List;

/**
 * `docker system df`: per kind (images, containers, local volumes, build cache) how many there are, how many
 * are in use, the bytes they take and the bytes a prune could free; with the items behind each row for -v.
 */
public record DiskUsage(Row images, Row containers, Row volumes, Row buildCache,
                        List<ImageItem> imageItems, List<ContainerItem> containerItems, List<VolumeItem> volumeItems) {

    public record Row(int total, int active, long size, long reclaimable) {}

    /** @param containers how many containers use the image */
    public record ImageItem(String id, List<String> repoTags, String created, long size, int containers) {}

    /** @param size bytes of the container's writable layer */
    public record ContainerItem(String id, String name, String image, List<String> command, String created, String state,
                                long size) {}

    /** @param links how many containers use the volume */
    public record VolumeItem(String name, int links, long size) {}
}
