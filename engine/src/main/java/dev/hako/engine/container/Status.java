package dev.hako.engine.container;

/**
 * A container's status as `ps` shows it, derived from the engine's record, the runtime state and the monitor's
 * exit file (so it is right even when no hako process saw the container die).
 *
 * @param state      docker's State.Status: created, running, paused, restarting, exited
 * @param exitCode   valid when exited (128+n for signal n)
 * @param finishedAt RFC 3339, when exited (the exit file's time)
 * @param pid        host pid of the init while running, else 0
 */
public record Status(String state, int exitCode, String finishedAt, int pid) {
    public boolean running() { return state.equals("running") || state.equals("paused"); }
    public boolean exited() { return state.equals("exited"); }
    /** Waiting for its restart policy's next run (docker lists it as running, with State.Restarting). */
    public boolean restarting() { return state.equals("restarting"); }
}
