package dev.hako.engine.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.engine.EngineException;
import dev.hako.kernel.fs.ReentrantFileLock;
import dev.hako.oci.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The networks: {@code <root>/networks/<name>.conflist} (the CNI configuration list the plugins get) and
 * {@code <name>.json} ({@link NetworkInfo}). The default network {@value #DEFAULT} (docker calls it bridge) is
 * made on first use. The host-local IPAM data dir is not in the conflist: the manager points it at the run root
 * when it invokes the plugins (leases die with the netns they were for).
 */
public final class NetworkStore {
    public static final String DEFAULT = "hako";
    private static final ObjectMapper M = Json.mapper();
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    /** user networks get a /24 from here when --subnet is not given (docker's default pools are 172.17+) */
    private static final Ipv4Cidr POOL = Ipv4Cidr.parse("10.89.0.0/16");

    /** The default network's bridge and subnet (tests use their own, so they don't share the host's hako0). */
    public record Defaults(String bridge, String subnet) {
        /** hako0, 10.89.0.0/24; the system property hako.defaultNetwork=BRIDGE,SUBNET (tests) replaces them */
        public static Defaults standard() {
            String p = System.getProperty("hako.defaultNetwork");
            if (p != null && p.contains(",")) return new Defaults(p.substring(0, p.indexOf(',')), p.substring(p.indexOf(',') + 1));
            return new Defaults("hako0", "10.89.0.0/24");
        }
    }

    /** What `network create` asks for; null/empty: not given. */
    public record CreateRequest(String name, String driver, String subnet, String gateway, String ipRange,
                                boolean internal, Map<String, String> labels, Map<String, String> options) {}

    private final Path dir;
    private Defaults defaults;
    private final ReentrantFileLock lock;   // an flock: other stores of this JVM and other processes wait on it

    public NetworkStore(Path root, Defaults defaults) {
        this.dir = root.resolve("networks");
        this.lock = new ReentrantFileLock(dir.resolve(".lock"));
        this.defaults = defaults;
    }

    public Path dir() { return dir; }

    /** The bridge and subnet of the default network when it gets made (before first use). */
    public void useDefaults(Defaults d) { this.defaults = d; }

    // ---- reading

    public List<NetworkInfo> list() {
        ensureDefault();
        List<NetworkInfo> out = new ArrayList<>();
        try (var s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String f = p.getFileName().toString();
                if (!f.endsWith(".json") || f.startsWith(".")) continue;
                try {
                    out.add(Json.read(p, NetworkInfo.class));
                } catch (RuntimeException e) {
                    // a torn file from a crash: not a network
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("list " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** By name, "bridge" (the default's docker name), full id or unique id prefix; docker's error otherwise. */
    public NetworkInfo get(String ref) {
        NetworkInfo n = find(ref);
        if (n == null) throw new EngineException("network " + ref + " not found", 1, null);
        return n;
    }

    public NetworkInfo find(String ref) {
        String name = ref.equals("bridge") ? DEFAULT : ref;
        if (name.equals(DEFAULT)) ensureDefault();
        if (NAME.matcher(name).matches()) {
            Path f = dir.resolve(name + ".json");
            if (Files.exists(f)) return Json.read(f, NetworkInfo.class);
        }
        if (ref.length() >= 1 && ref.matches("[0-9a-f]+")) {
            NetworkInfo found = null;
            for (NetworkInfo n : list()) {
                if (n.id().startsWith(ref)) {
                    if (found != null) throw new EngineException("network " + ref + " is ambiguous", 1, null);
                    found = n;
                }
            }
            return found;
        }
        return null;
    }

    /** The conflist the plugins get (without the IPAM data dir, which the manager adds). */
    public ObjectNode conflist(NetworkInfo n) {
        try {
            return (ObjectNode) M.readTree(dir.resolve(n.name() + ".conflist").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("read " + dir.resolve(n.name() + ".conflist") + ": " + e.getMessage(), e);
        }
    }

    // ---- changing

    public NetworkInfo ensureDefault() {
        Path f = dir.resolve(DEFAULT + ".json");
        if (Files.exists(f)) return Json.read(f, NetworkInfo.class);
        try (var l = lock()) {
            if (Files.exists(f)) return Json.read(f, NetworkInfo.class);
            Ipv4Cidr subnet = Ipv4Cidr.parse(defaults.subnet()).network();
            var info = new NetworkInfo(DEFAULT, newId(), Instant.now().toString(), "bridge", defaults.bridge(), subnet.toString(),
                    Ipv4Cidr.format(subnet.host(1)), null, false, Map.of(), Map.of());
            write(info);
            return info;
        }
    }

    public NetworkInfo create(CreateRequest req) {
        String name = req.name();
        if (name == null || !NAME.matcher(name).matches())
            throw new EngineException("invalid network name \"" + name + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", 1, null);
        if (name.equals("bridge") || name.equals("host") || name.equals("none") || name.equals(DEFAULT))
            throw new EngineException("network with name " + name + " already exists", 1, null);
        String driver = req.driver() == null || req.driver().isEmpty() ? "bridge" : req.driver();
        if (!List.of("bridge", "macvlan", "ipvlan").contains(driver))
            throw new EngineException("plugin \"" + driver + "\" not found: hako supports the bridge, macvlan and ipvlan drivers", 1, null);
        String parent = req.options().get("parent");
        if (!driver.equals("bridge") && (parent == null || parent.isEmpty()))
            throw new EngineException(driver + " networks need the parent interface: -o parent=<host interface>", 1, null);
        if (!driver.equals("bridge") && !Files.exists(Path.of("/sys/class/net", parent)))
            throw new EngineException("invalid subinterface vlan name " + parent + ": no such host interface", 1, null);
        ensureDefault();
        try (var l = lock()) {
            if (Files.exists(dir.resolve(name + ".json"))) throw new EngineException("network with name " + name + " already exists", 1, null);
            List<NetworkInfo> existing = list();
            Ipv4Cidr subnet;
            if (req.subnet() != null && !req.subnet().isEmpty()) {
                try {
                    subnet = Ipv4Cidr.parse(req.subnet());
                } catch (IllegalArgumentException e) {
                    throw new EngineException("invalid subnet " + req.subnet() + ": " + e.getMessage(), 1, e);
                }
                if (subnet.prefix() > 30) throw new EngineException("invalid subnet " + req.subnet() + ": too small for a network", 1, null);
                if (!subnet.network().equals(subnet)) subnet = subnet.network();
                for (NetworkInfo n : existing)
                    if (n.subnetCidr().overlaps(subnet)) throw new EngineException("Pool overlaps with other one on this address space", 1, null);
            } else {
                subnet = allocate(existing);
            }
            int gw;
            if (req.gateway() != null && !req.gateway().isEmpty()) {
                try {
                    gw = Ipv4Cidr.parseAddress(req.gateway(), req.gateway());
                } catch (IllegalArgumentException e) {
                    throw new EngineException("invalid gateway " + req.gateway() + ": " + e.getMessage(), 1, e);
                }
                if (!subnet.contains(gw)) throw new EngineException("no matching subnet for gateway " + req.gateway(), 1, null);
            } else {
                gw = subnet.host(1);
            }
            String ipRange = null;
            if (req.ipRange() != null && !req.ipRange().isEmpty()) {
                Ipv4Cidr r;
                try {
                    r = Ipv4Cidr.parse(req.ipRange());
                } catch (IllegalArgumentException e) {
                    throw new EngineException("invalid ip-range " + req.ipRange() + ": " + e.getMessage(), 1, e);
                }
                if (!subnet.contains(r)) throw new EngineException("no matching subnet for range " + req.ipRange(), 1, null);
                ipRange = r.network().toString();
            }
            String id = newId();
            String iface = driver.equals("bridge") ? "hk-" + id.substring(0, 12) : parent;
            var info = new NetworkInfo(name, id, Instant.now().toString(), driver, iface, subnet.toString(),
                    Ipv4Cidr.format(gw), ipRange, req.internal(), req.labels(), req.options());
            write(info);
            return info;
        }
    }

    public void remove(NetworkInfo n) {
        try (var l = lock()) {
            Files.deleteIfExists(dir.resolve(n.name() + ".conflist"));
            Files.deleteIfExists(dir.resolve(n.name() + ".json"));
        } catch (IOException e) {
            throw new UncheckedIOException("remove network " + n.name() + " from " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The first /24 of the pool used neither by a network here nor by a route on the host (docker checks routes too). */
    private Ipv4Cidr allocate(List<NetworkInfo> existing) {
        List<Ipv4Cidr> taken = new ArrayList<>();
        for (NetworkInfo n : existing) taken.add(n.subnetCidr());
        taken.addAll(hostRoutes());
        for (int i = 1; i < 256; i++) {
            Ipv4Cidr c = new Ipv4Cidr(POOL.host(0) + (i << 8), 24);
            if (taken.stream().noneMatch(t -> t.overlaps(c) && t.prefix() > 0)) return c;
        }
        throw new EngineException("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network", 1, null);
    }

    /** Destinations of the host's IPv4 routes (/proc/net/route, little-endian hex). */
    static List<Ipv4Cidr> hostRoutes() {
        List<Ipv4Cidr> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/route")).stream().skip(1).toList()) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 8) continue;
                int dst = Integer.reverseBytes((int) Long.parseLong(f[1], 16));
                int mask = Integer.reverseBytes((int) Long.parseLong(f[7], 16));
                out.add(new Ipv4Cidr(dst, Integer.bitCount(mask)));
            }
        } catch (IOException | RuntimeException e) {
            // no routes readable: rely on the store alone
        }
        return out;
    }

    private void write(NetworkInfo info) {
        try {
            Files.createDirectories(dir);
            writeAtomic(dir.resolve(info.name() + ".conflist"), M.writerWithDefaultPrettyPrinter().writeValueAsBytes(conflistOf(info)));
            writeAtomic(dir.resolve(info.name() + ".json"), M.writerWithDefaultPrettyPrinter().writeValueAsBytes(info));
        } catch (IOException e) {
            throw new UncheckedIOException("write network " + info.name() + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void writeAtomic(Path f, byte[] bytes) throws IOException {
        Path tmp = f.resolveSibling("." + f.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * The CNI chain for a network. bridge: bridge (gateway address on the bridge, masquerade unless internal) with
     * host-local IPAM, portmap (published ports), firewall (FORWARD accept for the container), tuning (sysctls).
     * Internal networks get no default route in the container and no masquerade.
     */
    static ObjectNode conflistOf(NetworkInfo n) {
        ObjectNode c = M.createObjectNode();
        c.put("cniVersion", CniInvoker.VERSION).put("name", n.name());
        ArrayNode plugins = c.putArray("plugins");
        ObjectNode main = plugins.addObject();
        switch (n.driver()) {
            case "bridge" -> main.put("type", "bridge").put("bridge", n.iface()).put("isGateway", true)
                    .put("ipMasq", !n.internal()).put("hairpinMode", true);
            case "macvlan" -> main.put("type", "macvlan").put("master", n.iface()).put("mode", n.options().getOrDefault("macvlan_mode", "bridge"));
            case "ipvlan" -> main.put("type", "ipvlan").put("master", n.iface()).put("mode", n.options().getOrDefault("ipvlan_mode", "l2"));
            default -> throw new IllegalArgumentException("driver " + n.driver());
        }
        main.putObject("capabilities").put("ips", true);
        ObjectNode ipam = main.putObject("ipam");
        ipam.put("type", "host-local");
        ObjectNode range = ipam.putArray("ranges").addArray().addObject();
        range.put("subnet", n.subnet()).put("gateway", n.gateway());
        if (n.ipRange() != null) {
            Ipv4Cidr r = Ipv4Cidr.parse(n.ipRange());
            int start = Math.max(r.host(0), n.subnetCidr().host(1));
            if (start == Ipv4Cidr.parseAddress(n.gateway(), n.gateway())) start++;
            range.put("rangeStart", Ipv4Cidr.format(start)).put("rangeEnd", Ipv4Cidr.format(Math.min(r.lastHost(), n.subnetCidr().lastHost())));
        }
        ArrayNode routes = ipam.putArray("routes");
        if (!n.internal()) routes.addObject().put("dst", "0.0.0.0/0");
        if (n.driver().equals("bridge")) {
            plugins.addObject().put("type", "portmap").putObject("capabilities").put("portMappings", true);
            plugins.addObject().put("type", "firewall").put("backend", "iptables");
        }
        plugins.addObject().put("type", "tuning");
        return c;
    }

    /** The store-wide lock: an flock, so other stores of this JVM and other hako processes wait; reentrant. */
    AutoCloseable0 lock() {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("lock " + dir + ": " + e.getMessage(), e);
        }
        return lock.lock()::close;
    }

    /** AutoCloseable without a checked exception. */
    interface AutoCloseable0 extends AutoCloseable {
        @Override
        void close();
    }

    private static String newId() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** For `network ls --filter` and inspect: the labels as given. */
    public static Map<String, String> labelsOf(NetworkInfo n) { return new LinkedHashMap<>(n.labels()); }
}
