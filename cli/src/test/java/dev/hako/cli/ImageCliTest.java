package dev.hako.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hako.oci.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The image commands that need no registry: import, images, inspect, history, tag, rmi, save, load. */
class ImageCliTest {
    static Path work;
    static Path rootfsTar;

    @BeforeAll
    static void fixture() throws Exception {
        work = Files.createTempDirectory("hako-test-cli-" + UUID.randomUUID().toString().substring(0, 8));
        rootfsTar = Cli.busyboxTar(work);
    }

    @AfterAll
    static void cleanup() throws Exception {
        Cli.deleteTree(work);
    }

    static Path newRoot() throws Exception { return Files.createTempDirectory(work, "root-"); }

    @Test
    void importListInspectHistoryTagRemove() throws Exception {
        Cli cli = new Cli(newRoot());
        var imp = cli.run("import", "-c", "CMD [\"/bin/sh\"]", "-c", "ENV A=1", "-c", "WORKDIR /srv",
                "-m", "made by a test", rootfsTar.toString(), "bb:test");
        assertThat(imp.code()).as(imp.toString()).isZero();
        String id = imp.out().strip();
        assertThat(id).matches("sha256:[0-9a-f]{64}");
        String shortId = id.substring(7, 19);

        var images = cli.run("images");
        assertThat(images.code()).isZero();
        List<String> lines = images.out().lines().toList();
        assertThat(lines.getFirst()).matches("REPOSITORY\\s+TAG\\s+IMAGE ID\\s+CREATED\\s+SIZE");
        assertThat(lines.get(1)).matches("bb\\s+test\\s+" + shortId + "\\s+(Less than a second|\\d+ seconds?) ago\\s+[0-9.]+MB");

        var inspect = cli.run("image", "inspect", "bb:test");
        assertThat(inspect.code()).as(inspect.toString()).isZero();
        JsonNode arr = Json.mapper().readTree(inspect.out());
        assertThat(arr.isArray()).isTrue();
        JsonNode img = arr.get(0);
        assertThat(img.get("Id").asText()).isEqualTo(id);
        assertThat(img.get("RepoTags").toString()).isEqualTo("[\"bb:test\"]");
        assertThat(img.get("Comment").asText()).isEqualTo("made by a test");
        assertThat(img.at("/Config/Cmd").toString()).isEqualTo("[\"/bin/sh\"]");
        assertThat(img.at("/Config/Env").toString()).contains("A=1");
        assertThat(img.at("/Config/WorkingDir").asText()).isEqualTo("/srv");
        assertThat(img.get("Os").asText()).isEqualTo("linux");
        assertThat(img.get("Architecture").asText()).isEqualTo("amd64");
        assertThat(img.at("/RootFS/Type").asText()).isEqualTo("layers");
        assertThat(img.at("/RootFS/Layers")).hasSize(1);
        assertThat(img.get("Size").asLong()).isGreaterThan(500_000);
        // docker's 4-space indentation
        assertThat(inspect.out()).startsWith("[\n    {\n        \"Id\": \"sha256:");
        // the layer is unpacked where GraphDriver says
        String lower = img.at("/GraphDriver/Data/LowerDir").asText();
        assertThat(Path.of(lower).resolve("bin/busybox")).isRegularFile();

        assertThat(cli.run("inspect", "--format", "{{.Id}} {{json .Config.Cmd}}", "bb:test").out())
                .isEqualTo(id + " [\"/bin/sh\"]\n");

        var history = cli.run("history", "bb:test");
        assertThat(history.out().lines().toList().getFirst()).matches("IMAGE\\s+CREATED\\s+CREATED BY\\s+SIZE\\s+COMMENT");
        assertThat(history.out().lines().toList().get(1)).startsWith(shortId).contains("made by a test");

        assertThat(cli.run("tag", "bb:test", "127.0.0.1:5000/other/bb:v1").code()).isZero();
        assertThat(cli.run("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").out().lines().sorted().toList())
                .containsExactly("127.0.0.1:5000/other/bb:v1 " + shortId, "bb:test " + shortId);
        assertThat(cli.run("images", "-q").out().lines().toList()).containsExactly(shortId, shortId);
        assertThat(cli.run("images", "--filter", "reference=bb").out().lines().count()).isEqualTo(2);
        assertThat(cli.run("images", "--filter", "dangling=true", "-q").out()).isEmpty();
        assertThat(cli.run("images", "--no-trunc", "--format", "{{.ID}}", "bb").out().strip()).isEqualTo(id);

        // by ID with two names: docker refuses without -f
        var refused = cli.run("rmi", shortId);
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("conflict: unable to delete " + shortId + " (must be forced) - image is referenced in multiple repositories");

        var untag = cli.run("rmi", "bb:test");
        assertThat(untag.code()).as(untag.toString()).isZero();
        assertThat(untag.out()).isEqualTo("Untagged: bb:test\n");
        var del = cli.run("rmi", "127.0.0.1:5000/other/bb:v1");
        assertThat(del.code()).as(del.toString()).isZero();
        assertThat(del.out()).contains("Untagged: 127.0.0.1:5000/other/bb:v1\n", "Deleted: " + id + "\n");
        assertThat(cli.run("images", "-q").out()).isEmpty();
        assertThat(Path.of(lower)).doesNotExist();
        try (Stream<Path> blobs = Files.list(cli.root.resolve("content/blobs/sha256"))) {
            assertThat(blobs.toList()).isEmpty();
        }
    }

