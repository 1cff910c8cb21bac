package dev.hako.image.registry;

import dev.hako.image.auth.AuthFile;
import dev.hako.image.auth.Credentials;
import dev.hako.image.content.ContentStore;
import dev.hako.image.content.TestImages;
import dev.hako.image.reference.Reference;
import dev.hako.oci.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A real registry behind TLS (test CA) with htpasswd (bcrypt) basic auth. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsBasicAuthRegistryTest {
    Path tmp;
    TestRegistry registry;
    Path certsD;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        tmp = dir;
        Path pki = tmp.resolve("pki");
        TestRegistry.makeCerts(pki);
        TestRegistry.run(pki, List.of("htpasswd", "-Bbc", pki.resolve("htpasswd").toString(), "alice", "s3cret"));
        registry = TestRegistry.start(tmp.resolve("registry"), new TestRegistry.Options(pki.resolve("server.crt"),
                pki.resolve("server.key"), pki.resolve("htpasswd"), null, null, null, null, null));
        certsD = tmp.resolve("certs.d");
        Files.createDirectories(certsD.resolve(registry.host()));
        Files.copy(pki.resolve("ca.crt"), certsD.resolve(registry.host()).resolve("ca.crt"));
    }

    @AfterAll
    void stop() { if (registry != null) registry.close(); }

    RegistryClient.Builder builder() {
        return RegistryClient.builder().certsDirs(List.of(certsD)).maxAttempts(2).retryDelay(Duration.ofMillis(10));
    }

    Path authJson(String user, String pass) throws Exception {
        Path f = Files.createTempFile(tmp, "auth", ".json");
        String auth = Base64.getEncoder().encodeToString((user + ":" + pass).getBytes());
        Files.writeString(f, "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + auth + "\"}}}");
        return f;
    }

    @Test
    void pushAndPullWithCredentialsFromAnAuthFile() throws Exception {
        ContentStore src = ContentStore.open(Files.createTempDirectory(tmp, "src"));
        TestImages.Image img = TestImages.small(src, "v1", "tls");
        Reference ref = Reference.parse(registry.host() + "/hako-test-tls-" + UUID.randomUUID().toString().substring(0, 8) + ":v1");
        try (RegistryClient c = builder().authFile(AuthFile.of(authJson("alice", "s3cret"))).build()) {
            c.push(src, img.manifest(), ref, null, null);
            ContentStore dst = ContentStore.open(Files.createTempDirectory(tmp, "dst"));
            assertThat(c.pull(ref, null, dst, null).manifest().digest()).isEqualTo(img.manifest().digest());
            assertThat(dst.verify()).isEmpty();
        }
        // skopeo with the same CA dir and credentials reads it
        var inspect = TestImages.exec(List.of("skopeo", "inspect", "--cert-dir", certsD.resolve(registry.host()).toString(),
                "--creds", "alice:s3cret", "docker://" + ref));
        assertThat(inspect.code()).as(inspect.output()).isZero();
        assertThat(inspect.output()).contains(img.manifest().digest().toString());
        // anonymous: refused with the registry's words
        try (RegistryClient anon = builder().build()) {
            assertThatThrownBy(() -> anon.pull(ref, null, ContentStore.open(Files.createTempDirectory(tmp, "x")), null))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("(401 UNAUTHORIZED)").hasMessageContaining("https://" + registry.host());
        }
        try (RegistryClient wrong = builder().authFile(AuthFile.of(authJson("alice", "nope"))).build()) {
            assertThatThrownBy(() -> wrong.pull(ref, null, ContentStore.open(Files.createTempDirectory(tmp, "y")), null))
                    .isInstanceOf(RegistryException.class).hasMessageContaining("401");
        }
    }

    @Test
    void tlsIsVerifiedAgainstCertsD() throws Exception {
        try (RegistryClient noCa = RegistryClient.builder().certsDirs(List.of()).maxAttempts(1)
                .credentials(registry.host(), Credentials.basic("alice", "s3cret")).build()) {
            assertThatThrownBy(() -> noCa.ping(registry.host()))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("TLS error talking to " + registry.host())
                    .hasMessageContaining("certs.d/" + registry.host() + "/ca.crt");
        }
        // insecure: no verification, still https
        RegistriesConf insecure = RegistriesConf.parse("[[registry]]\nlocation = \"" + registry.host() + "\"\ninsecure = true\n", "t");
        try (RegistryClient c = RegistryClient.builder().certsDirs(List.of()).registries(insecure)
                .credentials(registry.host(), Credentials.basic("alice", "s3cret")).build()) {
            c.ping(registry.host());
        }
        try (RegistryClient c = builder().credentials(registry.host(), Credentials.basic("alice", "s3cret")).build()) {
            c.ping(registry.host());
        }
    }

    @Test
    void blobDownloadsOverTlsCheckTheCertificateAndTheHostName() throws Exception {
        java.net.URI v2 = java.net.URI.create("https://" + registry.host() + "/v2/");
        try (PlainHttp http = new PlainHttp(5000, 5000, "hako-test")) {
            // certs.d's CA: the registry answers (401: credentials needed)
            var r = http.get(v2, java.util.Map.of(), Tls.context(registry.host(), List.of(certsD), true));
            assertThat(r.statusCode()).isEqualTo(401);
            r.body().close();
            // without it the handshake is refused
            assertThatThrownBy(() -> http.get(v2, java.util.Map.of(), Tls.context(registry.host(), List.of(), true)))
                    .isInstanceOf(javax.net.ssl.SSLException.class);
            // insecure: no verification, still TLS
            assertThat(http.get(v2, java.util.Map.of(), Tls.context(registry.host(), List.of(), false)).statusCode()).isEqualTo(401);
        }
        // a certificate from the right CA for another name is refused
        Path pki = tmp.resolve("pki");
        Files.writeString(pki.resolve("other.ext"), "subjectAltName=DNS:other.example\n");
        TestRegistry.run(pki, List.of("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.csr",
                "-subj", "/CN=other.example"));
        TestRegistry.run(pki, List.of("openssl", "x509", "-req", "-in", "other.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "other.crt", "-days", "2", "-extfile", "other.ext"));
        try (TestRegistry other = TestRegistry.start(tmp.resolve("other-registry"), new TestRegistry.Options(pki.resolve("other.crt"),
                pki.resolve("other.key"), null, null, null, null, null, null));
             PlainHttp http = new PlainHttp(5000, 5000, "hako-test")) {
            assertThatThrownBy(() -> http.get(java.net.URI.create("https://" + other.host() + "/v2/"), java.util.Map.of(),
                    Tls.context(registry.host(), List.of(certsD), true)))
                    .isInstanceOf(javax.net.ssl.SSLException.class).hasMessageContaining("127.0.0.1");
        }
    }

    @Test
    void clientCertificatesFromCertsD() throws Exception {
        Path pki = tmp.resolve("pki");
        TestRegistry.makeClientCert(pki);
        try (TestRegistry mtls = TestRegistry.start(tmp.resolve("mtls-registry"), new TestRegistry.Options(pki.resolve("server.crt"),
                pki.resolve("server.key"), null, null, null, null, null, pki.resolve("ca.crt")))) {
            Path dirs = tmp.resolve("mtls-certs.d");
            Path hostDir = Files.createDirectories(dirs.resolve(mtls.host()));
            Files.copy(pki.resolve("ca.crt"), hostDir.resolve("ca.crt"));
            try (RegistryClient noCert = RegistryClient.builder().certsDirs(List.of(dirs)).maxAttempts(1).build()) {
                assertThatThrownBy(() -> noCert.ping(mtls.host())).isInstanceOf(RegistryException.class);
            }
            Files.copy(pki.resolve("client.cert"), hostDir.resolve("client.cert"));
            Files.copy(pki.resolve("client.key"), hostDir.resolve("client.key"));
            try (RegistryClient withCert = RegistryClient.builder().certsDirs(List.of(dirs)).maxAttempts(1).build()) {
                withCert.ping(mtls.host());
            }
        }
    }

    @Test
    void loginVerifiesAndStoresLogoutRemoves() throws Exception {
        Path authFile = tmp.resolve("login/containers/auth.json");
        AuthFile af = AuthFile.of(authFile);
        try (RegistryClient c = builder().build()) {
            assertThatThrownBy(() -> c.login(registry.host(), Credentials.basic("alice", "wrong"), af))
                    .isInstanceOf(RegistryException.class).hasMessageStartingWith("login " + registry.host() + ": ")
                    .hasMessageContaining("401");
            assertThat(Files.exists(authFile)).isFalse();
            c.login(registry.host(), Credentials.basic("alice", "s3cret"), af);
        }
        var json = Json.mapper().readTree(authFile.toFile());
        assertThat(json.path("auths").path(registry.host()).path("auth").asText())
                .isEqualTo(Base64.getEncoder().encodeToString("alice:s3cret".getBytes()));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(authFile))).isEqualTo("rw-------");
        assertThat(af.lookup(registry.host(), "any/repo")).map(Credentials::username).contains("alice");
        // what login stored works for pulls (a repo that doesn't exist: the error is 404, not 401)
        try (RegistryClient c = builder().authFile(af).build()) {
            assertThatThrownBy(() -> c.pull(Reference.parse(registry.host() + "/none:v1"), null,
                    ContentStore.open(Files.createTempDirectory(tmp, "z")), null)).hasMessageContaining("404");
        }
        assertThat(RegistryClient.logout(registry.host(), af)).isTrue();
        assertThat(RegistryClient.logout(registry.host(), af)).isFalse();
        assertThat(af.lookup(registry.host(), null)).isEmpty();
    }
}
