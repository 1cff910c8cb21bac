package dev.hako.engine.network.dns;

import dev.hako.engine.EngineException;
import dev.hako.engine.network.dns.DnsMessage.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The responder for real: a test bridge with the listen addresses, a fake upstream resolver on another address of
 * it, and busybox nslookup (UDP) and a python client (TCP) as independent clients.
 */
class DnsRespondersTest {
    static String bridge, netns, prefix;
    static Path runRoot, resolvConf;
    static FakeUpstream upstream;

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (bridges, port 53)");
        bridge = "hkdns" + HexFormat.of().formatHex(new byte[]{(byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt()});
        String used = sh("ip", "-4", "addr") + sh("ip", "-4", "route", "show", "table", "all");
        int n = -1;
        for (int i = 0; i < 200 && n < 0; i++) {
            int c = 10 + ThreadLocalRandom.current().nextInt(240);
            if (!used.contains("10.211." + c + ".")) n = c;
        }
        assertTrue(n > 0, "no free 10.211.x.0/24");
        prefix = "10.211." + n + ".";
        run("ip", "link", "add", bridge, "type", "bridge");
        run("ip", "addr", "add", prefix + "1/24", "dev", bridge);   // network a's gateway
        run("ip", "addr", "add", prefix + "2/24", "dev", bridge);   // the fake upstream
        run("ip", "addr", "add", prefix + "3/24", "dev", bridge);   // network b's gateway
        run("ip", "link", "set", bridge, "up");
        // a "container": a netns with a veth on the bridge, so queries also arrive the way containers' do
        netns = bridge + "ns";
        run("ip", "netns", "add", netns);
        run("ip", "link", "add", bridge + "h", "type", "veth", "peer", "name", bridge + "c");
        run("ip", "link", "set", bridge + "h", "master", bridge, "up");
        run("ip", "link", "set", bridge + "c", "netns", netns);
        run("ip", "-n", netns, "addr", "add", prefix + "50/24", "dev", bridge + "c");
        run("ip", "-n", netns, "link", "set", bridge + "c", "up");
        run("ip", "-n", netns, "link", "set", "lo", "up");
        upstream = new FakeUpstream(prefix + "2");
        runRoot = Files.createTempDirectory("hkdns-run");
        resolvConf = runRoot.resolve("resolv.conf");
        Files.writeString(resolvConf, "search example.org\nnameserver " + prefix + "2\n");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (runRoot != null) {
            ProcessIdentity p = ProcessIdentity.read(runRoot.resolve("dns").resolve(DnsResponders.PID_FILE));
            if (p != null && p.alive()) ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
            run("rm", "-rf", runRoot.toString());
        }
        if (upstream != null) upstream.close();
        if (netns != null) run("ip", "netns", "del", netns); // takes the veth pair with it
        if (bridge != null) run("ip", "link", "del", bridge);
    }

