package dev.hako.image.registry;

import dev.hako.image.reference.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RegistriesConfTest {
    @TempDir Path tmp;

    static final String CONF = """
            # comment
            unqualified-search-registries = ["registry.fedoraproject.org", 'quay.io',
                "docker.io"]   # trailing
            short-name-mode = "permissive"

            [[registry]]
            prefix = "example.com/foo"
            insecure = false
            blocked = false
            location = "internal.example.com/bar"

            [[registry.mirror]]
            location = "mirror-1.example.com/bar"
            [[registry.mirror]]
            location = "mirror-2.example.com:5000"
            insecure = true
            pull-from-mirror = "digest-only"

            [[registry]]
            location = "insecure.example:5000"
            insecure = true

            [[registry]]
            prefix = "*.blocked.example"
            location = "ignored"
            blocked = true

            [aliases]
              "fedora" = "registry.fedoraproject.org/fedora"
              "busybox" = "docker.io/library/busybox"
            """;

    @Test
    void parsesTheV2Format() {
        RegistriesConf c = RegistriesConf.parse(CONF, "test.conf");
        assertThat(c.searchRegistries()).containsExactly("registry.fedoraproject.org", "quay.io", "docker.io");
        assertThat(c.shortNameMode()).isEqualTo("permissive");
        assertThat(c.registries()).hasSize(3);
        RegistriesConf.Registry r = c.registries().getFirst();
        assertThat(r.prefix()).isEqualTo("example.com/foo");
        assertThat(r.location()).isEqualTo("internal.example.com/bar");
        assertThat(r.mirrors()).extracting(RegistriesConf.Mirror::location).containsExactly("mirror-1.example.com/bar", "mirror-2.example.com:5000");
        assertThat(r.mirrors().get(1).insecure()).isTrue();
        assertThat(c.aliases()).containsEntry("fedora", "registry.fedoraproject.org/fedora");
    }

    @Test
    void endpointsRewriteByLongestPrefix() {
        RegistriesConf c = RegistriesConf.parse(CONF, "t");
        List<RegistriesConf.Endpoint> eps = c.pullEndpoints(Reference.parse("example.com/foo/app:1"));
        assertThat(eps).extracting(e -> e.reference().toString())
                .containsExactly("mirror-1.example.com/bar/app:1", "internal.example.com/bar/app:1");
        String d = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assertThat(c.pullEndpoints(Reference.parse("example.com/foo/app@" + d))).extracting(e -> e.reference().toString())
                .containsExactly("mirror-1.example.com/bar/app@" + d, "mirror-2.example.com:5000/app@" + d, "internal.example.com/bar/app@" + d);
        assertThat(c.pullEndpoints(Reference.parse("example.com/other:1"))).extracting(e -> e.reference().toString())
                .containsExactly("example.com/other:1");
        assertThat(c.pushEndpoint(Reference.parse("example.com/foo/app:1")).reference().toString()).isEqualTo("internal.example.com/bar/app:1");
        assertThat(c.isInsecure(Reference.parse("insecure.example:5000/x"))).isTrue();
        assertThat(c.isInsecure(Reference.parse("mirror-2.example.com:5000/x"))).isTrue();
        assertThat(c.isInsecure(Reference.parse("example.com/foo/x"))).isFalse();
        assertThatThrownBy(() -> c.pullEndpoints(Reference.parse("a.blocked.example/x"))).hasMessageContaining("blocked");
    }

    @Test
    void shortNames() {
        RegistriesConf c = RegistriesConf.parse(CONF, "t");
        assertThat(c.resolveShortName("fedora:39")).extracting(Reference::toString).containsExactly("registry.fedoraproject.org/fedora:39");
        assertThat(c.resolveShortName("busybox")).extracting(Reference::toString).containsExactly("docker.io/library/busybox:latest");
        assertThat(c.resolveShortName("app")).extracting(Reference::toString)
                .containsExactly("registry.fedoraproject.org/app:latest", "quay.io/app:latest", "docker.io/library/app:latest");
        assertThat(c.resolveShortName("quay.io/x/y")).extracting(Reference::toString).containsExactly("quay.io/x/y:latest");
        assertThat(RegistriesConf.empty().resolveShortName("alpine")).extracting(Reference::toString).containsExactly("docker.io/library/alpine:latest");
    }

    @Test
    void dropInsOverride() throws Exception {
        Path main = tmp.resolve("registries.conf");
        Files.writeString(main, CONF);
        Path d = Files.createDirectories(tmp.resolve("registries.conf.d"));
        Files.writeString(d.resolve("10-a.conf"), "unqualified-search-registries = [\"a.example\"]\n[[registry]]\nprefix = \"example.com/foo\"\nlocation = \"new.example\"\n");
        Files.writeString(d.resolve("20-b.conf"), "[aliases]\n\"x\" = \"b.example/x\"\n");
        Files.writeString(d.resolve("ignored.txt"), "not toml [");
        RegistriesConf c = RegistriesConf.load(main, d);
        assertThat(c.searchRegistries()).containsExactly("a.example");
        assertThat(c.find(Reference.parse("example.com/foo/z")).location()).isEqualTo("new.example");
        assertThat(c.aliases()).containsKeys("x", "fedora");
        assertThat(RegistriesConf.load(tmp.resolve("absent"), tmp.resolve("absent.d")).registries()).isEmpty();
        // the machine's own files parse (shortnames.conf has hundreds of aliases)
        RegistriesConf system = RegistriesConf.system();
        if (Files.exists(RegistriesConf.SYSTEM_DIR.resolve("shortnames.conf"))) assertThat(system.aliases()).isNotEmpty();
    }

    @Test
    void v1SearchAndTomlErrors() {
        assertThat(RegistriesConf.parse("[registries.search]\nregistries = ['docker.io']\n", "v1").searchRegistries()).containsExactly("docker.io");
        assertThatThrownBy(() -> RegistriesConf.parse("a = \n", "bad.conf")).hasMessageStartingWith("bad.conf:1:");
        assertThatThrownBy(() -> RegistriesConf.parse("\n\nx = \"unterminated\n", "bad.conf")).hasMessageStartingWith("bad.conf:3: unterminated string");
        assertThatThrownBy(() -> RegistriesConf.parse("x = 1\nx = 2\n", "dup.conf")).hasMessageContaining("dup.conf:2: duplicate key x");
        assertThatThrownBy(() -> RegistriesConf.parse("unqualified-search-registries = \"docker.io\"\n", "t"))
                .hasMessageContaining("must be an array of strings");
        assertThatThrownBy(() -> RegistriesConf.parse("[[registry]]\nlocation = \"https://x\"\n", "t")).hasMessageContaining("must not have a scheme");
        Map<String, Object> t = Toml.parse("a.b = \"c\\u0041\\n\"\n[t]\nm = [{ x = 1, y = true }, {}]\nz = '''\nraw\\n'''\n", "t");
        assertThat(t).containsEntry("a", Map.of("b", "cA\n"));
        assertThat(((Map<?, ?>) t.get("t")).get("z")).isEqualTo("raw\\n");
        assertThat(((Map<?, ?>) t.get("t")).get("m")).isEqualTo(List.of(Map.of("x", 1L, "y", true), Map.of()));
    }
}
