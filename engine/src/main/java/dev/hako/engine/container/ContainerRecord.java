package dev.hako.engine.container;

import dev.hako.engine.config.RunOptions;

import java.util.List;
import java.util.Map;

/**
 * What the engine knows about a container from its creation on (container.json). Only rename changes it
 * afterwards. Per-concern state that changes while the container lives (network attachments, restart counts)
 * is kept in its own file in the container's directory, not here.
 *
 * @param image       the reference the user gave (shown by ps)
 * @param imageId     the image's config digest
 * @param created     RFC 3339 with nanoseconds
 * @param args        the process args (entrypoint + cmd), for ps's COMMAND and inspect
 * @param stopSignal  the image's StopSignal (null: SIGTERM)
 * @param stopTimeout seconds `stop` waits before SIGKILL (null: 10)
 * @param autoRemove  --rm
 * @param options     the run/create flags as given (never null once created)
 */
public record ContainerRecord(String id, String name, String image, String imageId, String created, List<String> args,
                              String stopSignal, Integer stopTimeout, boolean autoRemove, Map<String, String> labels,
                              RunOptions options) {
    public ContainerRecord {
        args = args == null ? List.of() : List.copyOf(args);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        options = options == null ? new RunOptions() : options;
    }

    public String shortId() { return id.substring(0, 12); }

    public ContainerRecord withIdentity(String newId, String newName) {
        return new ContainerRecord(newId, newName, image, imageId, created, args, stopSignal, stopTimeout, autoRemove, labels, options);
    }

    public ContainerRecord withArgs(List<String> newArgs) {
        return new ContainerRecord(id, name, image, imageId, created, newArgs, stopSignal, stopTimeout, autoRemove, labels, options);
    }
}
