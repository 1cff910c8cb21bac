package dev.hako.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Debian's docker-registry on 127.0.0.1:<free port>, plain http, storage in {@code dir}; close() stops it. */
public final class Registry implements AutoCloseable {
    private final Process process;
    public final String host;

    private Registry(Process process, String host) {
        this.process = process;
        this.host = host;
    }

    public static Registry start(Path dir) throws IOException, InterruptedException { return start(dir, null); }

    /** With {@code htpasswd} (a file) the registry asks for basic auth. */
    public static Registry start(Path dir, Path htpasswd) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path cfg = dir.resolve("config.yml");
        Files.writeString(cfg, "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
                + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("data") + "\n  delete:\n    enabled: true\n"
                + "http:\n  addr: 127.0.0.1:" + port + "\n"
                + (htpasswd == null ? "" : "auth:\n  htpasswd:\n    realm: hako-test\n    path: " + htpasswd + "\n"));
        Process p = new ProcessBuilder("docker-registry", "serve", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile()).start();
        Registry r = new Registry(p, "127.0.0.1:" + port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
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

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
