package dev.hako.cli.container;

import dev.hako.cli.container.CliFixture.Result;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hako.oci.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;

/** `hako network …`, `hako port`, `run -p/--network` in-process against a temp root, with real CNI plugins. */
class NetworkCliTest {
    static final String PREFIX = "hako-test-netcli-";
    @TempDir static Path root;
    static String image;
    static final String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());

    static Result hako(String... args) { return CliFixture.hako(root, new byte[0], args); }

    static Result ok(String... args) {
        Result r = hako(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + "\n" + r);
        return r;
    }

    @BeforeAll
    static void importBusybox() throws Exception {
        image = CliFixture.importBusybox(root, PREFIX + tag + ":latest", List.of("CMD [\"sh\"]", "EXPOSE 80"));
    }

    @AfterAll
    static void removeAll() throws Exception {
        for (String id : hako("ps", "-a", "-q").out().split("\n")) if (!id.isBlank()) hako("rm", "-f", id.trim());
        for (String n : hako("network", "ls", "-q", "--filter", "name=" + PREFIX).out().split("\n"))
            if (!n.isBlank()) hako("network", "rm", n.trim());
    }

    static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new AssertionError(String.join(" ", cmd) + ": " + out);
        return out;
    }

    /** A /24 in 10.89.160-199 for this run (tests of several runs may share the host). */
    static String subnet(int offset) {
        return "10.89." + (160 + (Integer.parseInt(tag.substring(0, 2), 16) + offset) % 40) + ".0/24";
    }

    @Test
    void createListInspectRemove() throws Exception {
        String name = PREFIX + "a-" + tag;
        String id = ok("network", "create", "--subnet", subnet(0), "--ip-range", subnet(0).replace(".0/24", ".128/25"),
                "--label", "team=blue", name).out().trim();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        assertTrue(ok("network", "ls").out().contains(id.substring(0, 12) + "   " + name), hako("network", "ls").out());
        assertEquals(id.substring(0, 12) + "\n", ok("network", "ls", "-q", "--filter", "label=team=blue", "--filter", "name=" + name).out());
        JsonNode doc = Json.mapper().readTree(ok("network", "inspect", name).out()).get(0);
        assertEquals(subnet(0), doc.at("/IPAM/Config/0/Subnet").asText());
        assertEquals(subnet(0).replace(".0/24", ".1"), doc.at("/IPAM/Config/0/Gateway").asText());
        assertEquals(subnet(0).replace(".0/24", ".128/25"), doc.at("/IPAM/Config/0/IPRange").asText());
        assertEquals("blue", doc.at("/Labels/team").asText());
        assertEquals(name + "\n", ok("network", "inspect", "-f", "{{.Name}}", id.substring(0, 12)).out());

        Result overlap = hako("network", "create", "--subnet", subnet(0).replace(".0/24", ".64/26"), PREFIX + "b-" + tag);
        assertEquals(1, overlap.code(), overlap.toString());
        assertEquals("Error response from daemon: Pool overlaps with other one on this address space\n", overlap.err());

        // a container on it: its address is from the ip-range; rm is refused while it exists
        ok("run", "-d", "--name", PREFIX + "c-" + tag, "--network", name, image, "sleep", "30");
        JsonNode c = Json.mapper().readTree(ok("container", "inspect", PREFIX + "c-" + tag).out()).get(0);
        String ip = c.at("/NetworkSettings/Networks/" + name + "/IPAddress").asText();
        assertTrue(Integer.parseInt(ip.substring(ip.lastIndexOf('.') + 1)) >= 128, ip);
        assertTrue(ok("network", "inspect", name).out().contains("\"IPv4Address\": \"" + ip + "/24\""));
        Result inUse = hako("network", "rm", name);
        assertEquals(1, inUse.code());
        assertTrue(inUse.err().contains("has active endpoints"), inUse.err());
        ok("rm", "-f", PREFIX + "c-" + tag);

        assertEquals(name + "\n", ok("network", "rm", name).out());
        Result gone = hako("network", "inspect", name);
        assertEquals(1, gone.code());
        assertEquals("Error response from daemon: network " + name + " not found\n", gone.err());
    }

    @Test
    void publishedPortShowsInPsAndPortAndAnswers() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) { port = s.getLocalPort(); }
        String name = PREFIX + "web-" + tag;
        ok("run", "-d", "--name", name, "-p", "127.0.0.1:" + port + ":80", image, "sh", "-c",
                "mkdir -p /w && echo hello-cli > /w/index.html && exec httpd -f -p 80 -h /w");
        assertTrue(ok("ps").out().contains("127.0.0.1:" + port + "->80/tcp"), hako("ps").out());
        assertEquals("127.0.0.1:" + port + "\n", ok("port", name, "80").out());
        assertEquals("80/tcp -> 127.0.0.1:" + port + "\n", ok("port", name).out());
        assertEquals(1, hako("port", name, "81").code());
        String body = null;
        for (int i = 0; i < 100 && body == null; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                s.setSoTimeout(3000);
                s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String t = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (t.contains("hello-cli")) body = t;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        assertNotNull(body, "no answer on 127.0.0.1:" + port);
        // the same host port again: docker's error, and the new container is not left running
        Result busy = hako("run", "-d", "-p", "127.0.0.1:" + port + ":80", image, "true");
        assertEquals(125, busy.code(), busy.toString());
        assertTrue(busy.err().contains("Bind for 127.0.0.1:" + port + " failed: port is already allocated"), busy.err());
        ok("stop", "-t", "0", name);
        assertEquals("", ok("port", name).out());
        ok("rm", name);
    }

    @Test
    void runFlagsForNetworkModesDnsAndHosts() {
        Result none = ok("run", "--rm", "--network", "none", image, "sh", "-c", "ls /sys/class/net");
        assertEquals("lo\n", none.out());
        Result files = ok("run", "--rm", "--hostname", "box1", "--add-host", "db.local:10.1.2.3", "--dns", "10.9.9.9",
                "--dns-search", "example.test", "--dns-option", "ndots:2", image, "sh", "-c", "cat /etc/hosts /etc/resolv.conf; hostname");
        assertTrue(files.out().contains("10.1.2.3\tdb.local\n"), files.out());
        assertTrue(files.out().contains("\tbox1"), files.out());
        assertTrue(files.out().contains("nameserver 10.9.9.9\nsearch example.test\noptions ndots:2\n"), files.out());
        assertTrue(files.out().endsWith("box1\n"), files.out());
        Result unknown = hako("run", "--rm", "--network", PREFIX + "missing", image, "true");
        assertEquals(125, unknown.code());
        assertEquals("Error: network " + PREFIX + "missing not found\n", unknown.err());
    }

    @Test
    void connectDisconnectAndPrune() throws Exception {
        String net = PREFIX + "cd-" + tag;
        ok("network", "create", "--subnet", subnet(7), net);
        String unused = PREFIX + "unused-" + tag;
        ok("network", "create", "--subnet", subnet(8), unused);
        String name = PREFIX + "cc-" + tag;
        ok("run", "-d", "--name", name, image, "sleep", "30");
        ok("network", "connect", "--alias", "db", net, name);
        // (exec's output goes to the JVM's own stdout: a container sharing the namespace shows it instead)
        String addrs = ok("run", "--rm", "--network", "container:" + name, image, "ip", "-o", "-4", "addr").out();
        assertTrue(addrs.contains(": eth1 ") && addrs.contains(subnet(7).replace(".0/24", ".")), addrs);
        Result twice = hako("network", "connect", net, name);
        assertEquals(1, twice.code());
        ok("network", "disconnect", net, name);
        String after = ok("run", "--rm", "--network", "container:" + name, image, "ip", "-o", "-4", "addr").out();
        assertFalse(after.contains(": eth1 "), after);
        assertTrue(after.contains(": eth0 "), after);
        ok("rm", "-f", name);
        String pruned = ok("network", "prune", "-f", "--filter", "name=" + PREFIX).out();
        assertTrue(pruned.startsWith("Deleted Networks:\n") && pruned.contains(unused + "\n") && pruned.contains(net + "\n"), pruned);
        assertEquals("", ok("network", "ls", "-q", "--filter", "name=" + PREFIX).out());
    }
}
