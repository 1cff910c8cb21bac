/**
 * Name resolution for user-defined networks: containers find each other by name, short id and alias through a
 * DNS responder hako runs in the host's network namespace on each network's gateway address (as docker's
 * embedded DNS and podman's aardvark-dns do); other names go to the host's resolvers from /etc/resolv.conf.
 * <p>
 * The engine calls {@link dev.hako.engine.network.dns.DnsResponders#register} once a container has its address
 * on a network (after the CNI ADD) and {@link dev.hako.engine.network.dns.DnsResponders#unregister} when it
 * leaves (before or after the CNI DEL); the container's resolv.conf then names the gateway as its nameserver
 * (optionally {@code search dns.hako}). The host's INPUT firewall must let the bridge reach the gateway on
 * UDP and TCP port 53.
 * <p>
 * Pieces: {@link dev.hako.engine.network.dns.DnsMessage} (wire codec), {@code QueryHandler} (answer, forward or
 * drop; pure), {@code Upstreams} (resolv.conf and forwarding), {@code DnsServer} and {@link
 * dev.hako.engine.network.dns.DnsMain} (the responder process), {@code NetworkRecords} (the records files).
 */
package dev.hako.engine.network.dns;
