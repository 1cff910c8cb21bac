package dev.hako.engine.network.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The responder: one process for all networks (like aardvark-dns), answering on each network's listen address,
 * UDP and TCP port 53, in the host's network namespace. A query is answered from the names of the network whose
 * address it arrived on, so networks don't see each other's containers. It reloads the records when
 * {@link DnsResponders} bumps {@code <dnsDir>/_generation} (inotify via WatchService, plus a slow poll as a fallback),
 * retries addresses it could not bind yet, and exits when no network is left.
 */
final class DnsServer implements AutoCloseable {
    static final int PORT = 53;
    private static final int MAX_INFLIGHT = 256, MAX_TCP = 64, TCP_IDLE_MS = 10_000;

    private final Path dnsDir;
    private final Path resolvConf;
    private final int port;
    private final PrintStream log;
    private final Map<String, Listener> listeners = new HashMap<>(); // listen ip → sockets; reload thread only
    private volatile Map<String, QueryHandler.Names> names = Map.of();
    private volatile Upstreams upstreams = new Upstreams(List.of(), Upstreams.DEFAULT_TIMEOUT_MS);
    private FileTime resolvConfSeen, generationSeen;
    private final Map<String, String> bindErrors = new ConcurrentHashMap<>();
    private Set<String> excluded = Set.of();
    private volatile boolean closed;

    DnsServer(Path dnsDir, Path resolvConf, int port, PrintStream log) {
        this.dnsDir = dnsDir;
        this.resolvConf = resolvConf;
        this.port = port;
        this.log = log;
    }

    /** Serves until no network is left or {@link #close()}; returns normally in both cases. */
    void run() throws IOException, InterruptedException {
        try (WatchService watch = dnsDir.getFileSystem().newWatchService()) {
            dnsDir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            if (reload() == 0) {
                log.println("no networks with names in " + dnsDir + ": exiting");
                return;
            }
            long lastPoll = System.nanoTime();
            while (!closed) {
                var key = watch.poll(1, TimeUnit.SECONDS);
                boolean changed = false;
                if (key != null) {
                    Thread.sleep(10); // let a burst of events (temp file, rename) settle into one reload
                    for (var k = key; k != null; k = watch.poll()) {
                        k.pollEvents();
                        if (!k.reset()) {
                            log.println(dnsDir + " is gone: exiting");
                            return;
                        }
                    }
                    changed = true;
                } else if (System.nanoTime() - lastPoll > 5_000_000_000L) {
                    lastPoll = System.nanoTime();
                    changed = !Objects.equals(mtime(dnsDir.resolve(DnsResponders.GENERATION)), generationSeen)
                            || !Objects.equals(mtime(resolvConf), resolvConfSeen);
                }
                if ((changed || !bindErrors.isEmpty()) && !closed) {
                    if (reload() == 0) {
                        if (!closed) log.println("no networks with names left: exiting");
                        return;
                    }
                }
            }
        }
    }

    /** Reads every network's records, binds new addresses, closes dropped ones; the number of networks. */
    synchronized int reload() throws IOException {
        if (closed) return 0;
        generationSeen = mtime(dnsDir.resolve(DnsResponders.GENERATION));
        Map<String, List<NetworkRecords>> byListen = new HashMap<>();
        int networks = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(dnsDir)) {
            for (Path d : dirs) {
                String network = d.getFileName().toString();
                if (network.startsWith("_") || !Files.isDirectory(d)) continue;
                NetworkRecords r;
                try {
                    r = NetworkRecords.parse(network, Files.readString(d.resolve(NetworkRecords.FILE), StandardCharsets.UTF_8));
                } catch (NoSuchFileException e) {
                    continue;
                }
                if (r.listenIp() == null || r.entries().isEmpty()) continue;
                networks++;
                byListen.computeIfAbsent(r.listenIp(), _ -> new ArrayList<>()).add(r);
            }
        }
        Map<String, QueryHandler.Names> next = new HashMap<>();
        byListen.forEach((ip, rs) -> next.put(ip, QueryHandler.Names.of(rs)));
        names = Map.copyOf(next);

