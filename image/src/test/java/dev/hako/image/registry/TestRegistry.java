package dev.hako.image.registry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real registry for tests: Debian's docker-registry on 127.0.0.1:&lt;free port&gt; with a config written
 * to a temp dir (filesystem storage), optionally TLS, htpasswd or token auth. close() stops it.
 */
public final class TestRegistry implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;

    /** TLS cert/key, htpasswd file, or token settings; null fields are off. */
    public record Options(Path tlsCert, Path tlsKey, Path htpasswd, String tokenRealm, String tokenService,
                          String tokenIssuer, Path tokenRootCert, Path clientCa) {
        public static Options plain() { return new Options(null, null, null, null, null, null, null, null); }
    }

    private TestRegistry(Process process, int port, Path dir) { this.process = process; this.port = port; this.dir = dir; }

    public static TestRegistry start(Path dir, Options o) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int port = freePort();
        StringBuilder y = new StringBuilder();
        y.append("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n");
        y.append("storage:\n  filesystem:\n    rootdirectory: ").append(dir.resolve("data")).append("\n  delete:\n    enabled: true\n");
        y.append("http:\n  addr: 127.0.0.1:").append(port).append("\n");
        if (o.tlsCert() != null) y.append("  tls:\n    certificate: ").append(o.tlsCert()).append("\n    key: ").append(o.tlsKey()).append("\n");
        if (o.clientCa() != null) y.append("    clientcas:\n      - ").append(o.clientCa()).append("\n");
        if (o.htpasswd() != null) y.append("auth:\n  htpasswd:\n    realm: hako-test\n    path: ").append(o.htpasswd()).append("\n");
        if (o.tokenRealm() != null) y.append("auth:\n  token:\n    realm: ").append(o.tokenRealm()).append("\n    service: ").append(o.tokenService())
                .append("\n    issuer: ").append(o.tokenIssuer()).append("\n    rootcertbundle: ").append(o.tokenRootCert()).append("\n");
        Path cfg = dir.resolve("config.yml");
        Files.writeString(cfg, y.toString(), StandardCharsets.UTF_8);
        Process p = new ProcessBuilder("docker-registry", "serve", cfg.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        TestRegistry r = new TestRegistry(p, port, dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return r;
            } catch (IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    r.close();
                    throw new IOException("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
                }
                Thread.sleep(25);
            }
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) { return s.getLocalPort(); }
    }

    /** host:port, e.g. 127.0.0.1:41234. */
    public String host() { return "127.0.0.1:" + port; }

    public int port() { return port; }

    public Path dir() { return dir; }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) { process.destroyForcibly(); process.waitFor(5, TimeUnit.SECONDS); }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs openssl to make a CA and a server certificate for IP 127.0.0.1 in {@code dir}: ca.crt, server.crt, server.key. */
    public static void makeCerts(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        run(dir, List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
                "-days", "2", "-subj", "/CN=hako-test-ca"));
        run(dir, List.of("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
                "-subj", "/CN=127.0.0.1"));
        run(dir, List.of("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.crt", "-days", "2", "-extfile", "san.ext"));
    }

    /** A client certificate signed by the CA of {@link #makeCerts}: client.cert, client.key (PKCS#8) in {@code dir}. */
    public static void makeClientCert(Path dir) throws IOException, InterruptedException {
        run(dir, List.of("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr",
                "-subj", "/CN=hako-test-client"));
        run(dir, List.of("openssl", "x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "client.cert", "-days", "2"));
    }

    static void run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException(cmd + ": " + out);
    }
}
