package dev.hako.engine.network.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The host's resolvers from resolv.conf, and forwarding a raw query to them. The query goes out unchanged (same
 * id, same EDNS OPT), from a fresh socket with a random port per query, so concurrent clients using the same id
 * can't get each other's answers; only an answer from the server asked, with the query's id, is accepted. A
 * query that came over TCP goes upstream over TCP. Servers are tried in order, each with {@link #timeoutMillis}.
 */
final class Upstreams {
    static final int DEFAULT_TIMEOUT_MS = 2000;

    private final List<InetSocketAddress> servers;
    private final int timeoutMillis;

    Upstreams(List<InetSocketAddress> servers, int timeoutMillis) {
        this.servers = List.copyOf(servers);
        this.timeoutMillis = timeoutMillis;
    }

    List<InetSocketAddress> servers() { return servers; }

    /**
     * The nameservers of a resolv.conf (at most 3, as glibc), minus {@code exclude} (our own listen addresses:
     * forwarding to ourselves would loop); 127.0.0.1 if it names none, as glibc does. Port 53 unless a test
     * writes {@code nameserver IP#port}.
     */
    static Upstreams parse(String resolvConf, Set<String> exclude, int timeoutMillis) {
        List<InetSocketAddress> out = new ArrayList<>();
        int named = 0;
        for (String line : resolvConf.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 2 || !f[0].equals("nameserver")) continue;
            named++;
            if (named > 3) break;
            String host = f[1];
            int port = 53;
            int hash = host.indexOf('#');
            if (hash > 0) {
                try {
                    port = Integer.parseInt(host.substring(hash + 1));
                } catch (NumberFormatException e) {
                    continue;
                }
                host = host.substring(0, hash);
            }
            InetAddress a;
            try {
                a = InetAddress.ofLiteral(host);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (exclude.contains(a.getHostAddress())) continue;
            out.add(new InetSocketAddress(a, port));
        }
        if (named == 0) out.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53));
        return new Upstreams(out, timeoutMillis);
    }

    /** The upstream answer to {@code query}, or null if no server answered in time. */
    byte[] forward(byte[] query, int length, boolean tcp) {
        for (InetSocketAddress server : servers) {
            try {
                byte[] answer = tcp ? overTcp(server, query, length) : overUdp(server, query, length);
                if (answer != null) return answer;
            } catch (IOException e) {
                // below: UDP for a server that refuses TCP, else the next server; SERVFAIL if none answers
            }
            if (tcp) { // some resolvers (home routers) speak only UDP: a possibly truncated answer beats none
                try {
                    byte[] answer = overUdp(server, query, length);
                    if (answer != null) return answer;
                } catch (IOException e) {
                    // next server
                }
            }
        }
        return null;
    }

    /** Sends, and sends again every third of the timeout (a lost datagram must not become a SERVFAIL). */
    private byte[] overUdp(InetSocketAddress server, byte[] query, int length) throws IOException {
        try (var s = new DatagramSocket()) {
            s.connect(server);
            long now = System.nanoTime(), deadline = now + timeoutMillis * 1_000_000L, resendEvery = deadline - now;
            resendEvery /= 3;
            long resendAt = now + resendEvery;
            s.send(new DatagramPacket(query, length));
            byte[] buf = new byte[65535];
            while (true) {
                now = System.nanoTime();
                if (now >= deadline) return null;
                if (now >= resendAt) {
                    s.send(new DatagramPacket(query, length));
                    resendAt = now + resendEvery;
                }
                s.setSoTimeout((int) Math.max(1, (Math.min(deadline, resendAt) - now) / 1_000_000L));
                var p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                if (p.getLength() >= DnsMessage.HEADER && sameId(buf, query) && (buf[2] & 0x80) != 0)
                    return java.util.Arrays.copyOf(buf, p.getLength());
            }
        }
    }

    private byte[] overTcp(InetSocketAddress server, byte[] query, int length) throws IOException {
        try (var s = new Socket()) {
            s.connect(server, timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            var out = new DataOutputStream(s.getOutputStream());
            out.writeShort(length);
            out.write(query, 0, length);
            out.flush();
            var in = new DataInputStream(s.getInputStream());
            int n = in.readUnsignedShort();
            byte[] answer = in.readNBytes(n);
            if (answer.length != n || n < DnsMessage.HEADER || !sameId(answer, query)) return null;
            return answer;
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    private static boolean sameId(byte[] a, byte[] b) { return a[0] == b[0] && a[1] == b[1]; }
}