        for (var it = listeners.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!next.containsKey(e.getKey())) {
                e.getValue().close();
                it.remove();
                log.println(Instant.now() + " stopped listening on " + e.getKey() + ":" + port);
            }
        }
        bindErrors.keySet().retainAll(next.keySet());
        for (String ip : next.keySet()) {
            if (listeners.containsKey(ip)) continue;
            try {
                listeners.put(ip, new Listener(ip));
                bindErrors.remove(ip);
                log.println(Instant.now() + " listening on " + ip + ":" + port + " (udp, tcp)");
            } catch (IOException e) {
                String msg = e.toString();
                if (!msg.equals(bindErrors.put(ip, msg))) log.println(Instant.now() + " cannot listen on " + ip + ":" + port + ": " + msg + " (retrying)");
            }
        }
        FileTime rc = mtime(resolvConf);
        if (!Objects.equals(rc, resolvConfSeen) || !upstreamsExclude(next.keySet())) {
            resolvConfSeen = rc;
            String text;
            try {
                text = Files.readString(resolvConf, StandardCharsets.UTF_8);
            } catch (IOException e) {
                text = "";
                log.println("cannot read " + resolvConf + ": " + e + "; forwarding to 127.0.0.1");
            }
            upstreams = Upstreams.parse(text, next.keySet(), Upstreams.DEFAULT_TIMEOUT_MS);
            excluded = Set.copyOf(next.keySet());
            log.println(Instant.now() + " upstream resolvers: " + upstreams.servers());
        }
        return networks;
    }

    /** Whether the upstream list was made knowing all these listen addresses (so none of ours is in it). */
    private boolean upstreamsExclude(Set<String> listening) { return excluded.containsAll(listening); }

    private static FileTime mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return null;
        }
    }

    /** The addresses bound now (for tests and the log). */
    synchronized Set<String> listening() { return Set.copyOf(listeners.keySet()); }

    @Override
    public synchronized void close() {
        closed = true;
        for (Listener l : listeners.values()) l.close();
        listeners.clear();
    }

    private byte[] answer(String listenIp, byte[] query, int length, boolean tcp) {
        var outcome = QueryHandler.handle(query, length, names.getOrDefault(listenIp, QueryHandler.Names.EMPTY), tcp);
        return switch (outcome) {
            case QueryHandler.Reply r -> r.bytes();
            case QueryHandler.Drop _ -> null;
            case QueryHandler.Forward _ -> {
                byte[] a = upstreams.forward(query, length, tcp);
                yield a != null ? a : QueryHandler.servfail(query, length, tcp);
            }
        };
    }

    /**
     * The UDP and TCP sockets of one listen address, each served by a virtual thread. Limits are per address,
     * so a flood from one network's containers can't starve another network's.
     */
    private final class Listener {
        final String ip;
        final DatagramSocket udp;
        final ServerSocket tcp;
        final Semaphore inflight = new Semaphore(MAX_INFLIGHT), tcpConnections = new Semaphore(MAX_TCP);

        Listener(String ip) throws IOException {
            this.ip = ip;
            var addr = new InetSocketAddress(InetAddress.ofLiteral(ip), port);
            udp = new DatagramSocket(null);
            try {
                udp.bind(addr);
                tcp = new ServerSocket();
                try {
                    tcp.setReuseAddress(true); // a restarted responder must not wait for TIME_WAIT
                    tcp.bind(addr, 64);
                } catch (IOException e) {
                    tcp.close();
                    throw e;
                }
            } catch (IOException e) {
                udp.close();
                throw e;
            }
            Thread.ofVirtual().name("dns-udp-" + ip).start(this::serveUdp);
            Thread.ofVirtual().name("dns-tcp-" + ip).start(this::serveTcp);
        }

        void serveUdp() {
            byte[] buf = new byte[65535];
            while (!udp.isClosed()) {
                var p = new DatagramPacket(buf, buf.length);
                try {
                    udp.receive(p);
                } catch (IOException e) {
                    if (udp.isClosed()) return;
                    continue;
                }
                if (!inflight.tryAcquire()) continue; // flooded: drop, the client retries
                byte[] q = java.util.Arrays.copyOf(buf, p.getLength());
                var client = p.getSocketAddress();
                Thread.ofVirtual().start(() -> {
                    try {
                        byte[] a = answer(ip, q, q.length, false);
                        if (a != null) udp.send(new DatagramPacket(a, a.length, client));
                    } catch (IOException | RuntimeException e) {
                        // a client gone or a bug on one packet must not stop the responder
                        if (!(e instanceof IOException)) log.println("query failed: " + e);
                    } finally {
                        inflight.release();
                    }
                });
            }
        }

        void serveTcp() {
            while (!tcp.isClosed()) {
                Socket s;
                try {
                    s = tcp.accept();
                } catch (IOException e) {
                    if (tcp.isClosed()) return;
                    continue;
                }
                if (!tcpConnections.tryAcquire()) {
                    closeQuietly(s);
                    continue;
                }
                Thread.ofVirtual().start(() -> {
                    try (s) {
                        s.setSoTimeout(TCP_IDLE_MS);
                        var in = new DataInputStream(s.getInputStream());
                        var out = new DataOutputStream(s.getOutputStream());
                        while (true) {
                            int n = in.readUnsignedShort();
                            byte[] q = in.readNBytes(n);
                            if (q.length != n) return;
                            byte[] a = answer(ip, q, n, true);
                            if (a == null) return; // not a query: hang up
                            out.writeShort(a.length);
                            out.write(a);
                            out.flush();
                        }
                    } catch (EOFException | SocketTimeoutException e) {
                        // client done or idle
                    } catch (IOException | RuntimeException e) {
                        if (!(e instanceof IOException)) log.println("tcp query failed: " + e);
                    } finally {
                        tcpConnections.release();
                    }
                });
            }
        }

        void close() {
            udp.close();
            closeQuietly(tcp);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing
        }
    }
}
