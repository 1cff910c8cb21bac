package dev.hako.runtime.service;

import dev.hako.kernel.FdStreams;
import dev.hako.runtime.cli.Main;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The runtime service: `hako-runtime` commands in a warm JVM ({@link CommandService}), started by the front-end
 * through bin/hako-runtime with HAKO_RUNTIME_SERVE=<socket>. Each runs the very CLI code of the plain path
 * ({@link Main#run}) with the caller's stdio, working directory and environment.
 */
public final class RuntimeService implements ServiceCommand {
    public static void main(String[] args) {
        CommandService.main(args, "HAKO_RUNTIME_SERVE", "HAKO_RUNTIME_SERVICE_IDLE", new RuntimeService());
    }

    @Override
    public String magic() { return "hako-runtime/1"; }

    @Override
    public int fdCount() { return 3; }

    @Override
    public int run(ServiceCall call) {
        int[] stdio = call.fds();
        PrintStream out = new PrintStream(FdStreams.output(stdio[1]), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(FdStreams.output(stdio[2]), false, StandardCharsets.UTF_8);
        InputStream in = FdStreams.input(stdio[0]);
        int code;
        try {
            code = Main.run(call.args().toArray(String[]::new), out, err, in, call.caller());
        } catch (Throwable t) {
            // what Main.run does not turn into an exit code (an Error): reported as the JVM would
            err.println("hako-runtime: " + t);
            code = 1;
        }
        out.flush();
        err.flush();
        out.close();
        err.close();
        try { in.close(); } catch (IOException ignored) { }
        return code;
    }
}
