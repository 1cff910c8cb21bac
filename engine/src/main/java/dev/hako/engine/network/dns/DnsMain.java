package dev.hako.engine.network.dns;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The responder process: {@code DnsMain <runRoot>/dns [--resolv-conf PATH] [--port N]}. Started detached by
 * {@link DnsResponders} in its own session, with stdio to {@code _responder.log}. It holds
 * {@code _responder.lock} while alive, so a second copy exits at once, and writes {@code _responder.pid}
 * (pid and kernel start time, the identity {@link DnsResponders} checks before signalling it).
 */
public final class DnsMain {
    private DnsMain() { }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: DnsMain DNS_DIR [--resolv-conf PATH] [--port N]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Path resolvConf = Path.of("/etc/resolv.conf");
        int port = DnsServer.PORT;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--resolv-conf" -> resolvConf = Path.of(args[i + 1]);
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        // A POSIX (fcntl) lock is right here, unlike hako's store locks (kernel's LockFile, flock): only responders
        // take this file, each alone in its own JVM, and the responder's class path is the engine's classes alone.
        try (FileChannel lockFile = FileChannel.open(dir.resolve(DnsResponders.RESPONDER_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                System.out.println("another responder holds " + dir.resolve(DnsResponders.RESPONDER_LOCK) + ": exiting");
                return;
            }
            long pid = ProcessHandle.current().pid();
            ProcessIdentity self = ProcessIdentity.of(pid);
            var server = new DnsServer(dir, resolvConf, port, System.out);
            Path pidFile = dir.resolve(DnsResponders.PID_FILE);
            // The pid file stays after exit: it still names us until we are gone (DnsResponders waits on that),
            // and a stale one is recognised by its start time.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                System.out.println("responder " + pid + " stopped");
            }));
            self.write(pidFile);
            System.out.println("responder " + pid + " started for " + dir);
            server.run();
        } catch (IOException e) {
            System.out.println("responder failed: " + e);
            System.exit(1);
        }
        System.exit(0); // runs the shutdown hook: closes the sockets
    }
}
