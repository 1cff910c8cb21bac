package dev.hako.engine.network;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.Map;

/**
 * What hako keeps about a network beside its CNI conflist ({@code <root>/networks/<name>.json}): what `network
 * inspect` shows and what the conflist was generated from.
 *
 * @param id       64 hex
 * @param created  RFC 3339
 * @param driver   bridge, macvlan or ipvlan
 * @param iface    the bridge's name (bridge driver) or the parent interface (macvlan/ipvlan)
 * @param subnet   CIDR
 * @param gateway  IPv4
 * @param ipRange  CIDR within subnet from which container addresses come, or null
 * @param internal no route out: no masquerade, no default route in the containers
 * @param options  -o key=value as given
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NetworkInfo(String name, String id, String created, String driver, String iface, String subnet,
                          String gateway, String ipRange, boolean internal, Map<String, String> labels,
                          Map<String, String> options) {
    public NetworkInfo {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    public String shortId() { return id.substring(0, 12); }

    public Ipv4Cidr subnetCidr() { return Ipv4Cidr.parse(subnet); }

    public int prefixLength() { return subnetCidr().prefix(); }
}
