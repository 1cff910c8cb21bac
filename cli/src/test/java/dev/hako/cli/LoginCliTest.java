package dev.hako.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** login / logout against a registry with htpasswd auth; pull needs the stored credentials. */
class LoginCliTest {
    @Test
    void loginPullLogout() throws Exception {
        Path work = Files.createTempDirectory("hako-test-clilogin-" + UUID.randomUUID().toString().substring(0, 8));
        Path htpasswd = work.resolve("htpasswd");
        Files.writeString(htpasswd, Cli.sh("htpasswd", "-Bbn", "hako", "s3cret"));
        try (Registry registry = Registry.start(work.resolve("registry"), htpasswd)) {
            Path auth = work.resolve("auth.json");
            Cli cli = new Cli(work.resolve("root"));
            Path tar = work.resolve("fs.tar");
            Path fs = Files.createDirectories(work.resolve("fs"));
            Files.writeString(fs.resolve("hello"), "hi");
            Cli.sh("tar", "-C", fs.toString(), "-cf", tar.toString(), ".");
            String ref = registry.host + "/private/img:1";
            assertThat(cli.run("import", tar.toString(), ref).code()).isZero();

            var denied = cli.run("--authfile", auth.toString(), "push", ref);
            assertThat(denied.code()).as(denied.toString()).isEqualTo(1);

            var wrong = cli.run("--authfile", auth.toString(), "login", "-u", "hako", "-p", "nope", registry.host);
            assertThat(wrong.code()).as(wrong.toString()).isEqualTo(1);
            assertThat(wrong.err()).startsWith("WARNING! Using --password via the CLI is insecure.").contains("Error: ");
            assertThat(auth).doesNotExist();

            var ok = cli.runWithInput("s3cret\n".getBytes(StandardCharsets.UTF_8), "--authfile", auth.toString(),
                    "login", "-u", "hako", "--password-stdin", "http://" + registry.host + "/v2/");
            assertThat(ok.code()).as(ok.toString()).isZero();
            assertThat(ok.out()).isEqualTo("Login Succeeded\n");
            assertThat(Files.readString(auth)).contains(registry.host);

            var push = cli.run("--authfile", auth.toString(), "push", ref);
            assertThat(push.code()).as(push.toString()).isZero();
            Cli other = new Cli(work.resolve("root2"));
            var pull = other.run("--authfile", auth.toString(), "pull", "-q", ref);
            assertThat(pull.code()).as(pull.toString()).isZero();

            var logout = cli.run("--authfile", auth.toString(), "logout", registry.host);
            assertThat(logout.out()).isEqualTo("Removing login credentials for " + registry.host + "\n");
            assertThat(Files.readString(auth)).doesNotContain(registry.host);
            Cli third = new Cli(work.resolve("root3"));
            assertThat(third.run("--authfile", auth.toString(), "pull", "-q", ref).code()).isEqualTo(1);
        } finally {
            Cli.deleteTree(work);
        }
    }
}
