package dev.hako.engine.lifecycle;

import dev.hako.engine.ContainerView;

/**
 * What docker's daemon restarts when it starts, for hako which has no daemon: `hako system boot`, run once at
 * boot (contrib/systemd/hako-boot.service). This is where {@code always} and {@code unless-stopped} differ: a
 * container the user stopped comes back with {@code always} and stays stopped with {@code unless-stopped};
 * {@code on-failure} comes back if its last run failed (a run the shutdown killed, with no exit recorded, did).
 * Only containers that ran before: one never started stays created.
 */
public final class BootRestart {
    private BootRestart() {}

    /** Whether the container should be started now. */
    public static boolean due(ContainerView v, java.nio.file.Path dir) {
        String state = v.status().state();
        if (!state.equals("exited")) return false;   // running, paused, restarting: nothing to do; created: never ran
        RestartPolicy p;
        try {
            p = RestartPolicy.parse(v.record().options().restart);
        } catch (RuntimeException e) {
            return false;
        }
        boolean byUser = new LifecycleFiles(dir).stopped();
        return switch (p.name()) {
            case "always" -> true;
            case "unless-stopped" -> !byUser;
            case "on-failure" -> !byUser && v.status().exitCode() != 0;
            default -> false;
        };
    }
}
