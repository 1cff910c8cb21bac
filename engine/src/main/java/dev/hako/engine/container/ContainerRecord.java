package dev.hako.engine.container;

import java.util.List;
import java.util.Map;

/**
 * What the engine knows about a container from its creation on (container.json; never changes afterwards).
 *
 * @param image       the reference the user gave (shown by ps)
 * @param imageId     the image's config digest
 * @param created     RFC 3339 with nanoseconds
 * @param args        the process args (entrypoint + cmd), for ps's COMMAND and inspect
 * @param stopSignal  the image's StopSignal (null: SIGTERM)
 * @param stopTimeout seconds `stop` waits before SIGKILL (null: 10)
 * @param autoRemove  --rm
 */
public record ContainerRecord(String id, String name, String image, String imageId, String created, List<String> args,
                              String stopSignal, Integer stopTimeout, boolean autoRemove, Map<String, String> labels) {
    public ContainerRecord {
        args = args == null ? List.of() : List.copyOf(args);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public String shortId() { return id.substring(0, 12); }
}
