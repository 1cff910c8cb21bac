package dev.hako.image.registry;

import com.sun.net.httpserver.HttpServer;
import dev.hako.oci.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny token service for docker-registry's auth.token: signs RS256 JWTs (x5c header) with a key whose
 * self-signed certificate is the registry's rootcertbundle. alice:s3cret gets what she asks for;
 * anonymous clients get pull only; wrong credentials get 401.
 */
final class TokenServer implements AutoCloseable {
    static final String SERVICE = "hako-test-service", ISSUER = "hako-test-issuer";
    final HttpServer server;
    static final String REFRESH_TOKEN = "alice-identity-token";
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger posts = new AtomicInteger();
    final List<String> scopesSeen = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final PrivateKey key;
    private final String x5c;

    TokenServer(Path pki) throws Exception {
        TestRegistry.run(pki, List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "token.key",
                "-out", "token.crt", "-days", "2", "-subj", "/CN=hako-test-token"));
        String pem = Files.readString(pki.resolve("token.key"));
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
        X509Certificate cert;
        try (var in = Files.newInputStream(pki.resolve("token.crt"))) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        x5c = Base64.getEncoder().encodeToString(cert.getEncoded());
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", ex -> {
            try {
                requests.incrementAndGet();
                Map<String, List<String>> q = query(ex.getRequestURI().getRawQuery());
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                String user = null;
                if (ex.getRequestMethod().equals("POST")) {
                    // OAuth2 refresh-token grant: the identity token stands for alice; scopes are space-separated
                    q = query(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                    posts.incrementAndGet();
                    if (!q.getOrDefault("grant_type", List.of()).equals(List.of("refresh_token"))
                            || !q.getOrDefault("refresh_token", List.of()).equals(List.of(REFRESH_TOKEN))) {
                        ex.sendResponseHeaders(401, -1);
                        return;
                    }
                    user = "alice";
                    List<String> scopes = new ArrayList<>();
                    for (String s : q.getOrDefault("scope", List.of())) scopes.addAll(List.of(s.split(" ")));
                    q.put("scope", scopes);
                } else if (auth != null) {
                    String dec = new String(Base64.getDecoder().decode(auth.substring("Basic ".length())), StandardCharsets.UTF_8);
                    if (!dec.equals("alice:s3cret")) { ex.sendResponseHeaders(401, -1); return; }
                    user = "alice";
                }
                List<Map<String, Object>> access = new ArrayList<>();
                for (String scope : q.getOrDefault("scope", List.of())) {
                    scopesSeen.add(scope);
                    int first = scope.indexOf(':'), last = scope.lastIndexOf(':');
                    List<String> actions = new ArrayList<>(List.of(scope.substring(last + 1).split(",")));
                    if (user == null) actions.retainAll(List.of("pull"));
                    access.add(Map.of("type", scope.substring(0, first), "name", scope.substring(first + 1, last), "actions", actions));
                }
                byte[] body = Json.bytes(Map.of("token", jwt(user == null ? "" : user, access), "expires_in", 300));
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream o = ex.getResponseBody()) { o.write(body); }
            } catch (Exception e) {
                ex.sendResponseHeaders(500, -1);
            } finally {
                ex.close();
            }
        });
        server.start();
    }

    String realm() { return "http://127.0.0.1:" + server.getAddress().getPort() + "/token"; }

    private String jwt(String sub, List<Map<String, Object>> access) throws Exception {
        long now = System.currentTimeMillis() / 1000;
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("typ", "JWT");
        header.put("alg", "RS256");
        header.put("x5c", List.of(x5c));
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", ISSUER);
        claims.put("sub", sub);
        claims.put("aud", SERVICE);
        claims.put("exp", now + 300);
        claims.put("nbf", now - 10);
        claims.put("iat", now - 10);
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("access", access);
        Base64.Encoder u = Base64.getUrlEncoder().withoutPadding();
        String signingInput = u.encodeToString(Json.bytes(header)) + "." + u.encodeToString(Json.bytes(claims));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key);
        s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + u.encodeToString(s.sign());
    }

    private static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null) return out;
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }

    @Override
    public void close() { server.stop(0); }
}
