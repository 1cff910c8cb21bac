package dev.hako.cli.container;

import dev.hako.engine.EngineException;
import dev.hako.engine.config.RunOptions;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * docker run's and create's {@code -a/--attach}: which of the container's streams the caller is attached to. Without -a,
 * stdout and stderr; -i adds stdin (it is only sent when the container's stdin is open, i.e. with -i, as docker's
 * daemon does); with -d there is nothing to attach and -a is a conflict. With -i or -t the streams come through the
 * monitor's attach socket, else (as run's default) through the log.
 */
record AttachStreams(boolean stdin, boolean stdout, boolean stderr, boolean explicit) {

    static AttachStreams parse(List<String> flags, boolean interactive, boolean detach) {
        boolean in = interactive, out = false, err = false;
        for (String f : flags) {
            switch (f.toLowerCase(Locale.ROOT)) {
                case "stdin" -> in = true;
                case "stdout" -> out = true;
                case "stderr" -> err = true;
                default -> throw new EngineException("invalid argument \"" + f + "\" for \"-a, --attach\" flag: "
                        + "valid streams are STDIN, STDOUT and STDERR", 125, null);
            }
        }
        if (detach && !flags.isEmpty()) throw new EngineException("Conflicting options: -a and -d", 1, null);
        if (flags.isEmpty()) out = err = true;
        return new AttachStreams(in, out, err, !flags.isEmpty());
    }

    /**
     * Kept with the container (create and run): docker's Config.AttachStdin/Stdout/Stderr. They are what inspect
     * shows; docker's `start -a` attaches stdout and stderr whatever they say, and stdin only with `-i` on both.
     */
    void store(RunOptions o) {
        o.attachStdin = stdin;
        o.attachStdout = stdout;
        o.attachStderr = stderr;
    }

    /** inspect's Config fields about the streams, in docker's order. */
    static Map<String, Object> inspectConfig(RunOptions o) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("AttachStdin", o.attachStdin);
        c.put("AttachStdout", o.attachStdout);
        c.put("AttachStderr", o.attachStderr);
        c.put("Tty", o.tty);
        c.put("OpenStdin", o.interactive);
        c.put("StdinOnce", o.stdinOnce);
        return c;
    }

    /** docker prints the container's ID when neither of its output streams is attached. */
    boolean printsId() { return !stdout && !stderr; }

    /** Without -i or -t: the attached streams as they reach the container's log, until it has exited. */
    void printLog(dev.hako.engine.Engine engine, String id, PrintWriter callerOut, PrintWriter callerErr) {
        PrintWriter none = new PrintWriter(Writer.nullWriter());
        LifecycleCommands.printLog(engine, id, true, false, -1, null, null, stdout ? callerOut : none, stderr ? callerErr : none);
    }

    /** Where the container's stdout goes: the caller's stdout, or nowhere. */
    OutputStream out(PrintStream callerOut) { return stdout ? callerOut : OutputStream.nullOutputStream(); }

    /** Where the container's stderr goes: the caller's stderr (stdout with a terminal, which has one stream), or nowhere. */
    OutputStream err(PrintStream callerOut, PrintStream callerErr, boolean tty) {
        return !stderr ? OutputStream.nullOutputStream() : tty ? callerOut : callerErr;
    }
}
