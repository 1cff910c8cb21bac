package dev.hako.image.registry;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;

/**
 * TLS for one registry host: the JDK's CAs plus the host's certs.d directory
 * (&lt;dir&gt;/&lt;host[:port]&gt;/*.crt, as in /etc/containers/certs.d and /etc/docker/certs.d) and a client
 * certificate from *.cert + *.key (PKCS#8 PEM key) there; or, for insecure registries, no verification.
 */
final class Tls {
    private Tls() {}

    /** An SSLContext for {@code host} (host[:port]) given the certs.d base directories, in order. */
    static SSLContext context(String host, List<Path> certsDirs, boolean verify) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            List<Path> dirs = hostDirs(host, certsDirs);
            KeyManager[] km = clientKeys(dirs);
            TrustManager[] tm = verify ? new TrustManager[]{trust(dirs)} : new TrustManager[]{new TrustAll()};
            ctx.init(km, tm, null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new RegistryConfigException("TLS setup for " + host + ": " + e.getMessage(), e);
        }
    }

    static List<Path> hostDirs(String host, List<Path> certsDirs) {
        List<Path> out = new ArrayList<>();
        for (Path base : certsDirs) {
            Path d = base.resolve(host);
            if (Files.isDirectory(d)) out.add(d);
        }
        return out;
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    private static X509TrustManager trust(List<Path> dirs) throws GeneralSecurityException, IOException {
        TrustManagerFactory def = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        def.init((KeyStore) null);
        List<X509Certificate> extra = new ArrayList<>();
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        for (Path d : dirs) {
            for (Path f : files(d, ".crt")) {
                try (InputStream in = Files.newInputStream(f)) {
                    Collection<? extends Certificate> certs = cf.generateCertificates(in);
                    if (certs.isEmpty()) throw new RegistryConfigException(f + ": no certificate found");
                    for (Certificate c : certs) extra.add((X509Certificate) c);
                } catch (GeneralSecurityException e) {
                    throw new RegistryConfigException(f + ": not a PEM certificate: " + e.getMessage(), e);
                }
            }
        }
        X509TrustManager system = (X509TrustManager) def.getTrustManagers()[0];
        if (extra.isEmpty()) return system;
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (X509Certificate c : system.getAcceptedIssuers()) ks.setCertificateEntry("system-" + i++, c);
        for (X509Certificate c : extra) ks.setCertificateEntry("certs.d-" + i++, c);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return (X509TrustManager) tmf.getTrustManagers()[0];
    }

    private static KeyManager[] clientKeys(List<Path> dirs) throws GeneralSecurityException, IOException {
        for (Path d : dirs) {
            for (Path cert : files(d, ".cert")) {
                String base = cert.getFileName().toString();
                Path key = d.resolve(base.substring(0, base.length() - ".cert".length()) + ".key");
                if (!Files.exists(key)) throw new RegistryConfigException(cert + ": missing key file " + key);
                CertificateFactory cf = CertificateFactory.getInstance("X.509");
                List<Certificate> chain;
                try (InputStream in = Files.newInputStream(cert)) { chain = new ArrayList<>(cf.generateCertificates(in)); }
                PrivateKey pk = readKey(key, chain.getFirst().getPublicKey().getAlgorithm());
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("client", pk, new char[0], chain.toArray(Certificate[]::new));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, new char[0]);
                return kmf.getKeyManagers();
            }
        }
        return null;
    }

    private static PrivateKey readKey(Path key, String algorithm) throws IOException, GeneralSecurityException {
        String pem = Files.readString(key);
        if (!pem.contains("-----BEGIN PRIVATE KEY-----"))
            throw new RegistryConfigException(key + ": only PKCS#8 keys (BEGIN PRIVATE KEY) are supported; convert with "
                    + "openssl pkcs8 -topk8 -nocrypt");
        String b64 = pem.substring(pem.indexOf("-----BEGIN PRIVATE KEY-----") + 27, pem.indexOf("-----END PRIVATE KEY-----"))
                .replaceAll("\\s", "");
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
    }

    /** Accepts any certificate and any host name: only for registries marked insecure. */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override public void checkClientTrusted(X509Certificate[] c, String a, Socket s) { }
        @Override public void checkServerTrusted(X509Certificate[] c, String a, Socket s) { }
        @Override public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) { }
        @Override public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) { }
        @Override public void checkClientTrusted(X509Certificate[] c, String a) { }
        @Override public void checkServerTrusted(X509Certificate[] c, String a) { }
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }
}
