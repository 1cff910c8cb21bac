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
 * </ul>
 */
public enum Supervision { DETACH, FOREGROUND }
