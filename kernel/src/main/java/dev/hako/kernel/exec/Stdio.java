package dev.hako.kernel.exec;

/**
 * What the executor (and so the container process) gets as fd 0, 1 and 2.
 *
 * <ul>
 *   <li>{@link Inherit}: the JVM's own fd (the terminal of {@code hako-runtime run}, say)</li>
 *   <li>{@link Fd}: a file descriptor the caller owns (a pipe end, a log file, a pty slave); it is
 *       dup'ed into the executor, the caller keeps (and closes) its own copy</li>
 *   <li>{@link Pipe}: a new pipe; the JVM's end is {@link Launch#stdin()}, {@link Launch#stdout()} or
 *       {@link Launch#stderr()}</li>
 *   <li>{@link Null}: /dev/null</li>
 * </ul>
 */
public record Stdio(Stream in, Stream out, Stream err) {

    public sealed interface Stream permits Inherit, Fd, Pipe, Null {}

    public record Inherit() implements Stream {}

    public record Fd(int fd) implements Stream {}

    public record Pipe() implements Stream {}

    public record Null() implements Stream {}

    public static final Stream INHERIT = new Inherit();
    public static final Stream PIPE = new Pipe();
    public static final Stream NULL = new Null();

    public Stdio {
        if (in == null || out == null || err == null) throw new IllegalArgumentException("stdio streams must not be null");
    }

    public static Stdio inherit() { return new Stdio(INHERIT, INHERIT, INHERIT); }

    /** stdin from /dev/null, stdout and stderr to pipes the caller reads (tests, captured output). */
    public static Stdio pipes() { return new Stdio(NULL, PIPE, PIPE); }

    public static Stdio nulls() { return new Stdio(NULL, NULL, NULL); }

    public static Stdio fds(int in, int out, int err) { return new Stdio(new Fd(in), new Fd(out), new Fd(err)); }
}
