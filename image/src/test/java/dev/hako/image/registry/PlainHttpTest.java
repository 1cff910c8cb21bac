package dev.hako.image.registry;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The blob GET client against a scripted server: framing, keep-alive, stale connections, bad input. */
class PlainHttpTest {
    ServerSocket server;
    final AtomicInteger connections = new AtomicInteger();
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** request path → raw response bytes; a null response closes the connection without answering. */
    volatile Function<String, Answer> script;
    PlainHttp http;

    record Answer(byte[] bytes, boolean closeAfter) {
        static Answer of(String s, boolean closeAfter) { return new Answer(s.getBytes(StandardCharsets.ISO_8859_1), closeAfter); }
    }

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
        http = new PlainHttp(5000, 5000, "hako-test");
    }

    @AfterEach
    void stop() throws IOException {
        http.close();
        server.close();
    }

    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            while (true) {
                String head = readHead(in);
                if (head == null) return;
                requests.add(head);
                String path = head.split(" ")[1];
                Answer a = script.apply(path);
                if (a == null) return;
                out.write(a.bytes());
                out.flush();
                if (a.closeAfter()) return;
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c, state = 0;
        while ((c = in.read()) >= 0) {
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) ? state + 1 : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
            if (state == 4) return b.toString(StandardCharsets.ISO_8859_1);
        }
        return null;
    }

    URI uri(String path) { return URI.create("http://127.0.0.1:" + server.getLocalPort() + path); }

    static String body(HttpResponse<InputStream> r) throws IOException {
        try (InputStream in = r.body()) { return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1); }
    }

    @Test
    void keptAliveConnectionsAreReusedAndHeadersSent() throws IOException {
        script = p -> Answer.of("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nDocker-Content-Digest: d" + p + "\r\n\r\nhello", false);
        for (int i = 0; i < 3; i++) {
            HttpResponse<InputStream> r = http.get(uri("/v2/x/blobs/" + i), Map.of("Range", "bytes=0-", "Authorization", "Bearer t"), null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("docker-content-digest")).contains("d/v2/x/blobs/" + i);
            assertThat(body(r)).isEqualTo("hello");
        }
        assertThat(connections.get()).isEqualTo(1);
        assertThat(requests.getFirst()).startsWith("GET /v2/x/blobs/0 HTTP/1.1\r\n")
                .contains("\r\nHost: 127.0.0.1:" + server.getLocalPort() + "\r\n", "\r\nRange: bytes=0-\r\n",
                        "\r\nAuthorization: Bearer t\r\n", "\r\nUser-Agent: hako-test\r\n");
    }

    @Test
    void chunkedBodiesAreDecodedAndTheConnectionReused() throws IOException {
        script = p -> Answer.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\nTrailer: x\r\n\r\n", false);
        assertThat(body(http.get(uri("/a"), Map.of(), null))).isEqualTo("hello world!");
        assertThat(body(http.get(uri("/b"), Map.of(), null))).isEqualTo("hello world!");
        assertThat(connections.get()).isEqualTo(1);
    }

    @Test
    void aConnectionTheServerClosedWhileIdleIsReplaced() throws IOException {
        script = p -> Answer.of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
        assertThat(body(http.get(uri("/a"), Map.of(), null))).isEqualTo("ok");
        // the pooled connection is closed by the server on the next request: a fresh one answers
        script = new Function<>() {
            final AtomicInteger n = new AtomicInteger();
            @Override public Answer apply(String p) {
                return n.getAndIncrement() == 0 ? null : Answer.of("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nnew", false);
            }
        };
        assertThat(body(http.get(uri("/b"), Map.of(), null))).isEqualTo("new");
        assertThat(connections.get()).isEqualTo(2);
    }

    @Test
    void aBodyCutShortIsAnErrorAndCloseDelimitedBodiesEndAtClose() throws IOException {
        script = p -> p.equals("/short")
                ? Answer.of("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true)
                : Answer.of("HTTP/1.0 200 OK\r\n\r\nuntil the end", true);
        HttpResponse<InputStream> r = http.get(uri("/short"), Map.of(), null);
        assertThatThrownBy(() -> r.body().readAllBytes()).isInstanceOf(EOFException.class).hasMessageContaining("7 bytes");
        assertThat(body(http.get(uri("/close"), Map.of(), null))).isEqualTo("until the end");
        assertThat(connections.get()).isEqualTo(2);
    }

    @Test
    void aBodyClosedEarlyClosesItsConnection() throws IOException {
        script = p -> Answer.of("HTTP/1.1 206 Partial Content\r\nContent-Length: 4\r\nContent-Range: bytes 2-5/6\r\n\r\nabcd", false);
        HttpResponse<InputStream> r = http.get(uri("/a"), Map.of(), null);
        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.body().read()).isEqualTo('a');
        r.body().close();
        assertThat(body(http.get(uri("/b"), Map.of(), null))).isEqualTo("abcd");
        assertThat(connections.get()).as("a half-read connection is not reused").isEqualTo(2);
    }

    @Test
    void badHeadersAndAnswersAreRefused() {
        script = p -> Answer.of("SSH-2.0-OpenSSH\r\n\r\n", true);
        assertThatThrownBy(() -> http.get(uri("/a"), Map.of("Authorization", "Bearer x\r\nX-Injected: 1"), null))
                .isInstanceOf(IOException.class).hasMessageContaining("Authorization");
        assertThatThrownBy(() -> http.get(uri("/a"), Map.of(), null)).isInstanceOf(IOException.class)
                .hasMessageContaining("malformed HTTP status line");
        assertThat(PlainHttp.handles(URI.create("https://127.0.0.1:5000/v2/"))).isTrue();
        assertThat(PlainHttp.handles(URI.create("ftp://127.0.0.1:5000/v2/"))).isFalse();
        assertThat(PlainHttp.handles(URI.create("http://127.0.0.1:5000/v2/"))).isTrue();
    }
}
