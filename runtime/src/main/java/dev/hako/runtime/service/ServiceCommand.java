package dev.hako.runtime.service;

/**
 * What a {@link CommandService} runs: one command line of a front-end (kernel/src/main/c/front/front.c). The
 * runtime service runs `hako-runtime` commands, the CLI service `hako` commands.
 */
public interface ServiceCommand {
    /** The first field of the front-end's request, naming the protocol and the program (e.g. "hako-runtime/1"). */
    String magic();

    /** How many fds the request carries: 0, 1 and 2 of the caller, and what the program adds after them. */
    int fdCount();

    /**
     * Runs the command and returns its exit code. The fds of {@code call} belong to the command, which closes
     * them before it returns; the streams on them must be flushed and closed too, so that whoever reads the
     * caller's stdout to its end is not held up by the service.
     */
    int run(ServiceCall call);
}
