package dev.hako.runtime.service;

import dev.hako.kernel.Errno;
import dev.hako.kernel.Fds;
import dev.hako.kernel.SyscallException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A command service: a warm JVM that runs the commands of a front-end (kernel/src/main/c/front/front.c), so a
 * command costs milliseconds instead of a JVM start. `hako-runtime` ({@link RuntimeService}) and `hako`
 * (the CLI service) each have one. It is a cache, not a daemon anything depends on: containers never descend
 * from it (the front-end spawns the executor), all state stays on disk, and it exits after {@link #idle}
 * without requests (or when its socket is removed or replaced). Started by the front-end through the
 * program's launcher (bin/hako-runtime, bin/hako) with an environment variable naming the socket.
 *
 * <p>Security: a path socket (never abstract, CVE-2020-15257), mode 0600 in a directory of ours with mode
 * 0700, and every peer must have our uid (SO_PEERCRED).
 */
public final class CommandService {
    private static final long POLL_MILLIS = 2000;

    private final Path socket;
    private final Duration idle;
    private final ServiceCommand command;
    private final AtomicInteger active = new AtomicInteger();
    private volatile long lastRequest = System.nanoTime();

    CommandService(Path socket, Duration idle, ServiceCommand command) {
        this.socket = socket;
        this.idle = idle;
        this.command = command;
    }

    /**
     * The service's main: serves on the socket named by {@code args[0]} or the environment variable
     * {@code socketVariable}, until idle for {@code idleVariable} seconds (default 10 minutes), then halts.
     */
    public static void main(String[] args, String socketVariable, String idleVariable, ServiceCommand command) {
        String name = command.magic().replaceAll("/.*", "");
        String path = args.length > 0 ? args[0] : System.getenv(socketVariable);
        if (path == null || path.isEmpty()) {
            System.err.println("usage: " + name + " service SOCKET (or " + socketVariable + "=SOCKET)");
            java.lang.Runtime.getRuntime().halt(2);
        }
        Duration idle = Duration.ofMinutes(10);
        String s = System.getenv(idleVariable);
        if (s != null && s.matches("[0-9]+")) idle = Duration.ofSeconds(Long.parseLong(s));
        int code;
        try {
            code = new CommandService(Path.of(path), idle, command).serve();
        } catch (RuntimeException | IOException e) {
            System.err.println(name + " service: " + e.getMessage());
            code = 1;
        }
        java.lang.Runtime.getRuntime().halt(code);
    }

    /** Serves until idle; returns the exit code. */
    int serve() throws IOException {
        Path dir = socket.toAbsolutePath().getParent();
        checkDir(dir);
        // A dead service's socket goes first. Clients refused in the moment before listen() wait on the
        // starter's lock (the front-end holds it until the socket answers), then connect.
        Files.deleteIfExists(socket);
        int listener = Fds.listenUnix(socket.toString(), 128, Fds.SOCK_SEQPACKET);
        Files.setPosixFilePermissions(socket, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        Object inode = Files.getAttribute(socket, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        Path pidFile = pidFile(socket);
        dev.hako.oci.AtomicFiles.write(pidFile, Long.toString(ProcessHandle.current().pid()).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        ServiceSockets.receiveTimeout(listener, POLL_MILLIS);
        int uid = ServiceSockets.geteuid();
        while (true) {
            int conn;
            try {
                conn = Fds.accept(listener);
            } catch (SyscallException e) {
                if (e.errno() != Errno.EAGAIN) throw e;
                if (!ours(inode)) break;   // removed or replaced: a newer service took over
                if (active.get() == 0 && System.nanoTime() - lastRequest > idle.toNanos()) {
                    Files.deleteIfExists(socket);
                    Files.deleteIfExists(pidFile);
                    break;
                }
                continue;
            }
            lastRequest = System.nanoTime();
            active.incrementAndGet();
            Thread.ofPlatform().name("service-request").start(() -> {
                try {
                    new ServiceRequest(conn, uid, command).handle();
                } finally {
                    lastRequest = System.nanoTime();
                    active.decrementAndGet();
                }
            });
        }
        // Clients that connected just before the socket went are still served (their connect succeeded).
        ServiceSockets.receiveTimeout(listener, 200);
        while (true) {
            try {
                int conn = Fds.accept(listener);
                active.incrementAndGet();
                Thread.ofPlatform().start(() -> {
                    try { new ServiceRequest(conn, uid, command).handle(); } finally { active.decrementAndGet(); }
                });
            } catch (SyscallException e) {
                break;
            }
        }
        Fds.close(listener);
        while (active.get() > 0) {
            try { Thread.sleep(50); } catch (InterruptedException e) { break; }
        }
        return 0;
    }

    /** Where the service's pid is written, next to its socket (for operators and tests). */
    static Path pidFile(Path socket) {
        String name = socket.getFileName().toString();
        return socket.resolveSibling((name.endsWith(".sock") ? name.substring(0, name.length() - 5) : name) + ".pid");
    }

    private boolean ours(Object inode) {
        try {
            return inode.equals(Files.getAttribute(socket, "unix:ino", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            return false;
        }
    }

    /** The socket's directory must be a real directory of ours that nobody else can enter. */
    static void checkDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) throw new IOException(dir + ": not a directory");
        int owner = ((Number) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).intValue();
        int mode = ((Number) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue();
        if (owner != ServiceSockets.geteuid() || (mode & 077) != 0)
            throw new IOException(dir + ": must be owned by uid " + ServiceSockets.geteuid() + " with mode 0700");
    }
}
