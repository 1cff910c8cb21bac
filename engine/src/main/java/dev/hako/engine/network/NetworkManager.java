package dev.hako.engine.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.engine.EngineException;
import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.ContainerRecord;
import dev.hako.engine.container.ContainerStore;
import dev.hako.engine.network.dns.DnsResponders;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.fs.LockFile;
import dev.hako.oci.Json;
import dev.hako.oci.image.ImageConfig;
import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Containers on networks, docker's way: a container's network namespace is made when it starts (bound at
 * {@code <runRoot>/netns/<id>}), attached to each of its networks with CNI ADD, and detached (CNI DEL in reverse,
 * netns removed) when it stops or goes, so a stopped container holds no address. Its /etc/hosts and
 * /etc/resolv.conf are written at each start.
 *
 * <p>Volatile state lives under the run root, together: the netns, {@code <id>.json} (what is attached), the CNI
 * result cache and host-local's leases. After a reboot (or a lost /run) all of it is gone at once, as are the
 * interfaces and firewall rules, so nothing leaks. A hako that crashed mid-way leaves the state file: the next
 * command that touches networks ({@link #sweep}) DELs what it lists for containers that are no longer running.
 */
public final class NetworkManager {
    public static final String DEFAULT_CNI_PATH = "/usr/lib/cni:/opt/cni/bin";

    private final ContainerStore containers;
    private final NetworkStore networks;
    private final Path netnsDir;
    private final Path cniDir;
    private final Consumer<String> warn;
    private final DnsResponders dns;
    private List<Path> cniPath;
    private Predicate<String> running = id -> false;

    public NetworkManager(Path root, Path runRoot, ContainerStore containers, NetworkStore.Defaults defaults, Consumer<String> warn) {
        this.containers = containers;
        this.networks = new NetworkStore(root, defaults);
        this.netnsDir = runRoot.resolve("netns");
        this.cniDir = runRoot.resolve("cni");
        this.warn = warn;
        this.dns = new DnsResponders(runRoot);
        setCniPath(cniPath(System.getenv()));
    }

    /** The plugin directories for a user with environment {@code env}: its CNI_PATH, else the default. */
    public static String cniPath(Map<String, String> env) {
        String p = env.get("CNI_PATH");
        return p != null && !p.isEmpty() ? p : DEFAULT_CNI_PATH;
    }

    public NetworkStore networks() { return networks; }

    /** Where plugins are looked up (CNI_PATH, colon-separated). */
    public void setCniPath(String path) {
        List<Path> dirs = new ArrayList<>();
        for (String d : path.split(":")) if (!d.isEmpty()) dirs.add(Path.of(d));
        cniPath = List.copyOf(dirs);
    }

    /** How the sweep tells whether a container is running (the engine's status). */
    public void setRunningCheck(Predicate<String> running) { this.running = running; }

    private CniInvoker cni() { return new CniInvoker(cniPath, cniDir.resolve("results")); }

    public Path netnsPath(String id) { return netnsDir.resolve(id); }

    private Path stateFile(String id) { return netnsDir.resolve(id + ".json"); }

    private static Path configFile(Path containerDir) { return containerDir.resolve("networks.json"); }

    // ---------------------------------------------------------------- create

    /**
     * At create: checks the --network/-p/--dns flags, records them (networks.json) and points the spec's network
     * namespace at where start will make it (none for host, the other container's for container:NAME).
     */
    public Spec configure(ContainerRecord r, ImageConfig.Config image, RunOptions o, Spec spec, Path containerDir) {
        String mode = "bridge";
        String joined = null;
        List<NetworkConfig.Request> reqs = new ArrayList<>();
        List<String> nets = o.networks.isEmpty() ? List.of("bridge") : o.networks;
        for (String n : nets) {
            if (n.equals("host") || n.equals("none") || n.startsWith("container:")) {
                if (nets.size() > 1) throw new EngineException("conflicting options: cannot attach both user-defined and non-user-defined network-modes", 125, null);
                if (n.startsWith("container:")) {
                    mode = "container";
                    joined = containers.lookup(n.substring("container:".length())).id();
                } else {
                    mode = n;
                }
                continue;
            }
            NetworkInfo info = networks.find(n);
            if (info == null) throw new EngineException("network " + n + " not found", 125, null);
            if (reqs.stream().anyMatch(x -> x.network().equals(info.name())))
                throw new EngineException("container cannot be connected to network " + n + " twice", 125, null);
            boolean first = reqs.isEmpty();
            reqs.add(new NetworkConfig.Request(info.name(), first ? emptyToNull(o.ip) : null, first ? o.networkAliases : List.of()));
        }
        if (!mode.equals("bridge") && (o.ip != null && !o.ip.isEmpty() || !o.networkAliases.isEmpty()))
            throw new EngineException("--ip and --network-alias need a network (not --network " + nets.getFirst() + ")", 125, null);
        if (o.ip != null && !o.ip.isEmpty()) {
            NetworkInfo first = networks.get(reqs.getFirst().network());
            if (first.name().equals(NetworkStore.DEFAULT))
                throw new EngineException("user specified IP address is supported on user defined networks only", 125, null);
            int ip;
            try {
                ip = Ipv4Cidr.parseAddress(o.ip, o.ip);
            } catch (IllegalArgumentException e) {
                throw new EngineException("invalid IPv4 address: " + o.ip, 125, e);
            }
            if (!first.subnetCidr().contains(ip))
                throw new EngineException("Invalid address " + o.ip + ": It does not belong to any of this network's subnets", 125, null);
        }
        List<PortMapping> ports = new ArrayList<>();
        for (String p : o.publish) ports.addAll(PortMapping.parse(p));
        if (o.publishAll && image != null && image.exposedPorts() != null) {
            for (String key : image.exposedPorts().keySet()) {
                boolean already = ports.stream().anyMatch(p -> (p.containerPort() + "/" + p.protocol()).equals(key.contains("/") ? key : key + "/tcp"));
                if (!already) ports.addAll(PortMapping.parse(key));
            }
        }
        if (!ports.isEmpty() && !mode.equals("bridge")) ports = List.of(); // docker ignores -p for host/none/container
        for (String h : o.addHosts) hostEntry(h);
        var config = new NetworkConfig(mode, joined, reqs, ports, o.dns, o.dnsSearch, o.dnsOptions, o.addHosts);
        Json.writeAtomic(configFile(containerDir), config);
        return switch (mode) {
            case "host" -> withNetns(spec, null);
            case "container" -> withNetns(spec, netnsPath(joined).toString());
            default -> withNetns(spec, netnsPath(r.id()).toString());
        };
    }

    /** The spec with its network namespace at {@code path}, or without one (the host's) for null. */
    static Spec withNetns(Spec spec, String path) {
        Linux l = spec.linux();
        List<Linux.Namespace> ns = new ArrayList<>();
        for (Linux.Namespace n : l.namespaces()) {
            if (!n.type().equals("network")) ns.add(n);
            else if (path != null) ns.add(new Linux.Namespace("network", path));
        }
        Linux linux = new Linux(List.copyOf(ns), l.uidMappings(), l.gidMappings(), l.timeOffsets(), l.devices(), l.cgroupsPath(),
                l.resources(), l.rootfsPropagation(), l.seccomp(), l.sysctl(), l.maskedPaths(), l.readonlyPaths(),
                l.mountLabel(), l.personality(), l.intelRdt());
        return new Spec(spec.ociVersion(), spec.process(), spec.root(), spec.hostname(), spec.domainname(), spec.mounts(),
                spec.hooks(), spec.annotations(), linux);
    }

    private static String emptyToNull(String s) { return s == null || s.isEmpty() ? null : s; }

    public NetworkConfig config(String id) {
        Path f = configFile(containers.dir(id));
        if (!Files.exists(f)) return new NetworkConfig("bridge", null, List.of(), List.of(), null, null, null, null);
        return Json.read(f, NetworkConfig.class);
    }

    /** The live attachments of a started container, or null when it has none. */
    public NetworkState state(String id) {
        Path f = stateFile(id);
        if (!Files.exists(f)) return null;
        try {
            return Json.read(f, NetworkState.class);
        } catch (RuntimeException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- start / stop

    /** Held by start from attach until the container runs; closing it without {@link #started} detaches. */
    public final class Attaching implements AutoCloseable {
        private final String id;
        private final Lock lock;
        private boolean started;

        Attaching(String id, Lock lock) {
            this.id = id;
            this.lock = lock;
        }

        public void started() { started = true; }

        @Override
        public void close() {
            try {
                if (!started) detachLocked(id);
            } finally {
                lock.close();
            }
        }
    }

    /**
     * At start, before the runtime creates the container: its netns, CNI ADD on each network (ports published on
     * the first), the DNS names on user networks, /etc/hosts and /etc/resolv.conf. On failure nothing of it stays.
     */
    public Attaching attach(ContainerRecord r) {
        sweep();
        Lock lock = Lock.acquire(containers.dir(r.id()), true);
        var handle = new Attaching(r.id(), lock);
        boolean ok = false;
        try {
            detachLocked(r.id()); // what a previous run left (it stopped without a hako around)
            Path dir = containers.dir(r.id());
            NetworkConfig c = config(r.id());
            String hostname = hostname(dir, r);
            switch (c.mode()) {
                case "host" -> writeHostModeEtc(dir, c);
                case "container" -> {
                    Path other = netnsPath(c.container());
                    if (!Netns.mounted(other) || !running.test(c.container()))
                        throw new EngineException("cannot join network namespace of a non running container " + c.container().substring(0, 12), 125, null);
                    writeState(r.id(), new NetworkState(other.toString(), false, List.of(), List.of()));
                    Path od = containers.dir(c.container());
                    copy(od.resolve("hosts"), dir.resolve("hosts"));
                    copy(od.resolve("resolv.conf"), dir.resolve("resolv.conf"));
                }
                default -> attachOwn(r, c, hostname, dir);
            }
            ok = true;
            return handle;
        } finally {
            if (!ok) handle.close();
        }
    }

    private void attachOwn(ContainerRecord r, NetworkConfig c, String hostname, Path dir) {
        Path ns = netnsPath(r.id());
        List<PortMapping> ports;
        NetworkState state;
        // one allocation at a time (processes and commands of one JVM alike): others' ports are read from their
        // state files, so ours must be written before the next start reads them
        try (LockFile l = c.ports().isEmpty() ? null : portsLock()) {
            ports = c.networks().isEmpty() ? List.of() : allocatePorts(r.id(), c.ports());
            state = new NetworkState(ns.toString(), true, List.of(), ports);
            writeState(r.id(), state);  // first: a crash from here on leaves what the sweep needs
        }
        Netns.create(ns);
        int i = 0;
        for (NetworkConfig.Request req : c.networks()) {
            NetworkInfo info = networks.get(req.network());
            state = addEndpoint(r, state, info, "eth" + i, req, i == 0 ? ports : List.of());
            i++;
        }
        writeEtc(dir, r, c, state, hostname);
    }

    /** CNI ADD for one network; the state file lists the endpoint before the ADD and its address after. */
    private NetworkState addEndpoint(ContainerRecord r, NetworkState state, NetworkInfo info, String ifName,
                                     NetworkConfig.Request req, List<PortMapping> ports) {
        var pending = new NetworkState.Endpoint(info.name(), info.id(), ifName, null, 0, null, null, req.aliases(), req.ip());
        List<NetworkState.Endpoint> eps = new ArrayList<>(state.endpoints());
        eps.add(pending);
        state = state.withEndpoints(eps);
        writeState(r.id(), state);
        ObjectNode rc = Json.mapper().createObjectNode();
        if (!ports.isEmpty()) {
            ArrayNode pm = rc.putArray("portMappings");
            for (PortMapping p : ports) {
                ObjectNode m = pm.addObject().put("hostPort", p.hostPort()).put("containerPort", p.containerPort()).put("protocol", p.protocol());
                if (!p.hostIp().isEmpty()) m.put("hostIP", p.hostIp());
            }
        }
        if (req.ip() != null) rc.putArray("ips").add(req.ip() + "/" + info.prefixLength());
        JsonNode result = cni().add(conflistFor(info), attachment(r.id(), state.netns(), ifName), rc);
        var ep = endpointOf(info, ifName, req, result);
        eps.set(eps.size() - 1, ep);
        state = state.withEndpoints(eps);
        writeState(r.id(), state);
        if (usesDns(info)) {
            List<String> names = new ArrayList<>(List.of(r.name(), r.shortId()));
            names.addAll(req.aliases());
            // internal networks: no forwarding to the host's resolvers either (docker answers SERVFAIL)
            dns.register(info.name(), info.gateway(), r.id(), names, ep.ip(), !info.internal());
        }
        return state;
    }

    /** docker's embedded DNS serves user-defined networks only. */
    private static boolean usesDns(NetworkInfo info) {
        return !info.name().equals(NetworkStore.DEFAULT) && info.driver().equals("bridge");
    }

    private static NetworkState.Endpoint endpointOf(NetworkInfo info, String ifName, NetworkConfig.Request req, JsonNode result) {
        JsonNode ip0 = result == null ? null : result.path("ips").path(0);
        if (ip0 == null || ip0.isMissingNode()) throw new CniException("network " + info.name() + ": the plugins returned no IP address", 0, null);
        Ipv4Cidr addr = Ipv4Cidr.parse(ip0.path("address").asText());
        String gw = ip0.path("gateway").asText(info.gateway());
        String mac = "";
        JsonNode ifaces = result.path("interfaces");
        if (ip0.has("interface") && ifaces.has(ip0.path("interface").asInt())) mac = ifaces.get(ip0.path("interface").asInt()).path("mac").asText("");
        else for (JsonNode i : ifaces) if (i.path("name").asText().equals(ifName) && i.has("sandbox")) mac = i.path("mac").asText("");
        return new NetworkState.Endpoint(info.name(), info.id(), ifName, addr.ip(), addr.prefix(), gw, mac, req.aliases(), req.ip());
    }

    private ObjectNode conflistFor(NetworkInfo info) {
        ObjectNode c = networks.conflist(info);
        for (JsonNode p : c.withArray("plugins")) {
            if (p.path("ipam") instanceof ObjectNode ipam && ipam.path("type").asText().equals("host-local"))
                ipam.put("dataDir", cniDir.resolve("ipam").toString());
        }
        return c;
    }

    private static CniInvoker.Attachment attachment(String id, String netns, String ifName) {
        return new CniInvoker.Attachment(id, netns, ifName, "IgnoreUnknown=1");
    }

    /** At stop and rm: DEL every endpoint in reverse, forget the DNS names, remove the netns. Idempotent. */
    public void detach(String id) {
        if (!Files.exists(stateFile(id)) && !Files.exists(netnsPath(id))) return;
        try (Lock lock = Lock.acquire(containers.dir(id), true)) {
            detachLocked(id);
        }
    }

    private void detachLocked(String id) {
        NetworkState s = state(id);
        Path ns = netnsPath(id);
        if (s == null && !Files.exists(ns)) return;
        if (s != null) {
            List<NetworkState.Endpoint> eps = new ArrayList<>(s.endpoints());
            for (int i = eps.size() - 1; i >= 0; i--) removeEndpoint(id, s.netns(), eps.get(i));
        }
        if (s == null || s.owned()) Netns.remove(ns);
        try {
            Files.deleteIfExists(stateFile(id));
        } catch (IOException e) {
            throw new UncheckedIOException("remove " + stateFile(id) + ": " + e.getMessage(), e);
        }
    }

    private void removeEndpoint(String id, String netns, NetworkState.Endpoint ep) {
        NetworkInfo info = networks.find(ep.network());
        if (info == null) {
            warn.accept("network " + ep.network() + " is gone: cannot release container " + id.substring(0, 12) + "'s endpoint");
            return;
        }
        if (usesDns(info)) {
            try {
                dns.unregister(info.name(), id);
            } catch (RuntimeException e) {
                warn.accept("network " + info.name() + ": DNS: " + e.getMessage());
            }
        }
        try {
            cni().del(conflistFor(info), attachment(id, netns, ep.ifName()));
        } catch (RuntimeException e) {
            warn.accept(e.getMessage());
        }
    }

    /**
     * Cleans up after containers that stopped with no hako around, or a hako that died mid-attach: every state
     * file whose container is gone or not running (and not being started right now) is detached.
     */
    public void sweep() {
        if (!Files.isDirectory(netnsDir)) return;
        List<String> ids = new ArrayList<>();
        try (var s = Files.list(netnsDir)) {
            for (Path p : s.toList()) {
                String f = p.getFileName().toString();
                if (f.matches("[0-9a-f]{64}(\\.json)?")) ids.add(f.substring(0, 64));
            }
        } catch (IOException e) {
            return;
        }
        for (String id : new LinkedHashSet<>(ids)) {
            if (running.test(id)) continue;
            Lock lock = Lock.acquire(containers.dir(id), false);
            if (lock == null) continue; // being started or stopped by someone else
            try (lock) {
                if (!running.test(id)) detachLocked(id);
            } catch (RuntimeException e) {
                warn.accept("clean up the network of container " + id.substring(0, 12) + ": " + e.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------- ports

    /** Concrete host ports: the requested one if free, else docker's error; a free one for 0 or a range. */
    private List<PortMapping> allocatePorts(String self, List<PortMapping> wanted) {
        Set<String> taken = new HashSet<>();
        for (String other : attachedIds()) {
            if (other.equals(self)) continue;
            NetworkState s = state(other);
            if (s != null) for (PortMapping p : s.ports()) taken.add(p.protocol() + ":" + p.hostPort());
        }
        List<PortMapping> out = new ArrayList<>();
        for (PortMapping p : wanted) {
            if (p.hostPort() == 0) {
                int port;
                do port = freePort(p); while (taken.contains(p.protocol() + ":" + port));
                taken.add(p.protocol() + ":" + port);
                out.add(p.withHostPort(port));
            } else if (p.hostPortEnd() > p.hostPort()) {
                PortMapping got = null;
                for (int port = p.hostPort(); port <= p.hostPortEnd() && got == null; port++)
                    if (!taken.contains(p.protocol() + ":" + port) && bindable(p.hostIp(), port, p.protocol())) got = p.withHostPort(port);
                if (got == null) throw new EngineException("Bind for " + p.shownHostIp() + ":" + p.hostPort() + "-" + p.hostPortEnd()
                        + " failed: port is already allocated", 125, null);
                taken.add(p.protocol() + ":" + got.hostPort());
                out.add(got);
            } else {
                if (taken.contains(p.protocol() + ":" + p.hostPort()) || !bindable(p.hostIp(), p.hostPort(), p.protocol()))
                    throw new EngineException("Bind for " + p.shownHostIp() + ":" + p.hostPort() + " failed: port is already allocated", 125, null);
                taken.add(p.protocol() + ":" + p.hostPort());
                out.add(p);
            }
        }
        return out;
    }

    private static int freePort(PortMapping p) {
        try {
            InetAddress a = InetAddress.getByName(p.hostIp().isEmpty() ? "0.0.0.0" : p.hostIp());
            if (p.protocol().equals("udp")) {
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(a, 0))) { return s.getLocalPort(); }
            }
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(a, 0));
                return s.getLocalPort();
            }
        } catch (IOException e) {
            throw new EngineException("find a free host port on " + p.shownHostIp() + ": " + e.getMessage(), 125, e);
        }
    }

    /** Whether a host process could bind the port: a listener there would get what DNAT should take. */
    private static boolean bindable(String hostIp, int port, String proto) {
        try {
            InetAddress a = InetAddress.getByName(hostIp.isEmpty() ? "0.0.0.0" : hostIp);
            if (proto.equals("udp")) {
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(a, port))) { return true; }
            }
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(a, port));
                return true;
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** Ids of containers with live attachments. */
    public List<String> attachedIds() {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(netnsDir)) return out;
        try (var s = Files.list(netnsDir)) {
            for (Path p : s.toList()) {
                String f = p.getFileName().toString();
                if (f.matches("[0-9a-f]{64}\\.json")) out.add(f.substring(0, 64));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("list " + netnsDir + ": " + e.getMessage(), e);
        }
        return out;
    }

    // ---------------------------------------------------------------- /etc files

    private static String hostname(Path dir, ContainerRecord r) {
        try {
            return Files.readString(dir.resolve("hostname")).trim();
        } catch (IOException e) {
            return r.shortId();
        }
    }

    private void writeEtc(Path dir, ContainerRecord r, NetworkConfig c, NetworkState s, String hostname) {
        StringBuilder hosts = new StringBuilder(EtcFiles.LOCALHOST);
        for (String h : c.addHosts()) hosts.append(hostEntry(h, networks.ensureDefault().gateway())).append('\n');
        for (NetworkState.Endpoint ep : s.endpoints()) {
            if (ep.ip() == null) continue;
            hosts.append(ep.ip()).append('\t').append(hostname);
            if (!hostname.equals(r.shortId())) hosts.append(' ').append(r.shortId());
            hosts.append('\n');
            break;  // docker lists the container's first address
        }
        String nameserver = null;
        if (!s.endpoints().isEmpty()) {
            NetworkInfo first = networks.find(s.endpoints().getFirst().network());
            if (first != null && usesDns(first)) nameserver = first.gateway();
        }
        write(dir.resolve("hosts"), hosts.toString());
        write(dir.resolve("resolv.conf"), EtcFiles.resolvConf(c.dns(), c.dnsSearch(), c.dnsOptions(), nameserver, true));
    }

    private void writeHostModeEtc(Path dir, NetworkConfig c) {
        String hosts;
        try {
            hosts = Files.readString(Path.of("/etc/hosts"));
        } catch (IOException e) {
            hosts = EtcFiles.LOCALHOST;
        }
        StringBuilder b = new StringBuilder(hosts);
        if (!hosts.endsWith("\n")) b.append('\n');
        for (String h : c.addHosts()) b.append(hostEntry(h, networks.ensureDefault().gateway())).append('\n');
        write(dir.resolve("hosts"), b.toString());
        write(dir.resolve("resolv.conf"), EtcFiles.resolvConf(c.dns(), c.dnsSearch(), c.dnsOptions(), null, false));
    }

    /** --add-host name:ip → "ip\tname"; docker's error otherwise. */
    static String hostEntry(String spec) { return hostEntry(spec, null); }

    /** @param hostGateway what "host-gateway" stands for (docker: the default bridge's address) */
    static String hostEntry(String spec, String hostGateway) {
        int colon = spec.indexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) throw new EngineException("invalid argument \"" + spec + "\" for \"--add-host\" flag: bad format for add-host: \"" + spec + "\"", 125, null);
        String name = spec.substring(0, colon), ip = spec.substring(colon + 1);
        if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.substring(1, ip.length() - 1);
        if (!ip.equals("host-gateway") && !ip.matches("[0-9a-fA-F.:]+"))
            throw new EngineException("invalid argument \"" + spec + "\" for \"--add-host\" flag: invalid IP address in add-host: \"" + ip + "\"", 125, null);
        if (ip.equals("host-gateway")) ip = hostGateway != null ? hostGateway : "host-gateway";
        return ip + "\t" + name;
    }


    private static void write(Path f, String text) {
        try {
            Files.writeString(f, text);
        } catch (IOException e) {
            throw new UncheckedIOException("write " + f + ": " + e.getMessage(), e);
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("copy " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    /** {@code <runRoot>/ports.lock}: held while host ports are chosen and recorded. */
    private LockFile portsLock() {
        Path runRoot = netnsDir.getParent();
        try {
            Files.createDirectories(runRoot);
        } catch (IOException e) {
            throw new UncheckedIOException("create " + runRoot + ": " + e.getMessage(), e);
        }
        return LockFile.exclusive(runRoot.resolve("ports.lock"));
    }

    private void writeState(String id, NetworkState s) {
        try {
            Files.createDirectories(netnsDir);
        } catch (IOException e) {
            throw new UncheckedIOException("create " + netnsDir + ": " + e.getMessage(), e);
        }
        Json.writeAtomic(stateFile(id), s);
    }

    // ---------------------------------------------------------------- network commands

    /** Containers with a live endpoint on the network (ids), for inspect and rm. */
    public List<String> containersOn(NetworkInfo n) {
        List<String> out = new ArrayList<>();
        for (String id : attachedIds()) {
            NetworkState s = state(id);
            if (s != null && s.endpoint(n.name()) != null) out.add(id);
        }
        return out;
    }

    /** Containers configured for the network (running or not). */
    public List<ContainerRecord> configuredOn(NetworkInfo n) {
        List<ContainerRecord> out = new ArrayList<>();
        for (ContainerRecord r : containers.list()) {
            if (config(r.id()).networks().stream().anyMatch(q -> q.network().equals(n.name()))) out.add(r);
        }
        return out;
    }

    /** docker network rm: refused while a container uses it; the default network can't go. */
    public void remove(String ref) {
        sweep();
        NetworkInfo n = networks.get(ref);
        if (n.name().equals(NetworkStore.DEFAULT) || ref.equals("bridge"))
            throw new EngineException(ref + " is a pre-defined network and cannot be removed", 1, null);
        List<ContainerRecord> users = configuredOn(n);
        if (!users.isEmpty()) {
            throw new EngineException("error while removing network: network " + n.name() + " id " + n.id()
                    + " has active endpoints (" + String.join(", ", users.stream().map(ContainerRecord::name).toList()) + ")", 1, null);
        }
        networks.remove(n);
        deleteBridge(n);
    }

    /** The bridge plugin makes the bridge on first ADD and never deletes it; the network's removal does, with its lease dir. */
    private void deleteBridge(NetworkInfo n) {
        Path leases = cniDir.resolve("ipam").resolve(n.name());
        try (var files = Files.list(leases)) {
            for (Path f : files.toList()) Files.deleteIfExists(f);
            Files.deleteIfExists(leases);
        } catch (IOException e) {
            // none yet, or already gone
        }
        if (!n.driver().equals("bridge") || !Files.exists(Path.of("/sys/class/net", n.iface()))) return;
        try {
            new ProcessBuilder("ip", "link", "delete", n.iface()).redirectErrorStream(true).start().waitFor();
        } catch (IOException e) {
            // left as it is: harmless without addresses in use
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** docker network prune: every user network no container is configured for; the names removed. */
    public List<String> prune(Predicate<NetworkInfo> filter) {
        sweep();
        List<String> out = new ArrayList<>();
        for (NetworkInfo n : networks.list()) {
            if (n.name().equals(NetworkStore.DEFAULT) || !filter.test(n) || !configuredOn(n).isEmpty()) continue;
            networks.remove(n);
            deleteBridge(n);
            out.add(n.name());
        }
        gc();
        return out;
    }

    /**
     * CNI GC on every network, with the attachments hako knows as the valid ones: plugins that speak CNI 1.1
     * release whatever else they hold (the Debian 1.1.1 plugins don't yet, and are skipped).
     */
    void gc() {
        for (NetworkInfo n : networks.list()) {
            List<CniInvoker.Attachment> valid = new ArrayList<>();
            for (String id : attachedIds()) {
                NetworkState s = state(id);
                NetworkState.Endpoint ep = s == null ? null : s.endpoint(n.name());
                if (ep != null) valid.add(attachment(id, s.netns(), ep.ifName()));
            }
            try {
                cni().gc(conflistFor(n), valid);
            } catch (RuntimeException e) {
                warn.accept(e.getMessage());
            }
        }
    }

    /** docker network connect: recorded for the next start; attached now if the container runs. */
    public void connect(String network, String ref, String ip, List<String> aliases) {
        NetworkInfo info = networks.get(network);
        ContainerRecord r = containers.lookup(ref);
        NetworkConfig c = config(r.id());
        if (!c.mode().equals("bridge"))
            throw new EngineException("container sharing network namespace with another container or host cannot be connected to any other network", 1, null);
        if (c.networks().stream().anyMatch(q -> q.network().equals(info.name())))
            throw new EngineException("endpoint with name " + r.name() + " already exists in network " + info.name(), 1, null);
        if (ip != null && !ip.isEmpty() && !info.subnetCidr().contains(Ipv4Cidr.parseAddress(ip, ip)))
            throw new EngineException("Invalid address " + ip + ": It does not belong to any of this network's subnets", 1, null);
        var req = new NetworkConfig.Request(info.name(), emptyToNull(ip), aliases);
        List<NetworkConfig.Request> reqs = new ArrayList<>(c.networks());
        reqs.add(req);
        if (running.test(r.id())) {
            try (Lock lock = Lock.acquire(containers.dir(r.id()), true)) {
                NetworkState s = state(r.id());
                if (s == null || !s.owned()) throw new EngineException("container " + r.name() + " has no network namespace of its own", 1, null);
                Set<String> used = new HashSet<>();
                for (NetworkState.Endpoint e : s.endpoints()) used.add(e.ifName());
                int i = 0;
                while (used.contains("eth" + i)) i++;
                s = addEndpoint(r, s, info, "eth" + i, req, s.endpoints().isEmpty() ? s.ports() : List.of());
                writeEtc(containers.dir(r.id()), r, c.withNetworks(reqs), s, hostname(containers.dir(r.id()), r));
            }
        }
        Json.writeAtomic(configFile(containers.dir(r.id())), c.withNetworks(reqs));
    }

    /** docker network disconnect. */
    public void disconnect(String network, String ref) {
        NetworkInfo info = networks.get(network);
        ContainerRecord r = containers.lookup(ref);
        NetworkConfig c = config(r.id());
        if (c.networks().stream().noneMatch(q -> q.network().equals(info.name())))
            throw new EngineException("container " + r.id() + " is not connected to network " + info.name(), 1, null);
        try (Lock lock = Lock.acquire(containers.dir(r.id()), true)) {
            NetworkState s = state(r.id());
            NetworkState.Endpoint ep = s == null ? null : s.endpoint(info.name());
            if (ep != null) {
                removeEndpoint(r.id(), s.netns(), ep);
                writeState(r.id(), s.withEndpoints(s.endpoints().stream().filter(e -> e != ep).toList()));
            }
        }
        Json.writeAtomic(configFile(containers.dir(r.id())),
                c.withNetworks(c.networks().stream().filter(q -> !q.network().equals(info.name())).toList()));
    }

    // ---------------------------------------------------------------- per-container lock

    /**
     * A file lock per container, {@code network.lock} in its directory (so it goes with the container and is never
     * deleted while someone may wait on it): attach, detach and the sweep exclude each other across processes.
     * A container whose directory is gone has no lock: nobody can start it any more, and DEL is idempotent.
     */
    static final class Lock implements AutoCloseable {
        /** The lock files this thread holds: taking one again would wait for ourselves forever. */
        private static final ThreadLocal<Set<Path>> HELD_BY_THREAD = ThreadLocal.withInitial(HashSet::new);
        private final LockFile held;   // null: the container's directory is gone

        private Lock(LockFile held) { this.held = held; }

        /** @return null when {@code wait} is false and someone else (another process or command) holds it */
        static Lock acquire(Path containerDir, boolean wait) {
            if (!Files.isDirectory(containerDir)) return new Lock(null);
            String id = containerDir.getFileName().toString();
            Path file = containerDir.resolve("network.lock").toAbsolutePath();
            if (HELD_BY_THREAD.get().contains(file)) {
                if (!wait) return null;
                throw new EngineException("container " + id.substring(0, Math.min(12, id.length())) + "'s network is being changed by this thread already");
            }
            LockFile l;
            try {
                l = wait ? LockFile.exclusive(file) : LockFile.tryExclusive(file);
            } catch (SyscallException e) {
                if (!Files.isDirectory(containerDir)) return new Lock(null); // removed meanwhile
                throw e;
            }
            if (l == null) return null;
            HELD_BY_THREAD.get().add(file);
            return new Lock(l);
        }

        @Override
        public void close() {
            if (held == null) return;
            Set<Path> mine = HELD_BY_THREAD.get();
            mine.remove(held.path());
            if (mine.isEmpty()) HELD_BY_THREAD.remove();
            held.close();
        }
    }
}
