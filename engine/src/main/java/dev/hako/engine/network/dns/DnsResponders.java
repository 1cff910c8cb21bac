package dev.hako.engine.network.dns;

import java.nio.file.Path;
import java.util.List;

/**
 * STUB with the agreed signatures so the network code compiles before the DNS helper's branch (h/dns) lands;
 * the lead merges the real implementation over this file. It registers nothing and runs no responder.
 */
public final class DnsResponders {
    public DnsResponders(Path runRoot) {}

    /** names (container name, short id, aliases) → ipv4 on that network; ensures its responder listens on listenIp:53 */
    public void register(String network, String listenIp, String containerId, List<String> names, String ipv4) {}

    /** forgets the container's names on that network; stops the responder when the network has none left */
    public void unregister(String network, String containerId) {}
}