    @Test
    void namesForwardingPtrTcpTwoNetworksRestartAndStop() throws Exception {
        var dns = new DnsResponders(runRoot, resolvConf);
        String a = prefix + "1", b = prefix + "3";
        dns.register("hkdns-a", a, "id-web", List.of("web", "0123456789ab", "frontend"), prefix + "5");
        long pid = dns.responderPid();
        assertTrue(pid > 0);
        dns.register("hkdns-a", a, "id-db", List.of("db"), prefix + "6");
        assertEquals(pid, dns.responderPid(), "the running responder reloads, no second process");

        // names, aliases, case, search domain: busybox nslookup asks A and AAAA over UDP
        assertAddress("web", a, prefix + "5");
        assertAddress("FrontEnd.dns.hako", a, prefix + "5");
        assertAddress("0123456789ab", a, prefix + "5");
        assertAddress("db", a, prefix + "6");
        String aaaa = nslookup("-type=aaaa", "web", a);
        assertTrue(aaaa.contains("Server:") && !aaaa.contains("Address: ") && !aaaa.contains("can't find"), "AAAA of a v4-only name: NOERROR, no answer:\n" + aaaa);
        assertTrue(nslookup("-type=ptr", "5." + reverse(prefix) + "in-addr.arpa", a).contains("name = web"));
        assertTrue(nslookup("nothere.dns.hako", a).contains("NXDOMAIN"));
        // from the container's netns, over the bridge
        String fromNetns = sh("ip", "netns", "exec", netns, "/bin/busybox", "nslookup", "web", a);
        assertTrue(fromNetns.contains("Address: " + prefix + "5\n"), fromNetns);

        // forwarding to the host's resolvers (the fake upstream): answers, NXDOMAIN, and SERVFAIL on timeout
        assertAddress("up.example", a, "192.0.2.77");
        assertTrue(nslookup("nope.example", a).contains("NXDOMAIN"));
        assertEquals("SERVFAIL", query("slow.example", a, "udp"), "upstream timeout: SERVFAIL (busybox would retry and time out)");
        // a forwarded PTR that is not a container's
        assertTrue(nslookup("-type=ptr", "77.2.0.192.in-addr.arpa", a).contains("name = up.example"));

        // TCP, with an independent client
        assertEquals("NOERROR " + prefix + "5", tcpQuery("web", a));
        assertEquals("NOERROR 192.0.2.77", tcpQuery("up.example", a), "forwarded over TCP");
        assertTrue(upstream.tcpQueries > 0, "a TCP query went upstream over TCP");

        // garbage over UDP and TCP doesn't hurt it
        var rnd = new java.util.Random(7);
        try (var g = new DatagramSocket()) {
            for (int i = 0; i < 200; i++) {
                byte[] junk = new byte[rnd.nextInt(100)];
                rnd.nextBytes(junk);
                g.send(new DatagramPacket(junk, junk.length, new InetSocketAddress(InetAddress.ofLiteral(a), 53)));
            }
        }
        try (var t = new Socket(InetAddress.ofLiteral(a), 53)) {
            t.getOutputStream().write(new byte[]{0, 30, 1, 2, 3, (byte) 0xC0, 0x0C, 0, 0, 0, 0});
            t.shutdownOutput();
            t.setSoTimeout(10_000);
            t.getInputStream().readAllBytes();
        }
        assertEquals("NOERROR " + prefix + "6", query("db", a, "udp"));

        // a second network: its own listen address, its own names, same process
        dns.register("hkdns-b", b, "id-cache", List.of("cache"), prefix + "7");
        assertEquals(pid, dns.responderPid());
        assertAddress("cache", b, prefix + "7");
        assertTrue(nslookup("cache", a).contains("NXDOMAIN"), "network a does not see network b's names");
        assertTrue(nslookup("web.dns.hako", b).contains("NXDOMAIN"), "network b does not see network a's names");

        // detached: its own session, not ours, so ctrl-c in our terminal doesn't reach it
        assertNotEquals(field(ProcessHandle.current().pid(), 6), field(pid, 6), "session id");
        System.out.println("responder RSS: " + Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith("VmRSS")).findFirst().orElse("?"));

