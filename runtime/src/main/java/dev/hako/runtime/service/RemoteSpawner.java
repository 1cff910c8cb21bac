package dev.hako.runtime.service;

import dev.hako.kernel.Errno;
import dev.hako.kernel.Fds;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.exec.LaunchException;
import dev.hako.kernel.exec.Spawner;

import java.util.ArrayList;
import java.util.List;

/**
 * Spawns the executor through the front-end that sent the command, so it is that process's child (and the
 * container init its descendant), as when `hako-runtime` is a JVM of its own. LOCAL fds travel with the
 * request (SCM_RIGHTS); CALLER fds are the front-end's own (its stdio, --preserve-fds).
 */
final class RemoteSpawner implements Spawner {
    private final int conn;

    RemoteSpawner(int conn) { this.conn = conn; }

    @Override
    public boolean local() { return false; }

    @Override
    public int spawn(String path, List<String> argv, List<FdAction> actions, int closeFrom) {
        List<String> f = new ArrayList<>(List.of("spawn", path, Integer.toString(closeFrom), Integer.toString(argv.size())));
        f.addAll(argv);
        f.add(Integer.toString(actions.size()));
        List<Integer> fds = new ArrayList<>();
        for (FdAction a : actions) {
            f.add(Integer.toString(a.target()));
            switch (a.kind()) {
                case LOCAL -> { f.add("L"); f.add(Integer.toString(fds.size())); fds.add(a.fd()); }
                case NULL -> { f.add("N"); f.add("-1"); }
                case CALLER -> { f.add("C"); f.add(Integer.toString(a.fd())); }
            }
        }
        Fds.send(conn, ServiceSockets.encode(f), fds.stream().mapToInt(Integer::intValue).toArray());
        List<String> reply = reply("spawn");
        if (reply.getFirst().equals("pid")) return Integer.parseInt(reply.get(1));
        int errno = Integer.parseInt(reply.get(1));
        if (errno == Errno.EBADF) throw new LaunchException("spawn", null, Errno.EBADF, "fd to pass to the executor is not open");
        throw new SyscallException("posix_spawn", path, errno);
    }

    @Override
    public int waitChild(int pid) {
        Fds.send(conn, ServiceSockets.encode("wait", Integer.toString(pid)));
        List<String> reply = reply("wait");
        if (reply.getFirst().equals("status")) return Integer.parseInt(reply.get(1));
        throw new SyscallException("waitpid", Integer.toString(pid), Integer.parseInt(reply.get(1)));
    }

    private List<String> reply(String what) {
        Fds.Message m = Fds.receive(conn, 4096);
        for (int fd : m.fds()) Fds.close(fd);
        List<String> f = ServiceSockets.decode(m.data());
        if (f == null || f.size() != 2 || !List.of("pid", "status", "error").contains(f.getFirst()))
            throw new SyscallException(what, "the hako-runtime front-end", m.eof() ? Errno.EPIPE : Errno.EIO);
        return f;
    }
}
