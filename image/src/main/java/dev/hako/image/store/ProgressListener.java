package dev.hako.image.store;

/**
 * Progress of a pull, push or load, as docker's CLI shows it: free lines plus one status per layer.
 * Called from several threads at once (layers move in parallel); implementations synchronize.
 */
public interface ProgressListener {
    /** A line not about one layer, e.g. "latest: Pulling from library/busybox". */
    void message(String line);

    /**
     * A layer's state. {@code id} is the short (12 hex) digest; {@code status} is docker's word
     * ("Pulling fs layer", "Downloading", "Verifying Checksum", "Download complete", "Extracting",
     * "Pull complete", "Already exists", "Preparing", "Pushing", "Pushed", "Layer already exists");
     * {@code current}/{@code total} are bytes, negative when there is no bar to show.
     */
    void update(String id, String status, long current, long total);

    ProgressListener NONE = new ProgressListener() {
        @Override public void message(String line) { }
        @Override public void update(String id, String status, long current, long total) { }
    };
}
