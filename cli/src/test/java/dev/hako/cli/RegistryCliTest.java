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

/**
 * Pull and push against a real registry: a busybox image built offline is pushed by skopeo and pulled
 * by `hako pull`; `hako push` output is copied back by skopeo into an OCI dir that podman runs.
 */
class RegistryCliTest {
    static Path work;
    static Registry registry;
    static Path ociSource;   // an OCI layout with the busybox image, made by hako import + its content store

    @BeforeAll
    static void fixture() throws Exception {
        work = Files.createTempDirectory("hako-test-clireg-" + UUID.randomUUID().toString().substring(0, 8));
        registry = Registry.start(work.resolve("registry"));
        Path tar = Cli.busyboxTar(work);
        // a gzip-compressed layer, as registries usually serve
        Path gz = work.resolve("rootfs.tar.gz");
        Cli.sh("sh", "-c", "gzip -c " + tar + " > " + gz);
        Cli builder = new Cli(work.resolve("builder"));
        var imp = builder.run("import", "-c", "CMD [\"/bin/sh\"]", gz.toString(), "busybox:latest");
        assertThat(imp.code()).as(imp.toString()).isZero();
        ociSource = builder.root.resolve("content");
        Cli.sh("skopeo", "copy", "--dest-tls-verify=false", "oci:" + ociSource + ":docker.io/library/busybox:latest",
                "docker://" + registry.host + "/library/busybox:latest");
    }

    @AfterAll
    static void cleanup() throws Exception {
        if (registry != null) registry.close();
        Cli.deleteTree(work);
    }

    @Test
    void pullListInspectAndPullAgain() throws Exception {
        Cli cli = new Cli(Files.createTempDirectory(work, "root-"));
        String ref = registry.host + "/library/busybox:latest";
        var pull = cli.run("pull", ref);
        assertThat(pull.code()).as(pull.toString()).isZero();
        List<String> lines = pull.out().lines().toList();
        assertThat(lines.getFirst()).isEqualTo("latest: Pulling from library/busybox");
        assertThat(pull.out()).contains(": Download complete\n", ": Pull complete\n");
        assertThat(lines.get(lines.size() - 3)).matches("Digest: sha256:[0-9a-f]{64}");
        assertThat(lines.get(lines.size() - 2)).isEqualTo("Status: Downloaded newer image for " + ref);
        assertThat(lines.getLast()).isEqualTo(ref);
        String digest = lines.get(lines.size() - 3).substring("Digest: ".length());

        var images = cli.run("images", "--digests");
        assertThat(images.out().lines().toList().get(1))
                .matches(java.util.regex.Pattern.quote(registry.host + "/library/busybox") + "\\s+latest\\s+"
                        + java.util.regex.Pattern.quote(digest) + "\\s+[0-9a-f]{12}\\s+.*");
        JsonNode img = Json.mapper().readTree(cli.run("inspect", ref).out()).get(0);
        assertThat(img.get("RepoDigests").get(0).asText()).isEqualTo(registry.host + "/library/busybox@" + digest);
        assertThat(Path.of(img.at("/GraphDriver/Data/LowerDir").asText()).resolve("bin/sh")).exists();

        // again: nothing new
        var again = cli.run("pull", ref);
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(again.out()).contains("Status: Image is up to date for " + ref);
        // -q prints the reference only
        var quiet = cli.run("pull", "-q", ref);
        assertThat(quiet.out()).isEqualTo(ref + "\n");
        // by digest
        var byDigest = cli.run("pull", registry.host + "/library/busybox@" + digest);
        assertThat(byDigest.code()).as(byDigest.toString()).isZero();
    }

    @Test
    void pullOfMissingImageFails() throws Exception {
        Cli cli = new Cli(Files.createTempDirectory(work, "root-"));
        var pull = cli.run("pull", registry.host + "/library/nosuch:latest");
        assertThat(pull.code()).isEqualTo(1);
        assertThat(pull.err()).startsWith("Error: ");
    }