        // concurrent registrations from two instances (like two hako processes) all land
        var other = new DnsResponders(runRoot, resolvConf);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int k = i;
            threads.add(Thread.ofPlatform().start(() -> (k % 2 == 0 ? dns : other)
                    .register("hkdns-a", a, "id-w" + k, List.of("worker" + k), prefix + (20 + k))));
        }
        for (Thread t : threads) t.join();
        for (int i = 0; i < 6; i++) assertEquals("NOERROR " + prefix + (20 + i), tcpQuery("worker" + i, a));

        // the responder killed -9: the next register starts a new one that knows every name
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        waitUntil(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertEquals(-1, dns.responderPid());
        dns.register("hkdns-a", a, "id-late", List.of("late"), prefix + "8");
        long pid2 = dns.responderPid();
        assertTrue(pid2 > 0 && pid2 != pid);
        assertAddress("web", a, prefix + "5");
        assertAddress("cache", b, prefix + "7");
        dns.ensureRunning();
        assertEquals(pid2, dns.responderPid(), "ensureRunning leaves a running responder alone");
        // killed again: ensureRunning (what the engine calls after a crash) brings it back
        ProcessHandle.of(pid2).orElseThrow().destroyForcibly();
        waitUntil(() -> !ProcessHandle.of(pid2).map(ProcessHandle::isAlive).orElse(false));
        dns.ensureRunning();
        long pid3 = dns.responderPid();
        assertTrue(pid3 > 0 && pid3 != pid2);
        assertAddress("late", a, prefix + "8");
        assertAddress("cache", b, prefix + "7");

        // unregister: the name goes (now forwarded upstream: NXDOMAIN), the others stay
        dns.unregister("hkdns-a", "id-db");
        waitUntil(() -> nslookup("db", a).contains("NXDOMAIN"));
        assertAddress("web", a, prefix + "5");
        dns.unregister("hkdns-a", "no-such-container"); // idempotent
        dns.unregister("hkdns-b", "id-cache");
        assertFalse(Files.exists(runRoot.resolve("dns/hkdns-b")), "an empty network's records are removed");
        assertEquals(pid3, dns.responderPid(), "still serving network a");
        waitUntil(() -> !listening(b));

        for (String id : List.of("id-web", "id-late", "id-w0", "id-w1", "id-w2", "id-w3", "id-w4")) dns.unregister("hkdns-a", id);
        assertEquals(pid3, dns.responderPid());
        dns.unregister("hkdns-a", "id-w5"); // the last name of the last network
        assertEquals(-1, dns.responderPid());
        assertEquals(-1, ProcessIdentity.startTime(pid3), "responder process gone (or a zombie until our JVM reaps its child)");
        waitUntil(() -> !ProcessHandle.of(pid3).map(ProcessHandle::isAlive).orElse(false));
        assertFalse(Files.exists(runRoot.resolve("dns/hkdns-a")));
        // the sockets are free again
        try (var u = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral(a), 53));
             var t = new ServerSocket()) {
            t.setReuseAddress(true);
            t.bind(new InetSocketAddress(InetAddress.ofLiteral(a), 53));
        }
    }

    @Test
    void theResponderSurvivesItsCallersExitAndCtrlC() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        // the caller leads its own process group, as a shell's foreground job does; ctrl-c signals that group
        Process caller = new ProcessBuilder("/usr/bin/setsid", java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Caller.class.getName(), runRoot.toString(), resolvConf.toString(), prefix + "1", prefix + "11")
                .redirectErrorStream(true).start();
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(caller.getInputStream()));
        String line = out.readLine();
        assertEquals("registered", line);
        var dns = new DnsResponders(runRoot, resolvConf);
        long pid = dns.responderPid();
        assertTrue(pid > 0);
        run("kill", "-INT", "--", "-" + caller.pid());
        assertTrue(caller.waitFor(20, TimeUnit.SECONDS), "the caller exits on ctrl-c");
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the responder does not");
        assertAddress("survivor", prefix + "1", prefix + "11");
        dns.unregister("hkdns-s", "id-s");
        assertEquals(-1, dns.responderPid());
    }

    /** Registers a name, says so, then waits to be interrupted. */
    public static final class Caller {
        public static void main(String[] args) throws Exception {
            new DnsResponders(Path.of(args[0]), Path.of(args[1])).register("hkdns-s", args[2], "id-s", List.of("survivor"), args[3]);
            System.out.println("registered");
            System.out.flush();
            Thread.sleep(60_000);
        }
    }

    @Test
    void anAddressItCannotListenOnFailsClearlyAndLeavesNothing() throws Exception {
        var dns = new DnsResponders(runRoot, resolvConf, 53, 3000);
        String nowhere = prefix.replace("10.211.", "10.212.") + "1"; // on no interface
        var e = assertThrows(EngineException.class, () -> dns.register("hkdns-x", nowhere, "id-x", List.of("x"), prefix + "9"));
        assertTrue(e.getMessage().contains(nowhere + ":53"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot listen"), "the log's bind error is in the message: " + e.getMessage());
        assertFalse(Files.exists(runRoot.resolve("dns/hkdns-x")), "no records left behind");
        assertEquals(-1, dns.responderPid(), "no responder left without names");
        assertThrows(IllegalArgumentException.class, () -> dns.register("hkdns-x", "10.0.0", "id", List.of("x"), prefix + "9"));
        assertThrows(IllegalArgumentException.class, () -> dns.register("../x", prefix + "1", "id", List.of("x"), prefix + "9"));
        assertThrows(IllegalArgumentException.class, () -> dns.register("hkdns-x", prefix + "1", "id", List.of("bad name"), prefix + "9"));
    }

    // ---- clients

    static void assertAddress(String name, String server, String expected) throws Exception {
        String out = nslookup(name, server);
        assertTrue(out.contains("Address: " + expected + "\n"), name + " via " + server + " should be " + expected + ":\n" + out);
    }

    static String nslookup(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/bin/busybox", "nslookup"));
        cmd.addAll(List.of(args));
        return sh(cmd.toArray(String[]::new));
    }

    static String tcpQuery(String name, String server) throws Exception { return query(name, server, "tcp"); }

    /** An A query over "udp" or "tcp" by a python client that shares no code with ours: "RCODE ADDR ...". */
    static String query(String name, String server, String proto) throws Exception {
        String py = """
                import socket, struct, sys
                name, server, proto = sys.argv[1], sys.argv[2], sys.argv[3]
                q = struct.pack('>HHHHHH', 0x5151, 0x0100, 1, 0, 0, 0)
                q += b''.join(bytes([len(l)]) + l.encode() for l in name.split('.')) + b'\\0' + struct.pack('>HH', 1, 1)
                if proto == 'udp':
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.settimeout(10)
                    s.sendto(q, (server, 53))
                    r = s.recv(65535)
                else:
                    s = socket.create_connection((server, 53), timeout=10)
                    s.sendall(struct.pack('>H', len(q)) + q)
                    def rd(n):
                        b = b''
                        while len(b) < n:
                            c = s.recv(n - len(b))
                            if not c: raise SystemExit('eof')
                            b += c
                        return b
                    r = rd(struct.unpack('>H', rd(2))[0])
                qid, fl, qd, an, ns, ar = struct.unpack('>HHHHHH', r[:12])
                assert qid == 0x5151
                p = 12
                while r[p] != 0: p += r[p] + 1
                p += 5
                out = []
                for i in range(an):
                    if r[p] & 0xc0 == 0xc0: p += 2
                    else:
                        while r[p] != 0: p += r[p] + 1
                        p += 1
                    t, c, ttl, l = struct.unpack('>HHIH', r[p:p + 10]); p += 10
                    if t == 1: out.append('.'.join(str(x) for x in r[p:p + 4]))
                    p += l
                print(['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'][fl & 15], ' '.join(out))
                """;
        return sh("/usr/bin/python3", "-c", py, name, server, proto).trim();
    }

    static boolean listening(String ip) {
        try (var s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.ofLiteral(ip), 53), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- helpers

    static String reverse(String prefix) {
        String[] p = prefix.split("\\.");
        return p[2] + "." + p[1] + "." + p[0] + ".";
    }

    static String field(long pid, int n) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[n - 3];
    }

    interface Check { boolean ok() throws Exception; }

    static void waitUntil(Check c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!c.ok()) {
            assertTrue(System.nanoTime() < deadline, "condition not reached in 15s");
            Thread.sleep(50);
        }
    }

    static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }

    static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + ": " + out);
    }

    /**
     * The host's resolver, faked: up.example → 192.0.2.77 (and its PTR), slow.example never answered,
     * everything else NXDOMAIN; UDP and TCP.
     */
    static final class FakeUpstream implements AutoCloseable {
        final DatagramSocket udp;
        final ServerSocket tcp;
        volatile int tcpQueries;

        FakeUpstream(String ip) throws IOException {
            var addr = new InetSocketAddress(InetAddress.ofLiteral(ip), 53);
            udp = new DatagramSocket(addr);
            tcp = new ServerSocket();
            tcp.setReuseAddress(true);
            tcp.bind(addr);
            Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[4096];
                while (!udp.isClosed()) {
                    try {
                        var p = new DatagramPacket(buf, buf.length);
                        udp.receive(p);
                        byte[] a = answer(buf, p.getLength());
                        if (a != null) udp.send(new DatagramPacket(a, a.length, p.getSocketAddress()));
                    } catch (Exception e) {
                        // closed
                    }
                }
            });
            Thread.ofVirtual().start(() -> {
                while (!tcp.isClosed()) {
                    try (Socket s = tcp.accept()) {
                        tcpQueries++;
                        var in = new java.io.DataInputStream(s.getInputStream());
                        byte[] q = in.readNBytes(in.readUnsignedShort());
                        byte[] a = answer(q, q.length);
                        if (a == null) continue;
                        var out = new java.io.DataOutputStream(s.getOutputStream());
                        out.writeShort(a.length);
                        out.write(a);
                        out.flush();
                    } catch (Exception e) {
                        // closed
                    }
                }
            });
        }

        static byte[] answer(byte[] b, int len) throws Exception {
            DnsMessage q = DnsMessage.decode(b, len);
            var question = q.questions().getFirst();
            String n = question.name().toLowerCase();
            if (n.equals("slow.example")) return null;
            List<Resource> answers = new ArrayList<>();
            int rcode = DnsMessage.NXDOMAIN;
            if (n.equals("up.example")) {
                rcode = 0;
                if (question.type() == DnsMessage.TYPE_A) answers.add(new Resource(question.name(), 1, 1, 60, new byte[]{(byte) 192, 0, 2, 77}));
            } else if (n.equals("77.2.0.192.in-addr.arpa")) {
                rcode = 0;
                answers.add(new Resource(question.name(), DnsMessage.TYPE_PTR, 1, 60, DnsMessage.encodeName("up.example")));
            }
            return new DnsMessage(q.id(), DnsMessage.QR | DnsMessage.RA | (q.flags() & DnsMessage.RD) | rcode, q.questions(), answers,
                    List.of(), List.of()).encode();
        }

        @Override
        public void close() throws IOException {
            udp.close();
            tcp.close();
        }
    }
}
