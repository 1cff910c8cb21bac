package dev.hako.cli.service;

import dev.hako.cli.Host;
import dev.hako.cli.Main;
import dev.hako.kernel.FdStreams;
import dev.hako.kernel.Fds;
import dev.hako.kernel.Tty;
import dev.hako.runtime.service.CallerStreams;
import dev.hako.runtime.service.CommandService;
import dev.hako.runtime.service.ServiceCall;
import dev.hako.runtime.service.ServiceCommand;
import dev.hako.runtime.service.ServiceLink;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CLI service: `hako` commands in a warm JVM ({@link CommandService}), started by the front-end
 * (kernel/src/main/c/front/front.c built as hako-cli-front) through bin/hako with HAKO_SERVE=<socket>. Each runs
 * the very code of the plain path ({@link Main#run}) for the caller: its stdio, working directory, environment
 * and terminal; containers and their monitors are spawned by the front-end, so they descend from the caller.
 *
 * <p>The request carries a 4th fd, the read end of a pipe on which the front-end writes the number of each
 * signal it was asked to catch ("catch" N): that is how docker's sig-proxy and SIGWINCH reach the command.
 * Signals not caught keep their default action in the front-end: it dies, and the command is interrupted (its
 * kill hooks run first), as the plain JVM would have died.
 */
public final class CliService implements ServiceCommand {
    public static void main(String[] args) {
        CommandService.main(args, "HAKO_SERVE", "HAKO_SERVICE_IDLE", new CliService());
    }

    @Override
    public String magic() { return "hako/1"; }

    @Override
    public int fdCount() { return 4; }

    @Override
    public int run(ServiceCall call) {
        int[] fds = call.fds();
        var signals = new ForwardedSignals(call.link(), fds[3]);
        // a reader of the caller's stdin left behind (attach's stdin thread) must stop with the command
        try (var io = CallerStreams.of(fds, FdStreams.closableInput(fds[0]))) {
            boolean tty = Tty.isatty(fds[1]);
            var host = new Host(call.caller(), fds[0], fds[1], signals);
            int width = Main.Terminal.width(call.caller().env().get("COLUMNS"), tty ? fds[1] : -1);
            try {
                return Main.run(call.args().toArray(String[]::new), new Main.Terminal(io.out(), io.err(), io.in(), tty, width, host));
            } catch (Throwable t) {
                io.err().println("Error: " + t);
                return 1;
            }
        } finally {
            signals.close();
        }
    }

    /** The caller's signals as the front-end forwards them. */
    static final class ForwardedSignals implements Host.Signals {
        private final ServiceLink link;
        private final int pipe;
        private final Map<Integer, Runnable> actions = new ConcurrentHashMap<>();
        private Thread reader;

        ForwardedSignals(ServiceLink link, int pipe) {
            this.link = link;
            this.pipe = pipe;
        }

        @Override
        public synchronized void onSignal(String name, Runnable action) {
            int number = dev.hako.runtime.cli.Signals.parse(name);
            actions.put(number, action);
            if (reader == null) reader = Thread.ofPlatform().daemon().name("hako-signals").start(this::dispatch);
            link.send("catch", Integer.toString(number));
        }

        @Override
        public AutoCloseable onKill(Runnable action) { return link.onHangup(action); }

        /** One byte per signal; EOF when the front-end exits (it holds the write end until then). */
        private void dispatch() {
            try (InputStream in = FdStreams.input(pipe)) {
                for (int b; (b = in.read()) >= 0; ) {
                    Runnable a = actions.get(b);
                    if (a != null) Thread.ofVirtual().start(a);
                }
            } catch (IOException | RuntimeException e) {
                // the front-end is gone
            }
        }

        /** The command is done: no more signals for it. The reader closes the pipe at EOF; without one, we do. */
        synchronized void close() {
            actions.clear();
            if (reader == null) {
                try { Fds.close(pipe); } catch (RuntimeException ignored) { }
            }
        }
    }
}