    @Test
    void imagesFiltersByLabelBeforeAndSince() throws Exception {
        Cli cli = new Cli(newRoot());
        assertThat(cli.run("import", "-c", "LABEL tier=web team=a", rootfsTar.toString(), "f:old").code()).isZero();
        Thread.sleep(1100); // creation times are compared; import stamps whole seconds on some paths
        assertThat(cli.run("import", "-c", "LABEL tier=db", rootfsTar.toString(), "f:new").code()).isZero();
        var fmt = new String[]{"--format", "{{.Repository}}:{{.Tag}}"};
        assertThat(cli.run(concat(new String[]{"images", "--filter", "label=tier"}, fmt)).out().lines().sorted().toList())
                .containsExactly("f:new", "f:old");
        assertThat(cli.run(concat(new String[]{"images", "--filter", "label=tier=db"}, fmt)).out().strip()).isEqualTo("f:new");
        assertThat(cli.run(concat(new String[]{"images", "--filter", "label=tier", "--filter", "label=team=a"}, fmt)).out().strip())
                .isEqualTo("f:old");
        assertThat(cli.run(concat(new String[]{"images", "--filter", "before=f:new"}, fmt)).out().strip()).isEqualTo("f:old");
        assertThat(cli.run(concat(new String[]{"images", "--filter", "since=f:old"}, fmt)).out().strip()).isEqualTo("f:new");
        assertThat(cli.run("images", "--filter", "since=nosuch").code()).isNotZero();
    }

    @Test
    void unknownImagesGiveDockersErrors() throws Exception {
        Cli cli = new Cli(newRoot());
        var rmi = cli.run("rmi", "nosuch");
        assertThat(rmi.code()).isEqualTo(1);
        assertThat(rmi.err()).isEqualTo("Error: No such image: nosuch:latest\n");
        var inspect = cli.run("image", "inspect", "nosuch:1");
        assertThat(inspect.code()).isEqualTo(1);
        assertThat(inspect.out()).isEqualTo("[]\n");
        assertThat(inspect.err()).isEqualTo("Error: No such image: nosuch:1\n");
        var flag = cli.run("images", "--bogus");
        assertThat(flag.code()).isEqualTo(125);
        assertThat(flag.err()).contains("Unknown option: '--bogus'");
        var tag = cli.run("tag", "nosuch", "x");
        assertThat(tag.code()).isEqualTo(1);
        assertThat(tag.err()).isEqualTo("Error: No such image: nosuch:latest\n");
    }

