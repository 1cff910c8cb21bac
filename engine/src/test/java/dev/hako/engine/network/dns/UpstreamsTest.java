package dev.hako.engine.network.dns;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** Forwarding against fake upstreams on 127.0.0.1 ephemeral ports. */
class UpstreamsTest {
    static byte[] query(int id) {
        return new DnsMessage(id, DnsMessage.RD, List.of(new DnsMessage.Question("example.com", 1, 1)), List.of(), List.of(), List.of()).encode();
    }

    static byte[] asAnswer(byte[] q, int id) {
        byte[] a = q.clone();
        a[0] = (byte) (id >> 8);
        a[1] = (byte) id;
        a[2] |= (byte) 0x80;
        return a;
    }

    @Test
    void udpResendsAfterALossAndIgnoresWrongIds() throws Exception {
        var received = new AtomicInteger();
        try (var fake = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[512];
                while (!fake.isClosed()) {
                    try {
                        var p = new DatagramPacket(buf, buf.length);
                        fake.receive(p);
                        if (received.incrementAndGet() == 1) continue; // the first one is "lost"
                        byte[] q = Arrays.copyOf(buf, p.getLength());
                        int id = ((q[0] & 0xFF) << 8) | (q[1] & 0xFF);
                        byte[] wrong = asAnswer(q, id ^ 1), right = asAnswer(q, id);
                        fake.send(new DatagramPacket(wrong, wrong.length, p.getSocketAddress()));
                        fake.send(new DatagramPacket(right, right.length, p.getSocketAddress()));
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            var up = Upstreams.parse("nameserver 127.0.0.1#" + fake.getLocalPort() + "\n", Set.of(), 3000);
            byte[] q = query(0x2a2a);
            byte[] a = up.forward(q, q.length, false);
            assertNotNull(a, "answered after the resend");
            assertEquals(0x2a, a[0]);
            assertEquals(0x2a, a[1]);
            assertTrue(received.get() >= 2);
        }
    }

    @Test
    void silentServerGivesNullThenNextServerAnswersOverTcp() throws Exception {
        try (var silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             var silentTcp = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             var tcp = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            var udpOnly = Upstreams.parse("nameserver 127.0.0.1#" + silent.getLocalPort() + "\n", Set.of(), 300);
            byte[] q = query(7);
            assertNull(udpOnly.forward(q, q.length, false), "no answer in time: null (the caller answers SERVFAIL)");

            Thread.ofVirtual().start(() -> {
                try (Socket s = tcp.accept()) {
                    var in = new DataInputStream(s.getInputStream());
                    byte[] got = in.readNBytes(in.readUnsignedShort());
                    byte[] a = asAnswer(got, 7);
                    var out = new DataOutputStream(s.getOutputStream());
                    out.writeShort(a.length);
                    out.write(a);
                    out.flush();
                } catch (Exception ignored) {
                    // test ends
                }
            });
            // the first server accepts TCP but never answers; the second does
            var two = Upstreams.parse("nameserver 127.0.0.1#" + silentTcp.getLocalPort() + "\nnameserver 127.0.0.1#" + tcp.getLocalPort() + "\n", Set.of(), 300);
            byte[] a = two.forward(q, q.length, true);
            assertNotNull(a);
            assertEquals(q.length, a.length);
            assertEquals(0, a[0]);
            assertEquals(7, a[1]);
        }
    }

    @Test
    void tcpQueryFallsBackToUdpWhenTheServerRefusesTcp() throws Exception {
        try (var udpOnly = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[512];
                try {
                    var p = new DatagramPacket(buf, buf.length);
                    udpOnly.receive(p);
                    byte[] a = asAnswer(Arrays.copyOf(buf, p.getLength()), 9);
                    udpOnly.send(new DatagramPacket(a, a.length, p.getSocketAddress()));
                } catch (Exception ignored) {
                    // test ends
                }
            });
            // nothing listens on TCP at that port number: connect is refused, then UDP answers
            byte[] q = query(9);
            byte[] a = Upstreams.parse("nameserver 127.0.0.1#" + udpOnly.getLocalPort() + "\n", Set.of(), 1000).forward(q, q.length, true);
            assertNotNull(a);
            assertEquals(9, a[1]);
        }
    }
}
