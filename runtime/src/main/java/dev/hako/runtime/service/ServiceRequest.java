package dev.hako.runtime.service;

import dev.hako.kernel.Fds;
import dev.hako.kernel.exec.Spawner;
import dev.hako.runtime.cli.Caller;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One command from a front-end: checks the peer, reads argv/cwd/env and the fds, acknowledges, runs the
 * {@link ServiceCommand} for that caller, and sends the exit code. The executor is spawned through the
 * front-end ({@link RemoteSpawner}). If the front-end goes away (killed), the link's hang-up actions run and
 * the command's thread is interrupted, as the plain JVM would have died.
 */
final class ServiceRequest {
    private static final int MAX_REQUEST = 256 * 1024;

    private final int conn;
    private final int uid;
    private final ServiceCommand command;

    ServiceRequest(int conn, int uid, ServiceCommand command) {
        this.conn = conn;
        this.uid = uid;
        this.command = command;
    }

    void handle() {
        int[] fds = new int[0];
        try {
            var cred = ServiceSockets.peerCred(conn);
            if (cred.uid() != uid) return;   // only our own uid's processes may run commands here
            Fds.Message m = Fds.receive(conn, MAX_REQUEST);
            fds = m.fds();
            List<String> f = ServiceSockets.decode(m.data());
            Request r = f == null || fds.length != command.fdCount() ? null : Request.parse(f, cred.pid(), command.magic());
            if (r == null) return;
            Fds.send(conn, ServiceSockets.encode("ack"));
            int[] given = fds;
            fds = new int[0];   // the command's now: it closes them
            int code = run(r, given);
            Fds.send(conn, ServiceSockets.encode("exit", Integer.toString(code)));
        } catch (RuntimeException e) {
            // the front-end is gone or broke the protocol: nothing to report to
        } finally {
            for (int fd : fds) closeQuietly(fd);
            closeQuietly(conn);
        }
    }

    private int run(Request r, int[] fds) {
        ServiceLink link = new ServiceLink(conn);
        Thread commandThread = Thread.currentThread();
        var done = new AtomicBoolean();
        Thread watcher = Thread.ofPlatform().daemon().name("service-hangup").start(() -> {
            while (!done.get()) {
                if (ServiceSockets.awaitHangup(conn, 1000)) {
                    if (!done.get()) {
                        link.hungUp();
                        commandThread.interrupt();
                    }
                    return;
                }
            }
        });
        try {
            return ScopedValue.where(Spawner.CURRENT, new RemoteSpawner(conn))
                    .call(() -> command.run(new ServiceCall(r.args(), r.caller(), fds, link)));
        } catch (Throwable t) {
            return 1;   // the command reports its own errors; this is only what escaped it
        } finally {
            done.set(true);
            watcher.interrupt();
            Thread.interrupted();
        }
    }

    private static void closeQuietly(int fd) {
        try {
            Fds.close(fd);
        } catch (RuntimeException ignored) {
            // already closed
        }
    }

    /** A parsed request: the arguments after argv[0], and who asked (cwd, umask, env, pid). */
    record Request(List<String> args, Caller caller) {
        static Request parse(List<String> f, int pid, String magic) {
            try {
                if (!f.getFirst().equals(magic)) return null;
                String cwd = f.get(1);
                if (!f.get(2).matches("[0-7]{1,4}")) return null;
                int umask = Integer.parseInt(f.get(2), 8) & 0777;
                int argc = Integer.parseInt(f.get(3));
                List<String> args = List.copyOf(f.subList(4, 4 + argc));
                int envc = Integer.parseInt(f.get(4 + argc));
                if (f.size() != 5 + argc + envc || !cwd.startsWith("/")) return null;
                Map<String, String> env = new HashMap<>();
                for (String e : f.subList(5 + argc, f.size())) {
                    int eq = e.indexOf('=');
                    if (eq > 0) env.put(e.substring(0, eq), e.substring(eq + 1));
                }
                return new Request(args, new Caller(Path.of(cwd), Map.copyOf(env), pid, umask));
            } catch (RuntimeException e) {
                return null;
            }
        }
    }
}