    @Test
    void saveIsReadableBySkopeoAndLoadsBack() throws Exception {
        Cli cli = new Cli(newRoot());
        String id = cli.run("import", "-c", "CMD [\"/bin/true\"]", rootfsTar.toString(), "bb:save").out().strip();
        Path docker = work.resolve("save-" + UUID.randomUUID() + ".tar");
        Path oci = work.resolve("save-" + UUID.randomUUID() + ".oci.tar");
        assertThat(cli.run("save", "-o", docker.toString(), "bb:save").code()).isZero();
        assertThat(cli.run("save", "--format", "oci-archive", "-o", oci.toString(), "bb:save").code()).isZero();

        JsonNode viaSkopeo = Json.mapper().readTree(Cli.sh("skopeo", "inspect", "docker-archive:" + docker));
        assertThat(viaSkopeo.get("Layers")).hasSize(1);
        assertThat(viaSkopeo.get("Os").asText()).isEqualTo("linux");
        JsonNode config = Json.mapper().readTree(Cli.sh("skopeo", "inspect", "--config", "docker-archive:" + docker));
        assertThat(config.at("/config/Cmd").toString()).isEqualTo("[\"/bin/true\"]");
        JsonNode ociInspect = Json.mapper().readTree(Cli.sh("skopeo", "inspect", "oci-archive:" + oci));
        assertThat(ociInspect.get("Layers")).hasSize(1);

        // load into an empty root: same image ID, same name
        Cli other = new Cli(newRoot());
        var load = other.run("load", "-i", docker.toString());
        assertThat(load.code()).as(load.toString()).isZero();
        assertThat(load.out()).isEqualTo("Loaded image: bb:save\n");
        assertThat(other.run("inspect", "--format", "{{.Id}}", "bb:save").out().strip()).isEqualTo(id);
        Cli third = new Cli(newRoot());
        var loadOci = third.runWith(Files.newInputStream(oci), "load");
        assertThat(loadOci.code()).as(loadOci.toString()).isZero();
        assertThat(loadOci.out()).isEqualTo("Loaded image: bb:save\n");
        assertThat(third.run("inspect", "--format", "{{.Id}}", "bb:save").out().strip()).isEqualTo(id);
    }

    @Test
    void loadsWhatSkopeoWrites() throws Exception {
        // an OCI dir made by hako's content store is copied by skopeo into a docker-archive, then loaded back
        Cli cli = new Cli(newRoot());
        String id = cli.run("import", rootfsTar.toString(), "bb:sk").out().strip();
        Path archive = work.resolve("skopeo-" + UUID.randomUUID() + ".tar");
        Cli.sh("skopeo", "copy", "oci:" + cli.root.resolve("content") + ":docker.io/library/bb:sk",
                "docker-archive:" + archive + ":bb:fromskopeo");
        Cli other = new Cli(newRoot());
        var load = other.run("load", "-i", archive.toString());
        assertThat(load.code()).as(load.toString()).isZero();
        assertThat(load.out()).isEqualTo("Loaded image: bb:fromskopeo\n");
        assertThat(other.run("inspect", "--format", "{{.Id}}", "bb:fromskopeo").out().strip()).isEqualTo(id);
    }

    @Test
    void loadsWhatPodmanSaves() throws Exception {
        Path proot = Files.createTempDirectory(Path.of("/tmp"), "hkp-");   // podman wants a short runroot
        try {
            String[] podman = {"podman", "--root", proot.resolve("root").toString(), "--runroot", proot.resolve("run").toString(),
                    "--storage-driver", "vfs", "--events-backend", "none"};
            Cli.sh(concat(podman, "import", "--change", "CMD [\"/bin/sh\"]", rootfsTar.toString(), "localhost/bb:podman"));
            Path archive = work.resolve("podman-" + UUID.randomUUID() + ".tar");
            Cli.sh(concat(podman, "save", "--format", "docker-archive", "-o", archive.toString(), "localhost/bb:podman"));
            String podmanId = Cli.sh(concat(podman, "image", "inspect", "--format", "{{.Id}}", "localhost/bb:podman")).strip();
            Cli cli = new Cli(newRoot());
            var load = cli.run("load", "-i", archive.toString());
            assertThat(load.code()).as(load.toString()).isZero();
            assertThat(load.out()).isEqualTo("Loaded image: localhost/bb:podman\n");
            assertThat(cli.run("inspect", "--format", "{{.Id}} {{json .Config.Cmd}}", "localhost/bb:podman").out())
                    .isEqualTo("sha256:" + podmanId + " [\"/bin/sh\"]\n");
            JsonNode img = Json.mapper().readTree(cli.run("inspect", "localhost/bb:podman").out()).get(0);
            assertThat(Path.of(img.at("/GraphDriver/Data/LowerDir").asText()).resolve("bin/busybox")).isRegularFile();
            Cli.sh(concat(podman, "rmi", "-a", "-f"));
        } finally {
            Cli.deleteTree(proot);
        }
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