    @Test
    void pushThenSkopeoAndPodmanUseIt() throws Exception {
        Cli cli = new Cli(Files.createTempDirectory(work, "root-"));
        String src = registry.host + "/library/busybox:latest";
        assertThat(cli.run("pull", "-q", src).code()).isZero();
        String target = registry.host + "/hako/pushed:v1";
        assertThat(cli.run("tag", src, target).code()).isZero();
        var push = cli.run("push", target);
        assertThat(push.code()).as(push.toString()).isZero();
        List<String> lines = push.out().lines().toList();
        assertThat(lines.getFirst()).isEqualTo("The push refers to repository [" + registry.host + "/hako/pushed]");
        assertThat(lines.getLast()).matches("v1: digest: sha256:[0-9a-f]{64} size: \\d+");

        Path oci = work.resolve("pushed-oci-" + UUID.randomUUID());
        Cli.sh("skopeo", "copy", "--src-tls-verify=false", "docker://" + target, "oci:" + oci + ":pushed");
        JsonNode inspect = Json.mapper().readTree(Cli.sh("skopeo", "inspect", "oci:" + oci + ":pushed"));
        assertThat(inspect.get("Layers")).hasSize(1);

        // podman wants a short runroot (< 50 characters)
        Path proot = Files.createTempDirectory(Path.of("/tmp"), "hkp-");
        try {
            String out = Cli.sh("podman", "--root", proot.resolve("root").toString(), "--runroot", proot.resolve("run").toString(),
                    "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none", "--runtime", "runc",
                    "run", "--rm", "--net", "none", "oci:" + oci + ":pushed", "echo", "hello-from-hako-push");
            assertThat(out).contains("hello-from-hako-push");
            Cli.sh("podman", "--root", proot.resolve("root").toString(), "--runroot", proot.resolve("run").toString(),
                    "--storage-driver", "vfs", "rmi", "-a", "-f");
        } finally {
            Cli.deleteTree(proot);
        }
    }

    /** docker's and podman's commit store the new layer gzipped: that is what a registry and skopeo get. */
    @Test
    void committedImagePushesAGzipLayerAndPullsBack() throws Exception {
        Cli cli = new Cli(Files.createTempDirectory(work, "root-"));
        String src = registry.host + "/library/busybox:latest";
        assertThat(cli.run("pull", "-q", src).code()).isZero();
        String name = "hako-reg-commit-" + UUID.randomUUID().toString().substring(0, 8);
        var run = cli.run("run", "--network", "none", "--name", name, src, "sh", "-c", "echo committed > /made");
        assertThat(run.code()).as(run.toString()).isZero();
        String target = registry.host + "/hako/committed:v1";
        var commit = cli.run("commit", name, target);
        assertThat(commit.code()).as(commit.toString()).isZero();
        assertThat(cli.run("rm", name).code()).isZero();
        var push = cli.run("push", target);
        assertThat(push.code()).as(push.toString()).isZero();

        JsonNode manifest = Json.mapper().readTree(Cli.sh("skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + target));
        assertThat(manifest.get("layers")).hasSize(2);
        JsonNode layer = manifest.get("layers").get(1);
        assertThat(layer.get("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
        JsonNode config = Json.mapper().readTree(Cli.sh("skopeo", "inspect", "--tls-verify=false", "--config", "docker://" + target));
        // skopeo verifies each blob's digest on the copy; the DiffID is the sha256 of the gunzipped blob
        Path oci = work.resolve("committed-oci-" + UUID.randomUUID());
        Cli.sh("skopeo", "copy", "--src-tls-verify=false", "docker://" + target, "oci:" + oci + ":c");
        Path blob = oci.resolve("blobs/sha256/" + layer.get("digest").asText().substring("sha256:".length()));
        byte[] plain;
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(blob))) {
            plain = in.readAllBytes();
        }
        assertThat(dev.hako.oci.image.Digest.sha256(plain).toString()).isEqualTo(config.at("/rootfs/diff_ids/1").asText());

        Cli other = new Cli(Files.createTempDirectory(work, "root-"));
        var pull = other.run("pull", "-q", target);
        assertThat(pull.code()).as(pull.toString()).isZero();
        var cat = other.run("run", "--rm", "--network", "none", target, "cat", "/made");
        assertThat(cat.code()).as(cat.toString()).isZero();
        assertThat(cat.out()).isEqualTo("committed\n");
    }

    @Test
    void pruneRemovesDanglingImagesBlobsAndLayers() throws Exception {
        Cli cli = new Cli(Files.createTempDirectory(work, "root-"));
        String src = registry.host + "/library/busybox:latest";
        assertThat(cli.run("pull", "-q", src).code()).isZero();
        // an image that takes the tag away makes the pulled one dangling
        Path other = work.resolve("other-" + UUID.randomUUID() + ".tar");
        Path d = Files.createDirectories(work.resolve("otherfs-" + UUID.randomUUID()));
        Files.writeString(d.resolve("hello"), "hi");
        Cli.sh("tar", "-C", d.toString(), "-cf", other.toString(), ".");
        assertThat(cli.run("import", other.toString(), src).code()).isZero();
        assertThat(cli.run("images", "--filter", "dangling=true", "-q").out().lines().count()).isEqualTo(1);
        long layersBefore = count(cli.root.resolve("layers"));
        var prune = cli.run("image", "prune", "-f");
        assertThat(prune.code()).as(prune.toString()).isZero();
        assertThat(prune.out()).startsWith("Deleted Images:\n").contains("deleted: sha256:").contains("Total reclaimed space: ");
        assertThat(cli.run("images", "-q").out().lines().count()).isEqualTo(1);
        assertThat(count(cli.root.resolve("layers"))).isEqualTo(layersBefore - 1);
        // what's left: the imported image's manifest, config and layer
        assertThat(count(cli.root.resolve("content/blobs/sha256"))).isEqualTo(3);
        // prune -a without containers removes the rest
        var all = cli.run("image", "prune", "-a", "-f");
        assertThat(all.out()).contains("untagged: " + src);
        assertThat(count(cli.root.resolve("content/blobs/sha256"))).isZero();
        assertThat(count(cli.root.resolve("layers"))).isZero();
    }

    static long count(Path dir) throws Exception {
        if (!Files.exists(dir)) return 0;
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).count();
        }
    }

