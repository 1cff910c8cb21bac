package dev.hako.image.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AuthFileTest {
    @TempDir Path tmp;

    static String b64(String s) { return Base64.getEncoder().encodeToString(s.getBytes()); }

    @Test
    void looksUpMostSpecificKeyFirstAcrossFiles() throws Exception {
        Path podman = tmp.resolve("run/containers/auth.json");
        Files.createDirectories(podman.getParent());
        Files.writeString(podman, """
                {"auths":{
                  "quay.io":{"auth":"%s"},
                  "quay.io/team":{"auth":"%s"},
                  "quay.io/team/app":{"auth":"%s"}
                }}""".formatted(b64("u1:p1"), b64("u2:p2"), b64("u3:p:3")));
        Path docker = tmp.resolve("home/.docker/config.json");
        Files.createDirectories(docker.getParent());
        Files.writeString(docker, """
                {"auths":{"https://index.docker.io/v1/":{"auth":"%s"},"ghcr.io":{"username":"gu","password":"gp"}},
                 "credsStore":"desktop"}""".formatted(b64("hub:pw")));
        AuthFile f = AuthFile.defaults(Map.of("HOME", tmp.resolve("home").toString(), "XDG_RUNTIME_DIR", tmp.resolve("run").toString()));
        assertThat(f.writeTo()).isEqualTo(podman);
        assertThat(f.readOrder()).contains(docker);
        assertThat(f.lookup("quay.io", "team/app/sub")).contains(new Credentials("u3", "p:3", null));
        assertThat(f.lookup("quay.io", "team/other")).contains(new Credentials("u2", "p2", null));
        assertThat(f.lookup("quay.io", "x")).contains(new Credentials("u1", "p1", null));
        assertThat(f.lookup("docker.io", "library/busybox")).contains(new Credentials("hub", "pw", null));
        assertThat(f.lookup("ghcr.io", "x")).contains(new Credentials("gu", "gp", null));
        assertThat(f.lookup("other.io", "x")).isEmpty();
        assertThat(new Credentials("a", "secret", null).toString()).doesNotContain("secret");
    }

    @Test
    void envSelectsFiles() {
        AuthFile f = AuthFile.defaults(Map.of("HOME", "/h", "REGISTRY_AUTH_FILE", "/x/auth.json"));
        assertThat(f.writeTo()).isEqualTo(Path.of("/x/auth.json"));
        assertThat(f.readOrder()).containsExactly(Path.of("/x/auth.json"), Path.of("/h/.docker/config.json"));
        AuthFile g = AuthFile.defaults(Map.of("HOME", "/h", "DOCKER_CONFIG", "/d"));
        assertThat(g.writeTo()).isEqualTo(Path.of("/h/.config/containers/auth.json"));
        assertThat(g.readOrder()).contains(Path.of("/d/config.json"));
    }

    @Test
    void storeAndRemoveKeepOtherContent() throws Exception {
        Path p = tmp.resolve("auth.json");
        Files.writeString(p, "{\"auths\":{\"a.io\":{\"auth\":\"" + b64("x:y") + "\"}},\"credHelpers\":{\"z.io\":\"h\"}}");
        AuthFile f = AuthFile.of(p);
        f.store("https://b.io:5000/", Credentials.basic("me", "pw"));
        String json = Files.readString(p);
        assertThat(json).contains("\"b.io:5000\"").contains(b64("me:pw")).contains("credHelpers").contains("a.io");
        assertThat(f.lookup("b.io:5000", null)).contains(new Credentials("me", "pw", null));
        assertThat(f.remove("b.io:5000")).isTrue();
        assertThat(f.lookup("b.io:5000", null)).isEmpty();
        assertThat(f.lookup("a.io", null)).isPresent();
        Files.writeString(p, "{\"auths\":{\"c.io\":{\"auth\":\"!!!\"}}}");
        assertThatThrownBy(() -> f.lookup("c.io", null)).hasMessageContaining(p + " auths[\"c.io\"]: \"auth\" is not valid base64");
        Files.writeString(p, "[]");
        assertThatThrownBy(() -> f.lookup("c.io", null)).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> Credentials.basic("a:b", "c")).hasMessageContaining("must not contain ':'");
    }

    /** A helper is found on the user's PATH and runs with the user's environment only (the CLI service's caller's). */
    @Test
    void credentialHelpersRunWithTheGivenEnvironment() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("userbin"));
        Path h = bin.resolve("docker-credential-envtest");
        Files.writeString(h, "#!/bin/sh\nread s\nprintf '{\"ServerURL\":\"%s\",\"Username\":\"%s\",\"Secret\":\"%s\"}' \"$s\" \"$HOME\" \"${JAVA_HOME:-none}\"\n");
        h.toFile().setExecutable(true);
        Path cfg = tmp.resolve("env.json");
        Files.writeString(cfg, "{\"credsStore\":\"envtest\"}");
        AuthFile f = AuthFile.of(cfg, Map.of("PATH", bin + ":/usr/bin:/bin", "HOME", "/the/users/home"));
        assertThat(f.lookup("e.example", null)).contains(new Credentials("/the/users/home", "none", null));
        assertThat(AuthFile.of(cfg, Map.of("PATH", "/usr/bin:/bin")).lookup("e.example", null))
                .as("not on the user's PATH: no helper").isEmpty();
    }

    /** docker's and podman's modes: the credentials' file 0600 and its new directories 0700, whatever the umask. */
    @Test
    void storeCreatesPrivateFileAndDirectories() throws Exception {
        Path p = tmp.resolve("new/containers/auth.json");
        AuthFile.of(p).store("b.io", Credentials.basic("me", "pw"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p.getParent()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("new")))).isEqualTo("rwx------");
        try (var s = Files.list(p.getParent())) {
            assertThat(s.map(f -> f.getFileName().toString())).containsExactly("auth.json");
        }
    }

    @Test
    void parsesChallenges() {
        List<AuthChallenge> c = AuthChallenge.parse(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull,push\", Basic realm=\"x\"");
        assertThat(c).hasSize(2);
        assertThat(c.getFirst().isBearer()).isTrue();
        assertThat(c.getFirst().param("realm")).isEqualTo("https://auth.docker.io/token");
        assertThat(c.getFirst().param("scope")).isEqualTo("repository:library/busybox:pull,push");
        assertThat(c.get(1).isBasic()).isTrue();
        assertThat(c.get(1).param("realm")).isEqualTo("x");
        assertThat(AuthChallenge.parse("Basic")).singleElement().satisfies(a -> assertThat(a.params()).isEmpty());
        assertThat(AuthChallenge.parse(null)).isEmpty();
        assertThat(AuthChallenge.parse("Bearer realm=unquoted,error=\"invalid_token\"").getFirst().param("error")).isEqualTo("invalid_token");
    }

    /** docker's order: credHelpers for the host, then credsStore, then auths; store and erase go to the helper. */
    @Test
    void credentialHelpersGetStoreErase() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path db = Files.createDirectories(tmp.resolve("db"));
        // a file-backed helper: get/store/erase keyed by the server URL (slashes replaced)
        for (String name : List.of("one", "store")) {
            Path h = bin.resolve("docker-credential-" + name);
            Files.writeString(h, """
                    #!/bin/sh
                    d=%s/%s
                    case "$1" in
                      get) read s; f="$d/$(echo "$s" | tr / _)"; [ -f "$f" ] && { cat "$f"; exit 0; }; echo "credentials not found in native keychain"; exit 1;;
                      store) doc=$(cat); s=$(echo "$doc" | sed 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/'); mkdir -p "$d"; echo "$doc" > "$d/$(echo "$s" | tr / _)";;
                      erase) read s; f="$d/$(echo "$s" | tr / _)"; [ -f "$f" ] || { echo "credentials not found in native keychain"; exit 1; }; rm "$f";;
                    esac
                    """.formatted(db, name));
            h.toFile().setExecutable(true);
        }
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, """
                {"credHelpers":{"one.example":"one"},"credsStore":"store",
                 "auths":{"plain.example":{"auth":"%s"}}}""".formatted(b64("pu:pp")));
        AuthFile f = new AuthFile(List.of(cfg), cfg, bin.toString());
        assertThat(f.lookup("one.example", "r")).isEmpty();
        f.store("one.example", Credentials.basic("u1", "p1"));
        f.store("docker.io", Credentials.basic("hub", "hp"));
        assertThat(f.lookup("one.example", "r")).contains(new Credentials("u1", "p1", null));
        assertThat(f.lookup("docker.io", "library/busybox")).contains(new Credentials("hub", "hp", null));
        assertThat(Files.exists(db.resolve("one/one.example"))).isTrue();
        assertThat(Files.exists(db.resolve("store/https:__index.docker.io_v1_"))).isTrue();
        // nothing in the store for it: the file's own entry
        assertThat(f.lookup("plain.example", null)).contains(new Credentials("pu", "pp", null));
        assertThat(Files.readString(cfg)).doesNotContain("p1").doesNotContain("hp");
        assertThat(f.remove("one.example")).isTrue();
        assertThat(f.remove("one.example")).isFalse();
        assertThat(f.lookup("one.example", "r")).isEmpty();
        // a helper that fails otherwise is an error naming it
        Path broken = bin.resolve("docker-credential-broken");
        Files.writeString(broken, "#!/bin/sh\necho boom; exit 3\n");
        broken.toFile().setExecutable(true);
        Files.writeString(cfg, "{\"credsStore\":\"broken\"}");
        assertThatThrownBy(() -> f.lookup("x.example", null)).hasMessageContaining("docker-credential-broken get x.example: exit status 3: boom");
    }
}
