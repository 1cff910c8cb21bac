package dev.hako.engine.network;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.hako.engine.EngineException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One published port: host address and port → container port. As requested (-p), {@code hostPort} 0 means "any
 * free port" and {@code hostPortEnd} > hostPort means "the first free one in the range"; once attached, the port
 * the container got.
 *
 * @param hostIp "" for all addresses (docker shows 0.0.0.0)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PortMapping(String hostIp, int hostPort, int hostPortEnd, int containerPort, String protocol) {
    public PortMapping {
        hostIp = hostIp == null ? "" : hostIp;
        protocol = protocol == null || protocol.isEmpty() ? "tcp" : protocol;
    }

    public PortMapping withHostPort(int port) { return new PortMapping(hostIp, port, 0, containerPort, protocol); }

    public String shownHostIp() { return hostIp.isEmpty() ? "0.0.0.0" : hostIp; }

    /** docker ps's form: 0.0.0.0:8080->80/tcp */
    @Override
    public String toString() { return shownHostIp() + ":" + hostPort + "->" + containerPort + "/" + protocol; }

    /**
     * docker's -p: {@code [ip:][hostPort:]containerPort[/proto]}, each port a number or a range (a-b); a host
     * range and a container range of the same length map pairwise; a host range with one container port means
     * any free port of the range.
     */
    public static List<PortMapping> parse(String spec) {
        String s = spec.trim();
        String proto = "tcp";
        int slash = s.lastIndexOf('/');
        if (slash >= 0) {
            proto = s.substring(slash + 1).toLowerCase(Locale.ROOT);
            s = s.substring(0, slash);
            if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp"))
                throw new EngineException("invalid proto: " + proto + " in -p " + spec);
        }
        String ip = "", host = "", ctr;
        int last = s.lastIndexOf(':');
        if (last < 0) {
            ctr = s;
        } else {
            ctr = s.substring(last + 1);
            String rest = s.substring(0, last);
            int c2 = rest.lastIndexOf(':');
            if (c2 < 0) {
                host = rest;
            } else {
                ip = rest.substring(0, c2);
                host = rest.substring(c2 + 1);
                if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.substring(1, ip.length() - 1);
                if (!ip.isEmpty()) {
                    try {
                        Ipv4Cidr.parseAddress(ip, ip);
                    } catch (IllegalArgumentException e) {
                        throw new EngineException("invalid IP address in -p " + spec + ": " + ip + " (IPv4 only)");
                    }
                }
            }
        }
        if (ip.equals("0.0.0.0")) ip = "";
        int[] c = range(ctr, spec, "container");
        int[] h = host.isEmpty() ? new int[]{0, 0} : range(host, spec, "host");
        List<PortMapping> out = new ArrayList<>();
        int cn = c[1] - c[0] + 1, hn = h[1] - h[0] + 1;
        if (h[0] == 0) {
            for (int p = c[0]; p <= c[1]; p++) out.add(new PortMapping(ip, 0, 0, p, proto));
        } else if (cn == hn) {
            for (int i = 0; i < cn; i++) out.add(new PortMapping(ip, h[0] + i, 0, c[0] + i, proto));
        } else if (cn == 1) {
            out.add(new PortMapping(ip, h[0], h[1], c[0], proto));
        } else {
            throw new EngineException("invalid ranges specified for container and host ports: -p " + spec);
        }
        return out;
    }

    private static int[] range(String text, String spec, String which) {
        int dash = text.indexOf('-');
        try {
            int a = Integer.parseInt(dash < 0 ? text : text.substring(0, dash));
            int b = dash < 0 ? a : Integer.parseInt(text.substring(dash + 1));
            if (a < 1 || b > 65535 || b < a) throw new NumberFormatException();
            return new int[]{a, b};
        } catch (NumberFormatException e) {
            throw new EngineException("invalid " + which + " port \"" + text + "\" in -p " + spec);
        }
    }
}
