package dev.hako.oci.image;

import dev.hako.oci.Json;
import dev.hako.oci.OciException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageSpecTest {
    static final String EMPTY_SHA256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void digestParsesAndComputes() throws Exception {
        Digest d = Digest.parse(EMPTY_SHA256);
        assertThat(d.algorithm()).isEqualTo("sha256");
        assertThat(Digest.sha256(new byte[0])).isEqualTo(d);
        assertThat(Digest.compute("sha256", new ByteArrayInputStream(new byte[0]))).isEqualTo(d);
        assertThat(d.toString()).isEqualTo(EMPTY_SHA256);
        assertThat(d.shortHex()).isEqualTo("e3b0c44298fc");
        Digest s512 = Digest.of("sha512", "abc".getBytes(StandardCharsets.UTF_8));
        assertThat(Digest.parse(s512.toString())).isEqualTo(s512);
        assertThat(s512.encoded()).startsWith("ddaf35a193617aba");
    }

    @Test
    void digestErrorsArePrecise() {
        assertThatThrownBy(() -> Digest.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> Digest.parse("e3b0c442")).hasMessageContaining("want algorithm:encoded");
        assertThatThrownBy(() -> Digest.parse("md5:abc")).hasMessageContaining("unsupported digest algorithm \"md5\"");
        assertThatThrownBy(() -> Digest.parse("sha256:abc")).hasMessageContaining("3 characters, want 64");
        assertThatThrownBy(() -> Digest.parse(EMPTY_SHA256.toUpperCase().replace("SHA256", "sha256")))
                .hasMessageContaining("not lowercase hex");
        assertThatThrownBy(() -> Digest.parse("SHA256:x")).hasMessageContaining("bad algorithm");
        assertThat(Digest.isValid(EMPTY_SHA256)).isTrue();
        assertThat(Digest.isValid("sha256:zz")).isFalse();
    }

    @Test
    void descriptorJsonRoundTripAndMissingSize() {
        String json = "{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"" + EMPTY_SHA256
                + "\",\"size\":0,\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}";
        Descriptor d = Json.parse(json, Descriptor.class);
        assertThat(d.size()).isZero();
        assertThat(d.refName()).isEqualTo("v1");
        assertThat(Json.write(d)).isEqualTo(json);
        Descriptor noSize = Json.parse("{\"mediaType\":\"x\",\"digest\":\"" + EMPTY_SHA256 + "\"}", Descriptor.class);
        assertThatThrownBy(() -> noSize.validate("m")).hasMessageContaining("no or a negative size");
        assertThatThrownBy(() -> Json.parse("{\"mediaType\":\"x\",\"digest\":\"sha256:12\",\"size\":1}", Descriptor.class))
                .isInstanceOf(OciException.class).hasMessageContaining("2 characters, want 64");
    }

    @Test
    void platformParseNormalizeMatch() {
        assertThat(Platform.parse("linux/amd64").displayName()).isEqualTo("linux/amd64");
        assertThat(Platform.parse("linux/aarch64").displayName()).isEqualTo("linux/arm64/v8");
        assertThat(Platform.parse("linux/arm").displayName()).isEqualTo("linux/arm/v7");
        assertThat(Platform.host().os()).isEqualTo("linux");
        assertThatThrownBy(() -> Platform.parse("linux")).hasMessageContaining("want os/arch[/variant]");
        assertThatThrownBy(() -> Platform.parse("linux//v7")).hasMessageContaining("bad component");
        assertThat(Platform.parse("linux/arm64").matches(new Platform("linux", "arm64", null))).isTrue();
        assertThat(Platform.parse("linux/arm/v7").matches(new Platform("linux", "arm", "v6"))).isFalse();
        assertThat(Platform.parse("linux/amd64").matches(new Platform("unknown", "unknown", null))).isFalse();
    }

    @Test
    void indexSelectsPlatformAndSkipsAttestations() {
        Digest a = Digest.sha256("a".getBytes()), b = Digest.sha256("b".getBytes()),
                c = Digest.sha256("c".getBytes()), u = Digest.sha256("u".getBytes());
        Index idx = new Index(MediaTypes.OCI_INDEX, List.of(
                new Descriptor(MediaTypes.OCI_MANIFEST, u, 1).withPlatform(new Platform("unknown", "unknown", null)),
                new Descriptor(MediaTypes.OCI_MANIFEST, a, 1).withPlatform(new Platform("linux", "amd64", null)),
                new Descriptor(MediaTypes.OCI_MANIFEST, b, 1).withPlatform(new Platform("linux", "arm", "v6")),
                new Descriptor(MediaTypes.OCI_MANIFEST, c, 1).withPlatform(new Platform("linux", "arm", "v7"))));
        assertThat(idx.select(Platform.parse("linux/amd64")).digest()).isEqualTo(a);
        assertThat(idx.select(Platform.parse("linux/arm/v7")).digest()).isEqualTo(c);
        assertThat(idx.select(Platform.parse("linux/arm/v6")).digest()).isEqualTo(b);
        assertThat(idx.select(Platform.parse("linux/s390x"))).isNull();
        assertThat(idx.platformNames()).contains("linux/amd64", "linux/arm/v7");
    }

    @Test
    void imageDocumentParseDetectsTypeAndRefusesSchema1() {
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"config\":{\"mediaType\":\""
                + MediaTypes.DOCKER_CONFIG + "\",\"digest\":\"" + EMPTY_SHA256 + "\",\"size\":0},\"layers\":[]}";
        assertThat(ImageDocument.parse(manifest.getBytes(), null, "x")).isInstanceOf(Manifest.class);
        String index = "{\"schemaVersion\":2,\"manifests\":[]}";
        assertThat(ImageDocument.parse(index.getBytes(), MediaTypes.OCI_INDEX, "x")).isInstanceOf(Index.class);
        assertThat(ImageDocument.parse(index.getBytes(), null, "x")).isInstanceOf(Index.class);
        assertThatThrownBy(() -> ImageDocument.parse("{\"schemaVersion\":1,\"fsLayers\":[]}".getBytes(), null, "docker.io/library/old:1"))
                .hasMessageContaining("docker.io/library/old:1").hasMessageContaining("schema 1");
        assertThatThrownBy(() -> ImageDocument.parse("{}".getBytes(), MediaTypes.DOCKER_MANIFEST_V1_SIGNED, "img"))
                .hasMessageContaining("schema 1");
        assertThatThrownBy(() -> ImageDocument.parse("{\"schemaVersion\":2,\"layers\":[]}".getBytes(), MediaTypes.OCI_MANIFEST, "img"))
                .hasMessageContaining("img: manifest has no config");
        assertThatThrownBy(() -> ImageDocument.parse("[1]".getBytes(), null, "img")).hasMessageContaining("not a JSON object");
    }

    @Test
    void dockerConfigShapeReadsAndWrites() {
        String json = """
                {"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z","docker_version":"24",
                 "config":{"Env":["PATH=/bin"],"Cmd":["sh"],"Entrypoint":null,"WorkingDir":"/w","User":"1:2",
                   "ExposedPorts":{"80/tcp":{}},"Volumes":{"/data":{}},"Labels":{"a":"b"},"StopSignal":"SIGTERM",
                   "Healthcheck":{"Test":["CMD","true"],"Interval":1000000000,"Retries":3}},
                 "rootfs":{"type":"layers","diff_ids":["%s"]},
                 "history":[{"created_by":"/bin/sh -c #(nop) ADD","empty_layer":true}]}
                """.formatted(EMPTY_SHA256);
        ImageConfig c = Json.parse(json, ImageConfig.class).validate("cfg");
        assertThat(c.config().cmd()).containsExactly("sh");
        assertThat(c.config().exposedPorts()).containsKey("80/tcp");
        assertThat(c.config().healthcheck().retries()).isEqualTo(3);
        assertThat(c.diffIds()).containsExactly(Digest.parse(EMPTY_SHA256));
        assertThat(c.history().getFirst().isEmptyLayer()).isTrue();
        String out = Json.write(c);
        assertThat(out).contains("\"ExposedPorts\":{\"80/tcp\":{}}").contains("\"diff_ids\":[\"" + EMPTY_SHA256 + "\"]")
                .contains("\"created_by\"").doesNotContain("docker_version");
        assertThat(Json.parse(out, ImageConfig.class)).isEqualTo(c);
        assertThatThrownBy(() -> Json.parse("{\"os\":\"linux\"}", ImageConfig.class).validate("cfg"))
                .hasMessageContaining("cfg: config has no architecture");
        assertThat(MediaTypes.layerCompression(MediaTypes.DOCKER_LAYER_GZIP)).isEqualTo(MediaTypes.Compression.GZIP);
        assertThat(Map.of()).isEmpty();
    }
}
