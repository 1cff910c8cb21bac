package dev.hako.cli.container;

import dev.hako.cli.format.Formatter;
import dev.hako.cli.format.GoJson;
import dev.hako.cli.format.GoTemplate;
import dev.hako.engine.Engine;
import dev.hako.engine.EngineException;
import dev.hako.engine.container.ContainerRecord;
import dev.hako.engine.network.NetworkInfo;
import dev.hako.engine.network.NetworkManager;
import dev.hako.engine.network.NetworkState;
import dev.hako.engine.network.NetworkStore;
import dev.hako.engine.network.PortMapping;
import dev.hako.oci.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/** docker network create/ls/inspect/rm/connect/disconnect/prune, docker port, and the network parts of ps/inspect. */
public final class NetworkCommands {
    private NetworkCommands() {}

    /** Network commands answer as docker's daemon does: "Error response from daemon: …", exit 1. */
    abstract static class NetBase extends ContainerCommands.Base {
        NetworkManager net() {
            NetworkManager n = engine().network();
            n.sweep();
            return n;
        }

        int daemon(Runnable r) {
            try {
                r.run();
                return 0;
            } catch (EngineException e) {
                err().println("Error response from daemon: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "network", description = "Manage networks",
            subcommands = {Create.class, Ls.class, Inspect.class, Rm.class, Connect.class, Disconnect.class, Prune.class})
    public static final class NetworkGroup extends NetBase {
        @Override
        int execute() {
            spec.commandLine().usage(out());
            return 0;
        }
    }

    @Command(name = "create", description = "Create a network")
    public static final class Create extends NetBase {
        @Option(names = {"-d", "--driver"}, description = "Driver to manage the Network (bridge, macvlan, ipvlan)", defaultValue = "bridge") String driver;
        @Option(names = "--subnet", description = "Subnet in CIDR format that represents a network segment") String subnet;
        @Option(names = "--gateway", description = "IPv4 Gateway for the master subnet") String gateway;
        @Option(names = "--ip-range", description = "Allocate container ip from a sub-range") String ipRange;
        @Option(names = "--internal", description = "Restrict external access to the network") boolean internal;
        @Option(names = "--label", description = "Set metadata on a network") List<String> labels = new ArrayList<>();
        @Option(names = {"-o", "--opt"}, description = "Set driver specific options") Map<String, String> opts = new LinkedHashMap<>();
        @Parameters(index = "0", paramLabel = "NETWORK") String name;

        @Override
        int execute() {
            Map<String, String> l = new LinkedHashMap<>();
            for (String x : labels) {
                int eq = x.indexOf('=');
                l.put(eq < 0 ? x : x.substring(0, eq), eq < 0 ? "" : x.substring(eq + 1));
            }
            return daemon(() -> out().println(net().networks().create(new NetworkStore.CreateRequest(name, driver, subnet, gateway,
                    ipRange, internal, l, opts)).id()));
        }
    }

    @Command(name = "ls", aliases = "list", description = "List networks")
    public static final class Ls extends NetBase {
        static final String DEFAULT_TABLE = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";
        static final Map<String, String> HEADERS = Map.of("ID", "NETWORK ID", "Name", "NAME", "Driver", "DRIVER",
                "Scope", "SCOPE", "IPv6", "IPV6", "Internal", "INTERNAL", "Labels", "LABELS", "CreatedAt", "CREATED AT");

        @Option(names = {"-q", "--quiet"}, description = "Only display network IDs") boolean quiet;
        @Option(names = "--no-trunc", description = "Do not truncate the output") boolean noTrunc;
        @Option(names = {"-f", "--filter"}, description = "Provide filter values (e.g. 'driver=bridge')") List<String> filters = new ArrayList<>();
        @Option(names = "--format", description = "Format output using a Go template, or 'table', or 'json'") String format;

        @Override
        int execute() {
            Predicate<NetworkInfo> keep;
            try {
                keep = filter(filters);
            } catch (EngineException e) {
                err().println("Error response from daemon: " + e.getMessage());
                return 1;
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            for (NetworkInfo n : net().networks().list()) {
                if (!keep.test(n)) continue;
                if (quiet) {
                    out().println(noTrunc ? n.id() : n.shortId());
                    continue;
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("ID", noTrunc ? n.id() : n.shortId());
                row.put("Name", n.name());
                row.put("Driver", n.driver());
                row.put("Scope", "local");
                row.put("IPv6", "false");
                row.put("Internal", String.valueOf(n.internal()));
                row.put("Labels", String.join(",", n.labels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
                row.put("CreatedAt", n.created());
                rows.add(row);
            }
            if (!quiet) out().print(Formatter.render(format, DEFAULT_TABLE, HEADERS, rows));
            return 0;
        }
    }

    /** docker's network filters: name (substring), id (prefix), driver, label (key or key=value), type (custom|builtin). */
    static Predicate<NetworkInfo> filter(List<String> filters) {
        Predicate<NetworkInfo> p = n -> true;
        for (String f : filters) {
            int eq = f.indexOf('=');
            if (eq < 0) throw new EngineException("invalid filter '" + f + "'", 1, null);
            String k = f.substring(0, eq).toLowerCase(Locale.ROOT), v = f.substring(eq + 1);
            Predicate<NetworkInfo> q = switch (k) {
                case "name" -> n -> n.name().contains(v);
                case "id" -> n -> n.id().startsWith(v);
                case "driver" -> n -> n.driver().equals(v);
                case "type" -> n -> v.equals("builtin") == n.name().equals(NetworkStore.DEFAULT);
                case "label" -> {
                    int e2 = v.indexOf('=');
                    yield e2 < 0 ? n -> n.labels().containsKey(v) : n -> v.substring(e2 + 1).equals(n.labels().get(v.substring(0, e2)));
                }
                default -> throw new EngineException("invalid filter '" + k + "'", 1, null);
            };
            p = p.and(q);
        }
        return p;
    }

    @Command(name = "inspect", description = "Display detailed information on one or more networks")
    public static final class Inspect extends NetBase {
        @Option(names = {"-f", "--format"}, description = "Format output using a Go template") String format;
        @Parameters(arity = "1..*", paramLabel = "NETWORK") List<String> refs;

        @Override
        int execute() {
            List<Object> docs = new ArrayList<>();
            int code = 0;
            for (String ref : refs) {
                try {
                    docs.add(document(engine(), net().networks().get(ref)));
                } catch (EngineException e) {
                    err().println("Error response from daemon: " + e.getMessage());
                    code = 1;
                }
            }
            if (format != null && !format.isEmpty()) {
                for (Object o : docs) out().print(Formatter.renderOne(format, GoTemplate.dataOf(o, Json.mapper())));
            } else {
                out().println(GoJson.indent(docs));
            }
            return code;
        }
    }

    /** docker's network inspect document. */
    static Map<String, Object> document(Engine engine, NetworkInfo n) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("Name", n.name());
        d.put("Id", n.id());
        d.put("Created", n.created());
        d.put("Scope", "local");
        d.put("Driver", n.driver());
        d.put("EnableIPv6", false);
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("Subnet", n.subnet());
        if (n.ipRange() != null) cfg.put("IPRange", n.ipRange());
        cfg.put("Gateway", n.gateway());
        Map<String, Object> ipam = new LinkedHashMap<>();
        ipam.put("Driver", "default");
        ipam.put("Options", Map.of());
        ipam.put("Config", List.of(cfg));
        d.put("IPAM", ipam);
        d.put("Internal", n.internal());
        d.put("Attachable", false);
        d.put("Ingress", false);
        d.put("ConfigFrom", Map.of("Network", ""));
        d.put("ConfigOnly", false);
        Map<String, Object> containers = new LinkedHashMap<>();
        for (String id : engine.network().containersOn(n)) {
            NetworkState s = engine.network().state(id);
            NetworkState.Endpoint ep = s == null ? null : s.endpoint(n.name());
            if (ep == null || ep.ip() == null) continue;
            String name;
            try {
                name = engine.store().lookup(id).name();
            } catch (EngineException e) {
                continue;
            }
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("Name", name);
            c.put("EndpointID", endpointId(id, n));
            c.put("MacAddress", ep.mac());
            c.put("IPv4Address", ep.ip() + "/" + ep.prefixLen());
            c.put("IPv6Address", "");
            containers.put(id, c);
        }
        d.put("Containers", containers);
        Map<String, Object> options = new LinkedHashMap<>(n.options());
        if (n.driver().equals("bridge")) options.putIfAbsent("com.docker.network.bridge.name", n.iface());
        d.put("Options", options);
        d.put("Labels", n.labels());
        return d;
    }

    /** A stable id for an endpoint (docker makes a random one; ours is derived so it needs no storage). */
    static String endpointId(String containerId, NetworkInfo n) {
        try {
            var md = java.security.MessageDigest.getInstance("SHA-256");
            return java.util.HexFormat.of().formatHex(md.digest((containerId + "/" + n.id()).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Command(name = "rm", aliases = "remove", description = "Remove one or more networks")
    public static final class Rm extends NetBase {
        @Option(names = {"-f", "--force"}, description = "Do not error if the network does not exist") boolean force;
        @Parameters(arity = "1..*", paramLabel = "NETWORK") List<String> refs;

        @Override
        int execute() {
            int code = 0;
            for (String ref : refs) {
                try {
                    net().remove(ref);
                    out().println(ref);
                } catch (EngineException e) {
                    if (force && e.getMessage().endsWith(" not found")) continue;
                    err().println("Error response from daemon: " + e.getMessage());
                    code = 1;
                }
            }
            return code;
        }
    }

    @Command(name = "connect", description = "Connect a container to a network")
    public static final class Connect extends NetBase {
        @Option(names = "--ip", description = "IPv4 address (e.g., \"172.30.100.104\")") String ip;
        @Option(names = "--alias", description = "Add network-scoped alias for the container") List<String> aliases = new ArrayList<>();
        @Parameters(index = "0", paramLabel = "NETWORK") String network;
        @Parameters(index = "1", paramLabel = "CONTAINER") String container;

        @Override
        int execute() {
            return daemon(() -> net().connect(network, container, ip, aliases));
        }
    }

    @Command(name = "disconnect", description = "Disconnect a container from a network")
    public static final class Disconnect extends NetBase {
        @Option(names = {"-f", "--force"}, description = "Force the container to disconnect from a network") boolean force;
        @Parameters(index = "0", paramLabel = "NETWORK") String network;
        @Parameters(index = "1", paramLabel = "CONTAINER") String container;

        @Override
        int execute() {
            return daemon(() -> net().disconnect(network, container));
        }
    }

    @Command(name = "prune", description = "Remove all unused networks")
    public static final class Prune extends NetBase {
        @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation") boolean force;
        @Option(names = "--filter", description = "Provide filter values (e.g. 'label=<key>=<value>')") List<String> filters = new ArrayList<>();

        @Override
        int execute() {
            if (!force) {
                out().print("WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ");
                out().flush();
                String answer;
                try {
                    answer = new BufferedReader(new InputStreamReader(System.in)).readLine();
                } catch (java.io.IOException e) {
                    answer = null;
                }
                if (answer == null || !answer.trim().toLowerCase(Locale.ROOT).startsWith("y")) return 0;
            }
            List<String> removed;
            try {
                removed = net().prune(filter(filters));
            } catch (EngineException e) {
                err().println("Error response from daemon: " + e.getMessage());
                return 1;
            }
            if (!removed.isEmpty()) {
                out().println("Deleted Networks:");
                removed.forEach(out()::println);
            }
            return 0;
        }
    }

    @Command(name = "port", description = "List port mappings or a specific mapping for the container")
    public static final class Port extends ContainerCommands.Base {
        @Parameters(index = "0", paramLabel = "CONTAINER") String ref;
        @Parameters(index = "1", arity = "0..1", paramLabel = "PRIVATE_PORT[/PROTO]") String privatePort;

        @Override
        int execute() {
            ContainerRecord r = engine().store().lookup(ref);
            engine().network().sweep();
            NetworkState s = engine().network().state(r.id());
            List<PortMapping> ports = s == null ? List.of() : s.ports();
            if (privatePort == null) {
                for (PortMapping p : ports) out().println(p.containerPort() + "/" + p.protocol() + " -> " + p.shownHostIp() + ":" + p.hostPort());
                return 0;
            }
            String want = privatePort.contains("/") ? privatePort : privatePort + "/tcp";
            boolean any = false;
            for (PortMapping p : ports) {
                if (!(p.containerPort() + "/" + p.protocol()).equals(want)) continue;
                out().println(p.shownHostIp() + ":" + p.hostPort());
                any = true;
            }
            if (!any) throw new EngineException("No public port '" + want + "' published for " + ref, 1, null);
            return 0;
        }
    }

    // ---- for ps and container inspect

    /** ps's PORTS column: "0.0.0.0:8080->80/tcp, 127.0.0.1:9000->90/udp". */
    public static String portsColumn(Engine engine, String id) {
        NetworkState s = engine.network().state(id);
        if (s == null) return "";
        return String.join(", ", s.ports().stream().map(PortMapping::toString).toList());
    }

    /** ps's NETWORKS column. */
    public static String networksColumn(Engine engine, String id) {
        var c = engine.network().config(id);
        if (!c.mode().equals("bridge")) return c.mode().equals("container") ? "" : c.mode();
        return String.join(",", c.networks().stream().map(dev.hako.engine.network.NetworkConfig.Request::network).toList());
    }

    /** container inspect's NetworkSettings (and HostConfig.NetworkMode / PortBindings), docker's shape. */
    public static void addSettings(Engine engine, Map<String, Object> doc, String id) {
        var config = engine.network().config(id);
        NetworkState s = engine.network().state(id);
        Map<String, Object> ns = new LinkedHashMap<>();
        ns.put("Bridge", "");
        ns.put("SandboxID", s == null ? "" : id);
        ns.put("SandboxKey", s == null ? "" : s.netns());
        Map<String, Object> ports = new LinkedHashMap<>();
        List<PortMapping> live = s == null ? List.of() : s.ports();
        for (PortMapping p : config.ports()) ports.putIfAbsent(p.containerPort() + "/" + p.protocol(), null);
        for (PortMapping p : live) {
            @SuppressWarnings("unchecked")
            List<Object> l = (List<Object>) ports.computeIfAbsent(p.containerPort() + "/" + p.protocol(), k -> new ArrayList<>());
            if (l == null) {
                l = new ArrayList<>();
                ports.put(p.containerPort() + "/" + p.protocol(), l);
            }
            l.add(Map.of("HostIp", p.shownHostIp(), "HostPort", String.valueOf(p.hostPort())));
        }
        ns.put("Ports", ports);
        String ip = "", gw = "", mac = "";
        int prefix = 0;
        Map<String, Object> nets = new LinkedHashMap<>();
        for (var req : config.networks()) {
            NetworkState.Endpoint ep = s == null ? null : s.endpoint(req.network());
            NetworkInfo info = engine.network().networks().find(req.network());
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("IPAMConfig", req.ip() == null ? null : Map.of("IPv4Address", req.ip()));
            e.put("Links", null);
            e.put("Aliases", req.aliases().isEmpty() ? null : req.aliases());
            e.put("MacAddress", ep == null || ep.mac() == null ? "" : ep.mac());
            e.put("NetworkID", info == null ? "" : info.id());
            e.put("EndpointID", ep == null || info == null ? "" : endpointId(id, info));
            e.put("Gateway", ep == null || ep.gateway() == null ? "" : ep.gateway());
            e.put("IPAddress", ep == null || ep.ip() == null ? "" : ep.ip());
            e.put("IPPrefixLen", ep == null ? 0 : ep.prefixLen());
            e.put("IPv6Gateway", "");
            e.put("GlobalIPv6Address", "");
            e.put("GlobalIPv6PrefixLen", 0);
            List<String> dnsNames = new ArrayList<>();
            if (info != null && !info.name().equals(NetworkStore.DEFAULT)) {
                try {
                    ContainerRecord r = engine.store().lookup(id);
                    dnsNames.add(r.name());
                    dnsNames.add(r.shortId());
                } catch (EngineException x) {
                    // gone meanwhile
                }
                dnsNames.addAll(req.aliases());
            }
            e.put("DNSNames", dnsNames.isEmpty() ? null : dnsNames);
            nets.put(req.network(), e);
            // docker fills the top-level fields from the default bridge network only
            if (ep != null && ep.ip() != null && req.network().equals(NetworkStore.DEFAULT)) {
                ip = ep.ip();
                gw = ep.gateway();
                mac = ep.mac();
                prefix = ep.prefixLen();
            }
        }
        if (config.mode().equals("host") || config.mode().equals("none")) nets.put(config.mode(), Map.of("NetworkID", "", "IPAddress", ""));
        ns.put("Gateway", gw);
        ns.put("IPAddress", ip);
        ns.put("IPPrefixLen", prefix);
        ns.put("MacAddress", mac);
        ns.put("Networks", nets);
        doc.put("NetworkSettings", ns);
    }
}
