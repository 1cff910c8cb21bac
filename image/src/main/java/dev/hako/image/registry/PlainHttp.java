package dev.hako.image.registry;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A minimal HTTP/1.1 GET over blocking sockets (plain or TLS), for blob downloads. The JDK's HttpClient hands a
 * body over through its selector thread in freshly allocated (and zeroed) buffers: for a 30 MB layer that was
 * a third of the pull's CPU. Here the caller's read goes straight to the socket. Connections are kept alive and
 * reused per host; Content-Length, chunked and close-delimited bodies are understood. TLS uses the host's
 * SSLContext (certs.d, client certificates, or trust-all for insecure registries) and checks the host name as the
 * HttpClient does. Redirects, auth, retries and resume stay with {@link RegistryClient}, which gets an ordinary
 * {@link HttpResponse}. Proxied URIs are not handled here ({@link #handles}).
 */
final class PlainHttp implements AutoCloseable {
    private static final int MAX_HEAD = 64 << 10;   // status line + headers
    private static final int MAX_IDLE_PER_HOST = 8;

    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;
    private final String userAgent;
    private final Map<String, Deque<Connection>> idle = new ConcurrentHashMap<>();
    private volatile boolean closed;

    PlainHttp(int connectTimeoutMillis, int readTimeoutMillis, String userAgent) {
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.readTimeoutMillis = readTimeoutMillis;
        this.userAgent = userAgent;
    }

    /** True for http(s) URIs the default proxy selector sends directly (the HttpClient would, too). */
    static boolean handles(URI uri) {
        if (!isHttps(uri) && !"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) return false;
        ProxySelector ps = ProxySelector.getDefault();
        if (ps == null) return true;
        try {
            List<Proxy> proxies = ps.select(uri);
            return proxies.isEmpty() || proxies.getFirst().type() == Proxy.Type.DIRECT;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean isHttps(URI uri) { return "https".equalsIgnoreCase(uri.getScheme()); }

    /**
     * GETs {@code uri} with {@code headers}; the body streams from the socket. Closing the body before its end
     * closes the connection; reading it to the end returns the connection for reuse. {@code tls}: the context
     * for an https URI (ignored for http).
     */
    HttpResponse<InputStream> get(URI uri, Map<String, String> headers, SSLContext tls) throws IOException {
        if (isHttps(uri) && tls == null) throw new IllegalArgumentException("https without a TLS context: " + uri);
        byte[] request = request(uri, headers);
        // connections of different TLS settings (verified or not, client certificate) are never mixed
        String key = isHttps(uri) ? "https://" + authority(uri) + "#" + System.identityHashCode(tls) : authority(uri);
        while (true) {
            Connection pooled = takeIdle(key);
            Connection c = pooled != null ? pooled : connect(uri, isHttps(uri) ? tls : null);
            try {
                c.out.write(request);
                c.out.flush();
                return c.readResponse(uri, key);
            } catch (IOException e) {
                c.close();
                // a kept-alive connection the server closed meanwhile fails before any answer: try a fresh one
                if (pooled == null || c.answered) throw e;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Deque<Connection> d : idle.values()) for (Connection c; (c = d.poll()) != null; ) c.close();
    }

    private static int port(URI uri) { return uri.getPort() >= 0 ? uri.getPort() : isHttps(uri) ? 443 : 80; }

    private static String authority(URI uri) {
        int port = port(uri);
        String host = uri.getHost();
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    private byte[] request(URI uri, Map<String, String> headers) throws IOException {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) path += "?" + uri.getRawQuery();
        StringBuilder sb = new StringBuilder(256).append("GET ").append(path).append(" HTTP/1.1\r\n");
        header(sb, "Host", uri.getRawAuthority().replaceFirst("^.*@", ""));
        header(sb, "User-Agent", userAgent);
        for (Map.Entry<String, String> h : headers.entrySet()) header(sb, h.getKey(), h.getValue());
        return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void header(StringBuilder sb, String name, String value) throws IOException {
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch <= ' ' || ch >= 0x7f || ch == ':') throw new IOException("invalid HTTP header name '" + name + "'");
        }
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '\r' || ch == '\n' || ch > 0xff) throw new IOException("invalid value of HTTP header " + name);
        }
        sb.append(name).append(": ").append(value).append("\r\n");
    }

    private Connection takeIdle(String key) {
        Deque<Connection> d = idle.get(key);
        for (Connection c; d != null && (c = d.pollFirst()) != null; ) {
            if (!c.socket.isClosed()) return c;
        }
        return null;
    }

    private void release(String key, Connection c) {
        if (closed || c.pos < c.lim) { c.close(); return; }   // bytes past the response: not a clean state
        Deque<Connection> d = idle.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>());
        if (d.size() >= MAX_IDLE_PER_HOST) { c.close(); return; }
        c.answered = false;
        d.addFirst(c);
        if (closed) close();
    }

    private Connection connect(URI uri, SSLContext tls) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            String host = uri.getHost().replace("[", "").replace("]", "");
            s.connect(new InetSocketAddress(host, port(uri)), connectTimeoutMillis);
            s.setSoTimeout(readTimeoutMillis);
            if (tls == null) return new Connection(s);
            SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(s, host, port(uri), true);   // SNI for names
            SSLParameters params = ssl.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");   // the certificate must name the host
            params.setApplicationProtocols(new String[] {"http/1.1"});
            ssl.setSSLParameters(params);
            ssl.startHandshake();
            return new Connection(ssl);
        } catch (IOException | RuntimeException e) {
            s.close();
            if (e instanceof java.net.SocketTimeoutException)
                throw new java.net.http.HttpConnectTimeoutException("HTTP connect timed out");
            throw e;
        }
    }

    /** One kept-alive connection: the socket and a buffer for what was read past the headers. */
    private final class Connection {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final byte[] buf = new byte[16 << 10];
        int pos, lim;
        boolean answered;   // a byte of the response arrived (a retry on another connection is no longer safe)

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        void close() {
            try { socket.close(); } catch (IOException ignored) { }
        }

        HttpResponse<InputStream> readResponse(URI uri, String key) throws IOException {
            while (true) {
                String status = line();
                answered = true;
                // "HTTP/1.1 200 OK"
                if (!status.startsWith("HTTP/1.") || status.length() < 12 || status.charAt(8) != ' ')
                    throw new IOException("malformed HTTP status line from " + key + ": '" + abbreviate(status) + "'");
                int code;
                try {
                    code = Integer.parseInt(status.substring(9, 12));
                } catch (NumberFormatException e) {
                    throw new IOException("malformed HTTP status line from " + key + ": '" + abbreviate(status) + "'");
                }
                boolean http10 = status.startsWith("HTTP/1.0");
                Map<String, List<String>> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                int headBytes = status.length();
                for (String l; !(l = line()).isEmpty(); ) {
                    headBytes += l.length();
                    if (headBytes > MAX_HEAD) throw new IOException("HTTP response headers from " + key + " are over " + MAX_HEAD + " bytes");
                    int colon = l.indexOf(':');
                    if (colon <= 0) throw new IOException("malformed HTTP header from " + key + ": '" + abbreviate(l) + "'");
                    fields.computeIfAbsent(l.substring(0, colon).trim(), k -> new ArrayList<>()).add(l.substring(colon + 1).trim());
                }
                if (code >= 100 && code < 200) continue;   // interim answers (100 Continue) carry no body
                HttpHeaders h = HttpHeaders.of(fields, (a, b) -> true);
                String conn = h.firstValue("Connection").orElse("").toLowerCase(Locale.ROOT);
                boolean keepAlive = http10 ? conn.contains("keep-alive") : !conn.contains("close");
                InputStream body;
                String te = h.firstValue("Transfer-Encoding").orElse("").toLowerCase(Locale.ROOT);
                if (code == 204 || code == 304) {
                    body = new Body(key, keepAlive, 0, false);
                } else if (te.endsWith("chunked")) {
                    body = new Body(key, keepAlive, -1, true);
                } else if (h.firstValue("Content-Length").isPresent()) {
                    long len;
                    try {
                        len = Long.parseLong(h.firstValue("Content-Length").get().trim());
                    } catch (NumberFormatException e) {
                        throw new IOException("bad Content-Length from " + key + ": " + h.firstValue("Content-Length").get());
                    }
                    if (len < 0) throw new IOException("negative Content-Length from " + key);
                    body = new Body(key, keepAlive, len, false);
                } else {
                    body = new Body(key, false, -1, false);   // until the server closes
                }
                return new Response(code, h, body, uri);
            }
        }

        /** One CRLF- (or LF-) terminated line of the head, in ISO-8859-1. */
        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            while (true) {
                if (pos == lim && !fillBuffer()) throw new EOFException("connection closed by the server before a complete HTTP response");
                byte b = buf[pos++];
                if (b == '\n') {
                    int n = sb.length();
                    if (n > 0 && sb.charAt(n - 1) == '\r') sb.setLength(n - 1);
                    return sb.toString();
                }
                if (sb.length() >= MAX_HEAD) throw new IOException("HTTP response line is over " + MAX_HEAD + " bytes");
                sb.append((char) (b & 0xff));
            }
        }

        private boolean fillBuffer() throws IOException {
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) return false;
            pos = 0;
            lim = n;
            return true;
        }

        /** Reads body bytes: first what the head's read brought along, then straight from the socket. */
        private int readRaw(byte[] b, int off, int len) throws IOException {
            if (pos < lim) {
                int n = Math.min(len, lim - pos);
                System.arraycopy(buf, pos, b, off, n);
                pos += n;
                return n;
            }
            return in.read(b, off, len);
        }

        /** A response body; at its clean end the connection goes back to the pool. */
        private final class Body extends InputStream {
            private final String key;
            private final boolean keepAlive;
            private final boolean chunked;
            private long remaining;          // of the body, or of the current chunk; -1 = until close (or chunk size unknown)
            private boolean done, closed;

            Body(String key, boolean keepAlive, long length, boolean chunked) throws IOException {
                this.key = key;
                this.keepAlive = keepAlive;
                this.chunked = chunked;
                this.remaining = length;
                if (chunked) nextChunk();
                else if (length == 0) end();
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (closed) throw new IOException("HTTP response body is closed");
                if (len == 0) return 0;
                if (done) return -1;
                if (chunked && remaining == 0) {
                    crlf();
                    nextChunk();
                    if (done) return -1;
                }
                int want = remaining < 0 ? len : (int) Math.min(len, remaining);
                int n = readRaw(b, off, want);
                if (n < 0) {
                    if (remaining < 0 && !chunked) { done = true; return -1; }   // close-delimited: the end
                    throw new EOFException("connection closed by " + key + " with " + remaining + " bytes of the body missing");
                }
                if (remaining > 0) remaining -= n;
                if (!chunked && remaining == 0) end();
                return n;
            }

            /** Reads the next chunk-size line; a 0 chunk ends the body after its trailer. */
            private void nextChunk() throws IOException {
                String l = line();
                int semi = l.indexOf(';');
                String hex = (semi < 0 ? l : l.substring(0, semi)).trim();
                try {
                    remaining = Long.parseLong(hex, 16);
                } catch (NumberFormatException e) {
                    throw new IOException("malformed chunk size from " + key + ": '" + abbreviate(l) + "'");
                }
                if (remaining < 0) throw new IOException("malformed chunk size from " + key + ": '" + abbreviate(l) + "'");
                if (remaining == 0) {
                    while (!line().isEmpty()) { }   // trailer fields, ignored
                    end();
                }
            }

            private void crlf() throws IOException {
                if (!line().isEmpty()) throw new IOException("malformed chunked body from " + key + ": no CRLF after a chunk");
            }

            private void end() {
                done = true;
                if (keepAlive) release(key, Connection.this);
                else Connection.this.close();
            }

            @Override
            public void close() {
                if (closed) return;
                closed = true;
                if (!done) Connection.this.close();   // the rest of the body would have to be read first
            }
        }
    }

    private static String abbreviate(String s) { return s.length() > 80 ? s.substring(0, 80) + "..." : s; }

    /** What {@link RegistryClient} reads of a response. */
    private record Response(int statusCode, HttpHeaders headers, InputStream body, URI uri) implements HttpResponse<InputStream> {
        @Override public HttpRequest request() { return HttpRequest.newBuilder(uri).GET().build(); }
        @Override public Optional<HttpResponse<InputStream>> previousResponse() { return Optional.empty(); }
        @Override public Optional<SSLSession> sslSession() { return Optional.empty(); }
        @Override public HttpClient.Version version() { return HttpClient.Version.HTTP_1_1; }
    }
}
