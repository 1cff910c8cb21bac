package dev.hako.engine.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.engine.EngineException;
import dev.hako.oci.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Pure logic: -p parsing, CIDR arithmetic, resolv.conf, conflists; the CNI protocol against script plugins. */
class NetworkLogicTest {
    @Test
    void publishSpecs() {
        assertEquals(List.of(new PortMapping("", 0, 0, 80, "tcp")), PortMapping.parse("80"));
        assertEquals(List.of(new PortMapping("", 8080, 0, 80, "tcp")), PortMapping.parse("8080:80"));
        assertEquals(List.of(new PortMapping("127.0.0.1", 8080, 0, 80, "udp")), PortMapping.parse("127.0.0.1:8080:80/udp"));
        assertEquals(List.of(new PortMapping("127.0.0.1", 0, 0, 80, "tcp")), PortMapping.parse("127.0.0.1::80"));
        assertEquals(List.of(new PortMapping("", 9000, 0, 90, "tcp"), new PortMapping("", 9001, 0, 91, "tcp")), PortMapping.parse("9000-9001:90-91"));
        assertEquals(List.of(new PortMapping("", 9000, 9010, 90, "tcp")), PortMapping.parse("0.0.0.0:9000-9010:90"));
        assertEquals("0.0.0.0:8080->80/tcp", PortMapping.parse("8080:80").getFirst().toString());
        assertThrows(EngineException.class, () -> PortMapping.parse("9000-9002:90-91"));
        assertThrows(EngineException.class, () -> PortMapping.parse("70000:80"));
        assertThrows(EngineException.class, () -> PortMapping.parse("80/icmp"));
        assertThrows(EngineException.class, () -> PortMapping.parse("1.2.3:80:80"));
    }

