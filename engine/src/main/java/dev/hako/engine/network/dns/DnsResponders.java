package dev.hako.engine.network.dns;

import dev.hako.engine.EngineException;
import dev.hako.kernel.fs.ReentrantFileLock;
import dev.hako.oci.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Container names on user-defined networks, answered by hako's DNS responder (as docker's embedded DNS or
 * podman's aardvark-dns). Records live in {@code <runRoot>/dns/<network>/records}, written atomically under the
 * file lock {@code <runRoot>/dns/_lock}, so concurrent hako processes are safe.
 * <p>
 * One responder process serves all networks, each on its own listen address: one small JVM however many
 * networks there are, paid for once, and networks still can't resolve each other's names (see {@link DnsServer}).
 * {@link #register} starts it when it is not running and waits until it answers the new name; {@link #unregister}
 * of the last name of the last network stops it.
 */
public final class DnsResponders {
    static final String LOCK = "_lock", GENERATION = "_generation", PID_FILE = "_responder.pid",
            RESPONDER_LOCK = "_responder.lock", LOG = "_responder.log";
    private static final long START_TIMEOUT_MS = 20_000, STOP_TIMEOUT_MS = 5_000, LOG_ROTATE_BYTES = 1 << 20;
    /** A small heap, serial GC, C1 only: the responder holds a few maps and answers small packets. */
    static final List<String> JVM_FLAGS = List.of("-Xmx16m", "-Xms4m", "-Xss256k", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-XX:ReservedCodeCacheSize=8m",
            "-XX:MaxMetaspaceSize=32m", "-XX:-UsePerfData", "-Xshare:auto");

    private final Path dir;
    private final Path resolvConf;
    private final int port;
    private final long answerTimeoutMs;
    private final ReentrantFileLock lock;   // an flock: other instances of this JVM and other processes wait on it

    public DnsResponders(Path runRoot) { this(runRoot, Path.of("/etc/resolv.conf")); }

    /** @param resolvConf where the responder finds the upstream resolvers (tests point it at a fake one) */
    public DnsResponders(Path runRoot, Path resolvConf) { this(runRoot, resolvConf, DnsServer.PORT); }

    DnsResponders(Path runRoot, Path resolvConf, int port) { this(runRoot, resolvConf, port, START_TIMEOUT_MS); }

    /** @param answerTimeoutMs how long {@link #register} waits for the responder to answer the new name */
    DnsResponders(Path runRoot, Path resolvConf, int port, long answerTimeoutMs) {
        this.dir = runRoot.resolve("dns");
        this.lock = new ReentrantFileLock(dir.resolve(LOCK));
        this.resolvConf = resolvConf;
        this.port = port;
        this.answerTimeoutMs = answerTimeoutMs;
    }

    /** names (container name, short id, aliases) → ipv4 on that network; ensures its responder listens on listenIp:53 */
    public void register(String network, String listenIp, String containerId, List<String> names, String ipv4) {
        register(network, listenIp, containerId, names, ipv4, true);
    }

    /**
     * As {@link #register(String, String, String, List, String)}; {@code forwardUpstream} false is for internal
     * networks (docker's --internal): names not on the network get SERVFAIL instead of going to the host's resolvers.
     */
    public void register(String network, String listenIp, String containerId, List<String> names, String ipv4, boolean forwardUpstream) {
        NetworkRecords.checkNetwork(network);
        NetworkRecords.ipv4("DNS listen address", listenIp);
        NetworkRecords.ipv4("container address", ipv4);
        NetworkRecords.checkToken("container id", containerId);
        if (names == null || names.isEmpty()) throw new IllegalArgumentException("no names to register for container " + containerId);
        try (var _ = lock()) {
            NetworkRecords before = read(network);
            NetworkRecords after = (before != null ? before : new NetworkRecords(network, listenIp, List.of()))
                    .with(listenIp, containerId, names, ipv4).withForward(forwardUpstream);
            write(after);
            try {
                ensureAnswering(listenIp, after.entries().getLast().names().getFirst(), ipv4);
            } catch (RuntimeException e) {
                // leave nothing half-made: the records as they were, and no responder without names
                if (before == null) remove(network);
                else write(before);
                if (!anyNetwork()) stop();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("register DNS names on network " + network + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** forgets the container's names on that network; stops the responder when the network has none left */
    public void unregister(String network, String containerId) {
        NetworkRecords.checkNetwork(network);
        try (var _ = lock()) {
            NetworkRecords before = read(network);
            if (before != null) {
                NetworkRecords after = before.without(containerId);
                if (after.entries().isEmpty()) remove(network);
                else if (after.entries().size() != before.entries().size()) write(after);
            }
            if (!anyNetwork()) stop();
        } catch (IOException e) {
            throw new UncheckedIOException("unregister DNS names on network " + network + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts the responder again if names are registered but it is not running (killed, crashed); a no-op
     * otherwise. For the engine to call when it finds containers running after such an event.
     */
    public void ensureRunning() {
        try (var _ = lock()) {
            ProcessIdentity p = ProcessIdentity.read(dir.resolve(PID_FILE));
            if (p != null && p.alive()) return;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path d : ds) {
                    String network = d.getFileName().toString();
                    if (network.startsWith("_") || !Files.isDirectory(d)) continue;
                    NetworkRecords r = read(network);
                    if (r == null || r.listenIp() == null) continue;
                    var first = r.entries().getFirst();
                    ensureAnswering(r.listenIp(), first.names().getFirst(), first.ipv4()); // the first one starts it
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("restart the DNS responder in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The running responder's pid, or -1 (for tests and `hako` diagnostics). */
    public long responderPid() {
        ProcessIdentity p = ProcessIdentity.read(dir.resolve(PID_FILE));
        return p != null && p.alive() ? p.pid() : -1;
    }

    // ---- records

    private NetworkRecords read(String network) throws IOException {
        try {
            NetworkRecords r = NetworkRecords.parse(network, Files.readString(dir.resolve(network).resolve(NetworkRecords.FILE), StandardCharsets.UTF_8));
            return r.entries().isEmpty() ? null : r;
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private void write(NetworkRecords r) {
        AtomicFiles.write(dir.resolve(r.network()).resolve(NetworkRecords.FILE), r.format().getBytes(StandardCharsets.UTF_8));
        bumpGeneration();
    }

    private void remove(String network) throws IOException {
        Path d = dir.resolve(network);
        Files.deleteIfExists(d.resolve(NetworkRecords.FILE));
        if (Files.isDirectory(d)) {
            try (DirectoryStream<Path> left = Files.newDirectoryStream(d)) {
                for (Path p : left) Files.deleteIfExists(p); // temp files of a writer killed mid-write
            }
            Files.deleteIfExists(d);
        }
        bumpGeneration();
    }

    private boolean anyNetwork() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path d : ds) if (!d.getFileName().toString().startsWith("_") && Files.exists(d.resolve(NetworkRecords.FILE))) return true;
        }
        return false;
    }

    /** Tells the responder to reload: it watches this file's directory. */
    private void bumpGeneration() {
        AtomicFiles.write(dir.resolve(GENERATION), (System.nanoTime() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private ReentrantFileLock.Held lock() throws IOException {
        Files.createDirectories(dir);
        return lock.lock();
    }

    // ---- the responder process

    /** Starts the responder if needed and waits until it answers {@code name} with {@code ipv4} on listenIp. */
    private void ensureAnswering(String listenIp, String name, String ipv4) {
        String why = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            ProcessIdentity p = ProcessIdentity.read(dir.resolve(PID_FILE));
            if (p == null || !p.alive()) p = start();
            long deadline = System.nanoTime() + answerTimeoutMs * 1_000_000L;
            while (System.nanoTime() < deadline) {
                if (answers(listenIp, name, ipv4)) return;
                if (!p.alive()) {
                    // it may have exited on seeing no names in a race with a concurrent unregister: start again
                    why = "exited";
                    break;
                }
                sleep(20);
            }
            if (p.alive()) {
                why = "did not answer within " + answerTimeoutMs / 1000 + "s";
                break;
            }
        }
        throw new EngineException("DNS responder for " + listenIp + ":" + port + " " + why + "; its log "
                + dir.resolve(LOG) + " says: " + logTail());
    }

    /** Spawns the responder in a new session (no terminal signals, survives our exit) and returns once it wrote its pid. */
    private ProcessIdentity start() {
        Path log = dir.resolve(LOG);
        try {
            if (Files.exists(log) && Files.size(log) > LOG_ROTATE_BYTES) Files.move(log, dir.resolve(LOG + ".1"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException ignored) {
            // keep appending
        }
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) cmd.add("/usr/bin/setsid");
        cmd.add(javaBinary());
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(List.of("-cp", classPath(), DnsMain.class.getName(), dir.toString(),
                "--resolv-conf", resolvConf.toString(), "--port", Integer.toString(port)));
        Process proc;
        try {
            proc = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new EngineException("start DNS responder " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT_MS * 1_000_000L;
        while (System.nanoTime() < deadline) {
            ProcessIdentity p = ProcessIdentity.read(dir.resolve(PID_FILE));
            if (p != null && p.pid() == proc.pid() && p.alive()) return p;
            if (!proc.isAlive())
                throw new EngineException("DNS responder exited with status " + proc.exitValue() + " at start; its log " + log + " says: " + logTail());
            sleep(10);
        }
        proc.destroyForcibly();
        throw new EngineException("DNS responder did not start within " + START_TIMEOUT_MS / 1000 + "s; its log " + log + " says: " + logTail());
    }

    /** SIGTERM, then SIGKILL after a grace period; only the process the pid file names, with its start time. */
    private void stop() {
        Path pidFile = dir.resolve(PID_FILE);
        ProcessIdentity p = ProcessIdentity.read(pidFile);
        if (p != null && p.alive()) {
            ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroy);
            long deadline = System.nanoTime() + STOP_TIMEOUT_MS * 1_000_000L;
            while (p.alive() && System.nanoTime() < deadline) sleep(10);
            if (p.alive()) {
                ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
                while (p.alive()) sleep(10);
            }
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // a stale pid file is recognised by its start time
        }
    }

    /** One UDP A query: does listenIp answer name with ipv4? */
    private boolean answers(String listenIp, String name, String ipv4) {
        try (var s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(InetAddress.ofLiteral(listenIp), port));
            s.setSoTimeout(200);
            int id = ThreadLocalRandom.current().nextInt(0x10000);
            // with EDNS, so a name on many containers (DNS round-robin) still fits in the answer
            byte[] q = new DnsMessage(id, DnsMessage.RD, List.of(new DnsMessage.Question(name, DnsMessage.TYPE_A, DnsMessage.CLASS_IN)),
                    List.of(), List.of(), List.of(new DnsMessage.Resource("", DnsMessage.TYPE_OPT, QueryHandler.UDP_EDNS_MAX, 0, new byte[0]))).encode();
            s.send(new DatagramPacket(q, q.length));
            byte[] buf = new byte[4096];
            var pkt = new DatagramPacket(buf, buf.length);
            s.receive(pkt);
            DnsMessage a = DnsMessage.decode(buf, pkt.getLength());
            if (a.id() != id) return false;
            byte[] want = NetworkRecords.ipv4("address", ipv4).getAddress();
            for (var r : a.answers()) if (r.type() == DnsMessage.TYPE_A && java.util.Arrays.equals(r.rdata(), want)) return true;
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException | DnsMessage.DnsFormatException e) {
            return false; // ECONNREFUSED (nothing bound yet) and the like
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve(LOG), StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The java running us (same JDK for the responder). */
    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .filter(c -> c.endsWith("/java"))
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * Where our own classes are (the engine jar or classes dir): the responder needs nothing else, and a path
     * that outlives us (a test's surefire booter jar does not). Falls back to the whole class path.
     */
    static String classPath() {
        try {
            var src = DnsResponders.class.getProtectionDomain().getCodeSource();
            if (src != null) {
                Path p = Path.of(src.getLocation().toURI());
                if (Files.exists(p)) return p.toString();
            }
        } catch (Exception ignored) {
            // fall back
        }
        return System.getProperty("java.class.path");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted waiting for the DNS responder", e);
        }
    }
}