    /** A tar with the given files (name → content; content null = directory), fixed times. */
    static byte[] tar(String... nameContent) throws Exception {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var t = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(bytes)) {
            for (int i = 0; i < nameContent.length; i += 2) {
                byte[] b = nameContent[i + 1] == null ? new byte[0] : nameContent[i + 1].getBytes(java.nio.charset.StandardCharsets.UTF_8);
                var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(nameContent[i]);
                e.setModTime(0);
                if (nameContent[i + 1] != null) e.setSize(b.length);
                t.putArchiveEntry(e);
                t.write(b);
                t.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] b) throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        try (var gz = new java.util.zip.GZIPOutputStream(out)) { gz.write(b); }
        return out.toByteArray();
    }

    @Test
    void multiLayerImageWithWhiteoutsPullsSavesAndPushes() throws Exception {
        // three layers built here: a base, one deleting a file of the base (whiteout), one adding to a base dir
        byte[][] tars = {
                tar("etc/", null, "etc/a", "from base", "etc/gone", "deleted above"),
                tar("etc/", null, "etc/.wh.gone", ""),
                tar("etc/", null, "etc/b", "from top")};
        Path layout = work.resolve("multi-" + UUID.randomUUID());
        var store = dev.hako.image.content.ContentStore.open(layout);
        List<dev.hako.oci.image.Descriptor> layers = new java.util.ArrayList<>();
        List<dev.hako.oci.image.Digest> diffIds = new java.util.ArrayList<>();
        for (byte[] t : tars) {
            layers.add(store.put(dev.hako.oci.image.MediaTypes.OCI_LAYER_GZIP, gzip(t)));
            diffIds.add(dev.hako.oci.image.Digest.sha256(t));
        }
        var config = new dev.hako.oci.image.ImageConfig("2026-01-01T00:00:00Z", null, "amd64", "linux", null, null, null,
                dev.hako.oci.image.ImageConfig.Config.of(null, null, List.of("/bin/sh"), null),
                new dev.hako.oci.image.ImageConfig.RootFs(diffIds), null);
        var configDesc = store.put(dev.hako.oci.image.MediaTypes.OCI_CONFIG, Json.bytes(config));
        var manifest = new dev.hako.oci.image.Manifest(dev.hako.oci.image.MediaTypes.OCI_MANIFEST, configDesc, layers);
        var md = store.put(dev.hako.oci.image.MediaTypes.OCI_MANIFEST, Json.bytes(manifest));
        store.tag("multi", md);
        String ref = registry.host + "/test/multi:1";
        Cli.sh("skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout + ":multi", "docker://" + ref);

        Cli cli = new Cli(Files.createTempDirectory(work, "root-"));
        var pull = cli.run("pull", ref);
        assertThat(pull.code()).as(pull.toString()).isZero();
        assertThat(pull.out().lines().filter(l -> l.endsWith(": Pull complete")).count()).isEqualTo(3);
        JsonNode img = Json.mapper().readTree(cli.run("inspect", ref).out()).get(0);
        assertThat(img.at("/RootFS/Layers")).hasSize(3);
        String[] lowers = img.at("/GraphDriver/Data/LowerDir").asText().split(":");
        assertThat(lowers).hasSize(3);
        // top first, as overlay wants them
        assertThat(Path.of(lowers[0]).resolve("etc/b")).hasContent("from top");
        assertThat(Path.of(lowers[2]).resolve("etc/gone")).hasContent("deleted above");
        // the whiteout in overlay form: a 0/0 character device
        String stat = Cli.sh("stat", "-c", "%F %t:%T", Path.of(lowers[1]).resolve("etc/gone").toString()).strip();
        assertThat(stat).isEqualTo("character special file 0:0");

        Path archive = work.resolve("multi-" + UUID.randomUUID() + ".tar");
        assertThat(cli.run("save", "-o", archive.toString(), ref).code()).isZero();
        assertThat(Json.mapper().readTree(Cli.sh("skopeo", "inspect", "docker-archive:" + archive)).get("Layers")).hasSize(3);

        var push = cli.run("push", registry.host + "/test/multi:1");
        assertThat(push.code()).as(push.toString()).isZero();
        assertThat(push.out()).contains(": Layer already exists");
    }
}
