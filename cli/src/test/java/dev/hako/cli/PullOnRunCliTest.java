package dev.hako.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** `hako run/create` of an image that is not here pulls it first (docker's messages), and --pull always|never. */
class PullOnRunCliTest {
    static Path work;
    static Registry registry;
    static String image;

    @BeforeAll
    static void fixture() throws Exception {
        work = Files.createTempDirectory("hako-test-pullrun-");
        registry = Registry.start(work.resolve("registry"));
        image = registry.host + "/rf/busybox";
        Cli builder = new Cli(work.resolve("builder"));
        var imp = builder.run("import", "-c", "CMD [\"sh\"]", Cli.busyboxTar(work).toString(), image + ":latest");
        assertThat(imp.code()).as(imp.toString()).isZero();
        var push = builder.run("push", image + ":latest");
        assertThat(push.code()).as(push.toString()).isZero();
    }

    @AfterAll
    static void cleanup() throws Exception {
        if (registry != null) registry.close();
        Cli.deleteTree(work);
    }

    @Test
    void runPullsAMissingImageThenRunsIt() {
        Cli cli = new Cli(work.resolve("run-root"));
        var run = cli.run("run", "--rm", image, "echo", "hello-after-pull");
        assertThat(run.code()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("hello-after-pull\n");
        var lines = run.err().lines().toList();
        assertThat(lines.getFirst()).isEqualTo("Unable to find image '" + image + ":latest' locally");
        assertThat(run.err()).contains("Pull complete", "Digest: sha256:", "Status: Downloaded newer image for " + image + ":latest");

        var again = cli.run("run", "--rm", image, "true");
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(again.err()).isEmpty();

        var always = cli.run("run", "--rm", "--pull", "always", image, "true");
        assertThat(always.code()).as(always.toString()).isZero();
        assertThat(always.err()).doesNotContain("Unable to find").contains("Status: Image is up to date for " + image + ":latest");
    }

    @Test
    void createPullsToo() {
        Cli cli = new Cli(work.resolve("create-root"));
        var create = cli.run("create", "--platform", "linux/amd64", image + ":latest", "true");
        assertThat(create.code()).as(create.toString()).isZero();
        assertThat(create.out().trim()).matches("[0-9a-f]{64}");
        assertThat(create.err()).contains("Unable to find image '" + image + ":latest' locally");
        assertThat(cli.run("rm", create.out().trim()).code()).isZero();
    }

    @Test
    void neverAndUnknownImagesFailWithDockersWords() throws Exception {
        Cli cli = new Cli(work.resolve("never-root"));
        var never = cli.run("run", "--rm", "--pull", "never", image, "true");
        assertThat(never.code()).isEqualTo(125);
        assertThat(never.err()).isEqualTo("Error response from daemon: No such image: " + image + ":latest\n");

        var unknownTag = cli.run("run", "--rm", image + ":no-such-tag", "true");
        assertThat(unknownTag.code()).isEqualTo(125);
        assertThat(unknownTag.err()).startsWith("Unable to find image '" + image + ":no-such-tag' locally\n")
                .contains("Error response from daemon: manifest for " + image + ":no-such-tag not found: manifest unknown");

        // docker's registry answers MANIFEST_UNKNOWN for a repository it does not have, and docker says so
        var unknownRepo = cli.run("run", "--rm", registry.host + "/rf/no-such-repo", "true");
        assertThat(unknownRepo.code()).isEqualTo(125);
        assertThat(unknownRepo.err()).contains("Unable to find image '" + registry.host + "/rf/no-such-repo:latest' locally",
                "Error response from daemon: manifest for " + registry.host + "/rf/no-such-repo:latest not found: manifest unknown");

        // a registry that wants credentials we don't have: docker's "pull access denied"
        Path htpasswd = work.resolve("htpasswd");
        Files.writeString(htpasswd, Cli.sh("htpasswd", "-Bbn", "rf-user", "rf-secret"));
        try (Registry locked = Registry.start(work.resolve("locked-registry"), htpasswd)) {
            var denied = cli.run("run", "--rm", locked.host + "/rf/busybox", "true");
            assertThat(denied.code()).isEqualTo(125);
            assertThat(denied.err()).contains("Unable to find image '" + locked.host + "/rf/busybox:latest' locally",
                    "Error response from daemon: pull access denied for " + locked.host + "/rf/busybox, repository does not exist "
                            + "or may require 'docker login': denied: requested access to the resource is denied");
        }
        assertThat(cli.run("ps", "-a", "-q").out()).isEmpty();
        assertThat(cli.run("images", "-q").out()).isEmpty();
        assertThat(RunFlagsCliTest.countEntries(cli.root.resolve("containers"))).isZero();
    }
}