    @Test
    void cidrs() {
        Ipv4Cidr c = Ipv4Cidr.parse("10.89.3.7/24");
        assertEquals("10.89.3.0/24", c.network().toString());
        assertEquals("10.89.3.1", Ipv4Cidr.format(c.host(1)));
        assertEquals("10.89.3.254", Ipv4Cidr.format(c.lastHost()));
        assertTrue(c.overlaps(Ipv4Cidr.parse("10.89.0.0/16")));
        assertTrue(Ipv4Cidr.parse("10.89.3.128/25").overlaps(c));
        assertFalse(c.overlaps(Ipv4Cidr.parse("10.89.4.0/24")));
        assertTrue(c.contains(Ipv4Cidr.parse("10.89.3.128/25")));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Cidr.parse("10.89.3.0"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Cidr.parse("10.89.3.256/24"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Cidr.parse("10.89.3.0/33"));
    }

    @Test
    void resolvConfRules() {
        List<String> host = List.of("# generated", "nameserver 127.0.0.53", "nameserver 192.0.2.53", "search corp.example", "options edns0");
        assertEquals("# generated\nnameserver 192.0.2.53\nsearch corp.example\noptions edns0\n",
                EtcFiles.resolvConf(host, List.of(), List.of(), List.of(), null, true));
        assertEquals("# generated\nnameserver 10.89.5.1\nsearch corp.example\noptions edns0\n",
                EtcFiles.resolvConf(host, List.of(), List.of(), List.of(), "10.89.5.1", true));
        assertEquals("# generated\nnameserver 1.1.1.1\nsearch a.test b.test\noptions ndots:3\n",
                EtcFiles.resolvConf(host, List.of("1.1.1.1"), List.of("a.test", "b.test"), List.of("ndots:3"), "10.89.5.1", true));
        assertEquals("nameserver 8.8.8.8\nnameserver 8.8.4.4\n", EtcFiles.resolvConf(List.of("nameserver 127.0.0.53"), List.of(), List.of(), List.of(), null, true));
        assertEquals("nameserver 127.0.0.53\n", EtcFiles.resolvConf(List.of("nameserver 127.0.0.53"), List.of(), List.of(), List.of(), null, false));
    }

    @Test
    void addHostEntries() {
        assertEquals("10.1.2.3\tdb", NetworkManager.hostEntry("db:10.1.2.3"));
        assertEquals("::1\tv6", NetworkManager.hostEntry("v6:[::1]"));
        assertThrows(EngineException.class, () -> NetworkManager.hostEntry("nocolon"));
        assertThrows(EngineException.class, () -> NetworkManager.hostEntry("x:not an ip"));
    }

    @Test
    void conflistsPerDriver() {
        var bridge = new NetworkInfo("n1", "a".repeat(64), "t", "bridge", "hk-aaaaaaaaaaaa", "10.89.9.0/24", "10.89.9.1",
                "10.89.9.128/25", false, Map.of(), Map.of());
        ObjectNode c = NetworkStore.conflistOf(bridge);
        assertEquals(List.of("bridge", "portmap", "firewall", "tuning"), types(c));
        JsonNode b = c.at("/plugins/0");
        assertTrue(b.path("ipMasq").asBoolean());
        assertEquals("10.89.9.128", b.at("/ipam/ranges/0/0/rangeStart").asText());
        assertEquals("10.89.9.254", b.at("/ipam/ranges/0/0/rangeEnd").asText());
        assertEquals("0.0.0.0/0", b.at("/ipam/routes/0/dst").asText());
        var internal = new NetworkInfo("n2", "b".repeat(64), "t", "bridge", "hk-b", "10.89.8.0/24", "10.89.8.1", null, true, Map.of(), Map.of());
        JsonNode i = NetworkStore.conflistOf(internal).at("/plugins/0");
        assertFalse(i.path("ipMasq").asBoolean());
        assertEquals(0, i.at("/ipam/routes").size());
        var mac = new NetworkInfo("n3", "c".repeat(64), "t", "macvlan", "eth0", "10.89.7.0/24", "10.89.7.1", null, false, Map.of(), Map.of());
        ObjectNode m = NetworkStore.conflistOf(mac);
        assertEquals(List.of("macvlan", "tuning"), types(m));
        assertEquals("eth0", m.at("/plugins/0/master").asText());
    }

    private static List<String> types(ObjectNode c) {
        return java.util.stream.StreamSupport.stream(c.withArray("plugins").spliterator(), false).map(p -> p.path("type").asText()).toList();
    }

    /** A plugin written as a shell script: records its env and stdin, then answers what {@code body} prints. */
    private static void plugin(Path dir, String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\nin=$(cat)\necho \"$CNI_COMMAND $CNI_CONTAINERID $CNI_IFNAME $CNI_NETNS $CNI_PATH|$in\" >> " + dir.resolve("calls") + "\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void chainPassesPrevResultCachesForDelAndReportsErrors(@TempDir Path dir) throws Exception {
        String result = "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.5/24\",\"gateway\":\"10.0.0.1\"}]}";
        plugin(dir, "first", "[ \"$CNI_COMMAND\" = ADD ] && echo '" + result + "'; exit 0");
        plugin(dir, "second", "[ \"$CNI_COMMAND\" = ADD ] && echo \"$in\" | grep -q prevResult && echo '" + result + "'; exit 0");
        ObjectNode conf = (ObjectNode) Json.mapper().readTree("{\"cniVersion\":\"1.0.0\",\"name\":\"t\",\"plugins\":["
                + "{\"type\":\"first\",\"capabilities\":{\"portMappings\":true}},{\"type\":\"second\"}]}");
        var inv = new CniInvoker(List.of(dir), dir.resolve("cache"));
        var a = new CniInvoker.Attachment("cid1", "/run/netns/x", "eth0", "IgnoreUnknown=1");
        ObjectNode rc = Json.mapper().createObjectNode();
        rc.putArray("portMappings").addObject().put("hostPort", 8080);
        JsonNode r = inv.add(conf, a, rc);
        assertEquals("10.0.0.5/24", r.at("/ips/0/address").asText());
        assertNotNull(inv.readCache("t", a));
        inv.del(conf, a);
        assertNull(inv.readCache("t", a));
        List<String> calls = Files.readAllLines(dir.resolve("calls"));
        assertEquals(4, calls.size(), calls.toString());
        assertTrue(calls.get(0).startsWith("ADD cid1 eth0 /run/netns/x " + dir + "|") && calls.get(0).contains("\"runtimeConfig\""), calls.get(0));
        assertFalse(calls.get(1).contains("runtimeConfig"), "second declares no capability: " + calls.get(1));
        assertTrue(calls.get(2).startsWith("DEL") && calls.get(2).contains("second") && calls.get(2).contains("prevResult"), calls.get(2));
        assertTrue(calls.get(3).startsWith("DEL") && calls.get(3).contains("first") && calls.get(3).contains("8080"), calls.get(3));

        plugin(dir, "broken", "[ \"$CNI_COMMAND\" = ADD ] && { echo '{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"try again\",\"details\":\"busy\"}'; exit 1; }; exit 0");
        ObjectNode bad = (ObjectNode) Json.mapper().readTree("{\"cniVersion\":\"1.0.0\",\"name\":\"t2\",\"plugins\":[{\"type\":\"first\"},{\"type\":\"broken\"}]}");
        Files.delete(dir.resolve("calls"));
        var e = assertThrows(CniException.class, () -> inv.add(bad, a, null));
        assertEquals("network t2: plugin broken failed (ADD): try again: busy", e.getMessage());
        assertEquals(11, e.cniCode());
        // what was added is deleted again, in reverse
        List<String> after = Files.readAllLines(dir.resolve("calls")).stream().map(l -> l.substring(0, 3)).toList();
        assertEquals(List.of("ADD", "ADD", "DEL", "DEL"), after);
        assertNull(inv.readCache("t2", a));

        var missing = assertThrows(CniException.class, () -> inv.add((ObjectNode) Json.mapper().readTree(
                "{\"cniVersion\":\"1.0.0\",\"name\":\"t3\",\"plugins\":[{\"type\":\"nosuch\"}]}"), a, null));
        assertEquals("network t3: failed to find plugin \"nosuch\" in path [" + dir + "]", missing.getMessage());
    }

    @Test
    void versionOfTheRealBridgePlugin() {
        var inv = new CniInvoker(List.of(Path.of("/usr/lib/cni")), Path.of("/nonexistent"));
        assertTrue(inv.versions("t", "bridge").contains("1.0.0"));
    }
}
