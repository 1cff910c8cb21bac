package dev.hako.engine.network;

import dev.hako.engine.Engine;
import dev.hako.engine.EngineException;
import dev.hako.engine.EngineFixture;
import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.ContainerRecord;
import dev.hako.engine.logs.LogEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** Real containers on real CNI networks (bridge, host-local, portmap, firewall from /usr/lib/cni). */
class NetworkEngineTest {
    static final String PREFIX = "hako-test-net-";
    @TempDir static Path root;
    @TempDir static Path runRoot;
    static String image;
    /** this class's own default bridge and /24, so concurrent test runs don't share leases on one bridge */
    static String bridge;
    static int third;
    static final List<String> warnings = new ArrayList<>();
    static final List<String> userNets = new ArrayList<>();

    Engine engine;

    @BeforeAll
    static void importBusybox() throws Exception {
        image = EngineFixture.importBusybox(root, PREFIX, "CMD [\"sh\"]", "EXPOSE 80");
        third = 200 + ThreadLocalRandom.current().nextInt(40);
        bridge = "hkt" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    }

    @AfterAll
    static void removeBridges() throws Exception {
        host("ip", "link", "delete", bridge);
    }

    /** A host command whose failure doesn't matter; its output. */
    static String host(String... cmd) throws IOException, InterruptedException {
        var p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    Engine engine() {
        if (engine == null) {
            engine = new Engine(root, runRoot, warnings::add);
            engine.network().networks().useDefaults(new NetworkStore.Defaults(bridge, "10.89." + third + ".0/24"));
        }
        return engine;
    }

    @AfterEach
    void removeAll() {
        Engine e = engine();
        for (var v : e.list()) e.remove(v.record().id(), true);
        for (String n : userNets) {
            try {
                e.network().remove(n);
            } catch (EngineException x) {
                // not made by this test
            }
        }
        userNets.clear();
    }

    private NetworkInfo userNet(String subnet, boolean internal) {
        String name = PREFIX + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        userNets.add(name);
        return engine().network().networks().create(new NetworkStore.CreateRequest(name, "bridge", subnet, null, null,
                internal, java.util.Map.of(), java.util.Map.of()));
    }

    private ContainerRecord start(RunOptions o, String name) {
        ContainerRecord r = engine().create(image, name, o, false);
        engine().start(r.id());
        return r;
    }

    /** Runs to completion; its stdout. */
    private String output(RunOptions o) {
        ContainerRecord r = start(o, null);
        int code = engine().waitFor(r.id());
        String out = engine().log(r.id()).readAll().stream().map(LogEntry::log).collect(Collectors.joining());
        assertEquals(0, code, out);
        engine().remove(r.id(), true);
        return out;
    }

    private static RunOptions sh(String script) { return RunOptions.of(List.of("sh", "-c", script)); }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) { return s.getLocalPort(); }
    }

    private static String httpd() { return "mkdir -p /www && echo hello-from-hako > /www/index.html && exec httpd -f -p 80 -h /www"; }

    private static String get(String host, int port) throws Exception {
        Exception last = null;
        for (int i = 0; i < 100; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 1000);
                s.setSoTimeout(3000);
                s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String text = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (text.contains("hello-from-hako")) return text;
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no answer from " + host + ":" + port, last);
    }

    @Test
    void defaultNetworkPublishedPortAnswersOnLoopbackAndStopReleasesEverything() throws Exception {
        int port = freePort();
        RunOptions o = sh(httpd());
        o.publish = List.of("127.0.0.1:" + port + ":80");
        ContainerRecord r = start(o, null);
        NetworkState s = engine().network().state(r.id());
        assertNotNull(s);
        assertEquals(1, s.endpoints().size());
        assertTrue(s.endpoints().getFirst().ip().startsWith("10.89." + third + "."), s.toString());
        assertEquals("127.0.0.1:" + port + "->80/tcp", s.ports().getFirst().toString());
        assertTrue(get("127.0.0.1", port).contains("hello-from-hako"));
        String hosts = Files.readString(engine().store().dir(r.id()).resolve("hosts"));
        assertTrue(hosts.contains(s.endpoints().getFirst().ip() + "\t" + r.shortId()), hosts);
        engine().stop(r.id(), 1);
        assertNull(engine().network().state(r.id()));
        assertFalse(Files.exists(engine().network().netnsPath(r.id())));
        assertFalse(host("iptables-save").contains(r.id()), "rules left for " + r.id());
    }

    @Test
    void publishAllMapsExposedPortsToFreeHostPorts() throws Exception {
        RunOptions o = sh(httpd());
        o.publishAll = true;
        ContainerRecord r = start(o, null);
        PortMapping p = engine().network().state(r.id()).ports().getFirst();
        assertEquals(80, p.containerPort());
        assertTrue(p.hostPort() > 0);
        assertTrue(get("127.0.0.1", p.hostPort()).contains("hello-from-hako"));
    }

    @Test
    void twoContainersOnAUserNetworkTalkOverTcp() throws Exception {
        NetworkInfo n = userNet(null, false);
        RunOptions server = sh(httpd());
        server.networks = List.of(n.name());
        server.networkAliases = List.of("web-alias");
        String name = PREFIX + "srv-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        ContainerRecord srv = start(server, name);
        String ip = engine().network().state(srv.id()).endpoint(n.name()).ip();
        assertTrue(n.subnetCidr().contains(Ipv4Cidr.parseAddress(ip, ip)), ip + " in " + n.subnet());
        RunOptions client = sh("for i in $(seq 50); do wget -qO- http://" + ip + "/ && exit 0; sleep 0.1; done; exit 1");
        client.networks = List.of(n.name());
        assertTrue(output(client).contains("hello-from-hako"));
        // the resolver is the network's DNS responder at its gateway
        RunOptions resolv = sh("cat /etc/resolv.conf");
        resolv.networks = List.of(n.name());
        assertTrue(output(resolv).contains("nameserver " + n.gateway()));
    }

    @Test
    void containersFindEachOtherByNameThroughTheNetworksDnsResponder() throws Exception {
        NetworkInfo n = userNet(null, false);
        RunOptions server = sh(httpd());
        server.networks = List.of(n.name());
        server.networkAliases = List.of("web-alias");
        String name = PREFIX + "web-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        start(server, name);
        assertTrue(listensOn53(n.gateway()), "no DNS responder on " + n.gateway() + ":53");
        RunOptions client = sh("for i in $(seq 50); do wget -qO- http://" + name + "/ && wget -qO- http://web-alias/ && exit 0; sleep 0.1; done; exit 1");
        client.networks = List.of(n.name());
        assertTrue(output(client).contains("hello-from-hako"));
    }

    /** Whether a UDP socket is bound on ip:53 on the host (/proc/net/udp, or udp6 as an IPv4-mapped address). */
    static boolean listensOn53(String ip) throws IOException {
        int a = Ipv4Cidr.parseAddress(ip, ip);
        String hex = String.format("%08X:0035", Integer.reverseBytes(a));
        return Files.readString(Path.of("/proc/net/udp")).contains(" " + hex)
                || Files.readString(Path.of("/proc/net/udp6")).contains("0000000000000000FFFF0000" + hex);
    }

    @Test
    void noneHasOnlyLoopbackUp() {
        RunOptions o = sh("ip -o link; cat /sys/class/net/lo/flags");
        o.networks = List.of("none");
        String out = output(o);
        List<String> links = out.lines().filter(l -> l.matches("\\d+: .*")).toList();
        assertEquals(1, links.size(), out);
        assertTrue(links.getFirst().contains(": lo:") && links.getFirst().contains("UP"), out);
    }

    @Test
    void hostSeesTheHostsInterfaces() throws Exception {
        RunOptions o = sh("ip -o link; echo name=$(hostname)");
        o.networks = List.of("host");
        String out = output(o);
        assertTrue(out.contains("name=" + Files.readString(Path.of("/proc/sys/kernel/hostname")).strip() + "\n"),
                "the host's name, as docker: " + out);
        for (String l : host("ip", "-o", "link").lines().toList()) {
            String ifname = l.split(":")[1].trim().split("@")[0];
            if (ifname.equals("lo") || ifname.equals("eth0")) assertTrue(out.contains(": " + ifname), ifname + " missing:\n" + out);
        }
    }

    @Test
    void containerModeSharesTheNamespace() {
        ContainerRecord a = start(sh("sleep 30"), null);
        String ip = engine().network().state(a.id()).endpoints().getFirst().ip();
        // busybox ip exits 255 when its netlink dump is interrupted by a change (A's IPv6 address settling right
        // after its start, seen once under load): the dump is retried, as the output it printed was complete
        RunOptions o = sh("for i in 1 2 3; do ip -o addr && exit 0; sleep 0.2; done; exit 1");
        o.networks = List.of("container:" + a.id());
        assertTrue(output(o).contains(ip + "/"), "B does not see A's address " + ip);
    }

    @Test
    void internalNetworkHasNoRouteOut() {
        NetworkInfo n = userNet(null, true);
        RunOptions o = sh("ip route; ip -o addr");
        o.networks = List.of(n.name());
        String out = output(o);
        assertFalse(out.contains("default"), out);
        assertTrue(out.contains(n.subnet().substring(0, n.subnet().lastIndexOf('.'))), out);
    }

    @Test
    void fixedIpOnAUserNetwork() {
        NetworkInfo n = userNet(null, false);
        String want = Ipv4Cidr.format(n.subnetCidr().host(77));
        RunOptions o = sh("ip -o addr show eth0");
        o.networks = List.of(n.name());
        o.ip = want;
        assertTrue(output(o).contains(want + "/24"));
    }

    @Test
    void fiftyRunRmCyclesLeaveNothing() throws Exception {
                Engine e = engine(); // one engine for all lanes: its stores lock within the JVM, file locks across processes
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        // five lanes at once: concurrent attaches share the bridge, the IPAM leases and the locks
        try (var lanes = Executors.newFixedThreadPool(5)) {
            List<Future<?>> done = new ArrayList<>();
            for (int lane = 0; lane < 5; lane++) {
                done.add(lanes.submit(() -> {
                    for (int i = 0; i < 10; i++) {
                        RunOptions o = RunOptions.of(List.of("true"));
                        if (i % 5 == 0) o.publish = List.of("80");
                        ContainerRecord r = e.create(image, null, o, false);
                        ids.add(r.id());
                        e.start(r.id());
                        e.waitFor(r.id());
                        e.remove(r.id(), false);
                    }
                    return null;
                }));
            }
            for (var f : done) f.get();
        }
        assertEquals(50, ids.size());
        assertEquals("", host("ip", "-o", "link", "show", "master", bridge).trim(), "veths left on " + bridge);
        String rules = host("iptables-save") + host("iptables-save", "-t", "nat");
        for (String id : ids) assertFalse(rules.contains(id), "rules left for " + id);
        Path leases = runRoot.resolve("cni/ipam/" + NetworkStore.DEFAULT);
        try (var s = Files.list(leases)) {
            List<String> left = s.map(p -> p.getFileName().toString()).filter(f -> f.matches("[0-9.]+")).toList();
            assertEquals(List.of(), left, "leases left");
        }
        try (var s = Files.list(runRoot.resolve("netns"))) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).toList(), "netns files left");
        }
        assertEquals(List.of(), Files.list(runRoot.resolve("cni/results")).toList(), "cached results left");
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(runRoot.resolve("netns").toString()));
    }

    @Test
    void aCrashLeftAttachmentIsSweptByTheNextCommand() throws Exception {
        ContainerRecord r = start(sh("sleep 30"), null);
        Path ns = engine().network().netnsPath(r.id());
        assertTrue(Netns.mounted(ns));
        // the container dies with no hako around to detach it
        engine().kill(r.id(), "KILL");
        engine().waitFor(r.id());
        assertNotNull(engine().network().state(r.id()));
        new Engine(root, runRoot, warnings::add).list();
        assertNull(engine().network().state(r.id()));
        assertFalse(Files.exists(ns));
    }

    @Test
    void overlappingSubnetIsRefused() {
        NetworkInfo n = userNet(null, false);
        var e = assertThrows(EngineException.class, () -> userNet(n.subnet(), false));
        assertEquals("Pool overlaps with other one on this address space", e.getMessage());
    }

    @Test
    void portInUseIsRefusedAndNothingStays() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            RunOptions o = RunOptions.of(List.of("true"));
            o.publish = List.of("127.0.0.1:" + port + ":80");
            ContainerRecord r = engine().create(image, null, o, false);
            var e = assertThrows(EngineException.class, () -> engine().start(r.id()));
            assertEquals("Bind for 127.0.0.1:" + port + " failed: port is already allocated", e.getMessage());
            assertNull(engine().network().state(r.id()));
            assertFalse(Files.exists(engine().network().netnsPath(r.id())));
        }
    }

    /** Starts in several engines of one JVM (warm hako commands) asking for one host port: exactly one gets it. */
    @Test
    void oneHostPortGoesToExactlyOneOfConcurrentStarts() throws Exception {
        int port = freePort();
        var started = new ConcurrentLinkedQueue<String>();
        var refused = new ConcurrentLinkedQueue<String>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var go = new CountDownLatch(1);
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                all.add(pool.submit(() -> {
                    Engine own = new Engine(root, runRoot, warnings::add);
                    own.network().networks().useDefaults(new NetworkStore.Defaults(bridge, "10.89." + third + ".0/24"));
                    RunOptions o = RunOptions.of(List.of("sleep", "60"));
                    o.publish = List.of("127.0.0.1:" + port + ":80");
                    ContainerRecord r = own.create(image, null, o, false);
                    go.await();
                    try {
                        own.start(r.id());
                        started.add(r.id());
                    } catch (EngineException e) {
                        refused.add(e.getMessage());
                    }
                    return null;
                }));
            }
            go.countDown();
            for (var f : all) f.get(120, TimeUnit.SECONDS);
        }
        assertEquals(1, started.size(), "started: " + started + ", refused: " + refused);
        for (String m : refused) assertEquals("Bind for 127.0.0.1:" + port + " failed: port is already allocated", m);
    }

    @Test
    void unknownNetworkIsRefusedAtCreate() {
        RunOptions o = RunOptions.of(List.of("true"));
        o.networks = List.of(PREFIX + "nope");
        var e = assertThrows(EngineException.class, () -> engine().create(image, null, o, false));
        assertEquals("network " + PREFIX + "nope not found", e.getMessage());
        assertTrue(engine().list().isEmpty());
    }

    @Test
    void missingPluginNamesNetworkAndPluginAndLeavesNothing(@TempDir Path emptyCniDir) throws Exception {
        engine().network().setCniPath(emptyCniDir.toString());
        try {
            ContainerRecord r = engine().create(image, null, RunOptions.of(List.of("true")), false);
            var e = assertThrows(EngineException.class, () -> engine().start(r.id()));
            assertTrue(e.getMessage().contains("network " + NetworkStore.DEFAULT) && e.getMessage().contains("\"bridge\""), e.getMessage());
            assertNull(engine().network().state(r.id()));
            assertFalse(Files.exists(engine().network().netnsPath(r.id())));
        } finally {
            engine().network().setCniPath(NetworkManager.DEFAULT_CNI_PATH);
        }
    }

    @Test
    void aFailingPluginIsReportedWithItsMessageAndEverythingAddedIsDeleted() throws Exception {
        NetworkInfo n = userNet(null, false);
        RunOptions o = RunOptions.of(List.of("true"));
        o.networks = List.of(n.name());
        o.ip = Ipv4Cidr.format(n.subnetCidr().host(50));
        ContainerRecord a = start(sh("sleep 30"), null); // default network: unrelated, must stay
        ContainerRecord first = start(sh("sleep 30"), null);
        engine().network().connect(n.name(), first.id(), o.ip, List.of());
        ContainerRecord r = engine().create(image, null, o, false);
        // host-local refuses an address that is taken: the bridge plugin's veth must go again
        var e = assertThrows(EngineException.class, () -> engine().start(r.id()));
        assertTrue(e.getMessage().startsWith("network " + n.name() + ": plugin bridge failed (ADD): "), e.getMessage());
        assertNull(engine().network().state(r.id()));
        assertEquals(1, host("ip", "-o", "link", "show", "master", n.iface()).lines().count());
        assertNotNull(engine().network().state(a.id()));
    }
}
