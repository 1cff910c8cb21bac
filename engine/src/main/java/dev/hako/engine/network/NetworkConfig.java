package dev.hako.engine.network;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;

/**
 * What a container asks of the network, from create on ({@code <containerDir>/networks.json}); `network
 * connect/disconnect` change it, every start attaches to what it says.
 *
 * @param mode      bridge (its own netns with the listed networks, possibly none of them), host, container
 * @param container for mode container: the id whose namespace it joins
 * @param networks  in interface order (eth0, eth1, …)
 * @param ports     as requested by -p/-P
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NetworkConfig(String mode, String container, List<Request> networks, List<PortMapping> ports,
                            List<String> dns, List<String> dnsSearch, List<String> dnsOptions, List<String> addHosts) {
    public NetworkConfig {
        networks = networks == null ? List.of() : List.copyOf(networks);
        ports = ports == null ? List.of() : List.copyOf(ports);
        dns = dns == null ? List.of() : List.copyOf(dns);
        dnsSearch = dnsSearch == null ? List.of() : List.copyOf(dnsSearch);
        dnsOptions = dnsOptions == null ? List.of() : List.copyOf(dnsOptions);
        addHosts = addHosts == null ? List.of() : List.copyOf(addHosts);
    }

    /** One network to attach to, with --ip and --network-alias. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Request(String network, String ip, List<String> aliases) {
        public Request {
            aliases = aliases == null ? List.of() : List.copyOf(aliases);
        }
    }

    public NetworkConfig withNetworks(List<Request> n) {
        return new NetworkConfig(mode, container, n, ports, dns, dnsSearch, dnsOptions, addHosts);
    }
}
