package dev.hako.image.registry;

import dev.hako.image.auth.AuthFile;
import dev.hako.image.auth.Credentials;
import dev.hako.image.content.ContentStore;
import dev.hako.image.content.TestImages;
import dev.hako.image.reference.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A real registry with auth.token, trusting a token server run by the test (JWT signed with a test key). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenAuthRegistryTest {
    Path tmp;
    TokenServer tokens;
    TestRegistry registry;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        tmp = dir;
        Path pki = Files.createDirectories(tmp.resolve("pki"));
        tokens = new TokenServer(pki);
        registry = TestRegistry.start(tmp.resolve("registry"), new TestRegistry.Options(null, null, null,
                tokens.realm(), TokenServer.SERVICE, TokenServer.ISSUER, pki.resolve("token.crt"), null));
    }

    @AfterAll
    void stop() {
        if (registry != null) registry.close();
        if (tokens != null) tokens.close();
    }

    RegistryClient.Builder builder() {
        return RegistryClient.builder().certsDirs(List.of()).maxAttempts(2).retryDelay(Duration.ofMillis(10))
                .registries(RegistriesConf.parse("[[registry]]\nlocation = \"" + registry.host() + "\"\ninsecure = true\n", "t"));
    }

    @Test
    void bearerTokensForPushAndAnonymousPull() throws Exception {
        ContentStore src = ContentStore.open(Files.createTempDirectory(tmp, "src"));
        TestImages.Image img = TestImages.small(src, "v1", "token");
        String repo = "hako-test-tok-" + UUID.randomUUID().toString().substring(0, 8);
        Reference ref = Reference.parse(registry.host() + "/" + repo + ":v1");

        try (RegistryClient anon = builder().build()) {
            assertThatThrownBy(() -> anon.push(src, img.manifest(), ref, null, null))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageStartingWith("push " + ref + ": ")
                    .hasMessageContaining("401");
        }
        Path authFile = tmp.resolve("auth.json");
        try (RegistryClient alice = builder().authFile(AuthFile.of(authFile)).build()) {
            alice.login(registry.host(), Credentials.basic("alice", "s3cret"), AuthFile.of(authFile));
            assertThatThrownBy(() -> alice.login(registry.host(), Credentials.basic("alice", "bad"), AuthFile.of(tmp.resolve("bad.json"))))
                    .hasMessageContaining("incorrect username or password");
            alice.push(src, img.manifest(), ref, null, null);
        }
        assertThat(tokens.scopesSeen).contains("repository:" + repo + ":pull,push");

        int before = tokens.requests.get();
        try (RegistryClient anon = builder().build()) {
            ContentStore dst = ContentStore.open(Files.createTempDirectory(tmp, "dst"));
            PullResult r = anon.pull(ref, null, dst, null);
            assertThat(r.manifest().digest()).isEqualTo(img.manifest().digest());
            assertThat(dst.verify()).isEmpty();
            // one token for the manifest and both blobs: cached per scope
            assertThat(tokens.requests.get() - before).isEqualTo(1);
            anon.pull(ref.withTag(null).withDigest(img.manifest().digest()), null, dst, null);
            assertThat(tokens.requests.get() - before).isEqualTo(1);
        }
    }

    /** An identity token (from a credential helper, as docker keeps them) is exchanged with an OAuth2 POST. */
    @Test
    void identityTokenFromCredentialHelperIsRefreshedForPush() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("helper-bin"));
        Path helper = bin.resolve("docker-credential-hakotok");
        Files.writeString(helper, "#!/bin/sh\nread server\n[ \"$1\" = get ] && [ \"$server\" = \"" + registry.host()
                + "\" ] && { echo '{\"ServerURL\":\"'$server'\",\"Username\":\"<token>\",\"Secret\":\"" + TokenServer.REFRESH_TOKEN
                + "\"}'; exit 0; }\necho 'credentials not found in native keychain'; exit 1\n");
        helper.toFile().setExecutable(true);
        Path cfg = tmp.resolve("helper-config.json");
        Files.writeString(cfg, "{\"credHelpers\":{\"" + registry.host() + "\":\"hakotok\"}}");
        AuthFile auth = new AuthFile(List.of(cfg), cfg, bin + ":/usr/bin:/bin");

        ContentStore src = ContentStore.open(Files.createTempDirectory(tmp, "src"));
        TestImages.Image img = TestImages.small(src, "v1", "idtoken");
        Reference ref = Reference.parse(registry.host() + "/hako-test-idt-" + UUID.randomUUID().toString().substring(0, 8) + ":v1");
        try (RegistryClient c = builder().authFile(auth).build()) {
            c.push(src, img.manifest(), ref, null, null);
        }
        assertThat(tokens.posts.get()).isGreaterThan(0);
    }
}
