package dev.hako.engine.network;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;

/**
 * A started container's live attachments ({@code <runRoot>/netns/<id>.json}, beside its netns): volatile like
 * the netns itself, gone when the container stops. Written before each CNI ADD, so after a crash the sweep knows
 * what to DEL.
 *
 * @param netns the namespace path the container runs in (its own, or the one it joined)
 * @param owned whether the namespace is this container's (made and removed by it)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NetworkState(String netns, boolean owned, List<Endpoint> endpoints, List<PortMapping> ports) {
    public NetworkState {
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        ports = ports == null ? List.of() : List.copyOf(ports);
    }

    /** One interface on one network; ip null while its ADD has not returned. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Endpoint(String network, String networkId, String ifName, String ip, int prefixLen, String gateway,
                           String mac, List<String> aliases, String requestedIp) {
        public Endpoint {
            aliases = aliases == null ? List.of() : List.copyOf(aliases);
        }
    }

    public NetworkState withEndpoints(List<Endpoint> e) { return new NetworkState(netns, owned, e, ports); }

    public Endpoint endpoint(String network) {
        return endpoints.stream().filter(e -> e.network().equals(network)).findFirst().orElse(null);
    }
}
