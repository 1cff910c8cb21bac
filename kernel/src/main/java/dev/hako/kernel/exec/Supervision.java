package dev.hako.kernel.exec;

/**
 * What the executor process does once the container process runs.
 *
 * <ul>
 *   <li>{@link #DETACH}: it exits after the ready report; the container init is reparented to the
 *       nearest subreaper (conmon, containerd-shim, or the host init), as with {@code runc create/run -d}.
 *       Always the behaviour in CREATE mode.</li>
 *   <li>{@link #FOREGROUND}: it stays the parent of the container process, forwards the signals it gets
 *       (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2, SIGWINCH, SIGCONT) to it, and exits with its status
 *       (128+n for a signal), which {@link Launch#waitFor()} returns. For {@code run}/{@code exec}
 *       without {@code --detach}.</li>
 *   <li>{@link #MONITOR}: for the engine (like conmon). The executor's stdin must be an open directory (the
 *       container's); the executor leaves the JVM before it clones (its direct child exits, so it outlives
 *       the caller), becomes a subreaper, gives the container /dev/null and pipes as stdio, and once ready
 *       writes the container's output to {@code ctr.log} there (docker's json-file format) and its exit
 *       status to {@code exit} (written atomically). It serves interactive clients on {@code attach/socket} there
 *       (with -i a stdin pipe, with a terminal the pty master: kernel/src/main/c/ATTACH.md). Java sees it as {@link #DETACH}. See kernel/src/main/c/monitor.c.</li>
 * </ul>
 */
public enum Supervision { DETACH, FOREGROUND, MONITOR }
