package dev.hako.runtime.service;

import dev.hako.kernel.FdStreams;
import dev.hako.runtime.cli.Main;


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
        try (var io = CallerStreams.of(call.fds(), FdStreams.input(call.fds()[0]))) {
            try {
                return Main.run(call.args().toArray(String[]::new), io.out(), io.err(), io.in(), call.caller());
            } catch (Throwable t) {
                // what Main.run does not turn into an exit code (an Error): reported as the JVM would
                io.err().println("hako-runtime: " + t);
                return 1;
            }
        }
    }
}
