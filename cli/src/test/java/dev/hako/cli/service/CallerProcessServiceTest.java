package dev.hako.cli.service;

import dev.hako.cli.Registry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.hako.cli.service.CliServiceTest.IMAGE;
import static dev.hako.cli.service.CliServiceTest.Result;
import static dev.hako.cli.service.CliServiceTest.command;
import static dev.hako.cli.service.CliServiceTest.hako;
import static dev.hako.cli.service.CliServiceTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the CLI service must take from its caller rather than from its own process, beyond {@link CliServiceTest}:
 * the umask of the files it writes for the caller, and the PATH and environment of docker credential helpers.
 * Runs bin/hako through the real front-end and service (its own, in a private directory, as CliServiceTest's).
 */
class CallerProcessServiceTest {

    @BeforeAll
    static void setUp() throws Exception { CliServiceTest.setUp(); }

    @AfterAll
    static void tearDown() throws Exception { CliServiceTest.tearDown(); }

    /** bin/hako run with {@code umask} by a shell, through the service (or the plain JVM). */
    static Result withUmask(boolean service, String umask, Path cwd, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "umask " + umask + " && exec \"$@\"", "sh"));
        cmd.addAll(command(args));
        return run(service, cwd, null, env, cmd);
    }

    static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * docker's modes under the caller's umask, not the service's 022: --cidfile as os.Create (0666), save -o and
     * export -o as its temp file (0600); cp keeps the container's modes as docker's Untar does (umask ignored).
     */
    @Test
    void filesWrittenForTheCallerGetItsUmask() throws Exception {
        Path cwd = Files.createDirectories(CliServiceTest.work.resolve("umask"));
        Result r = withUmask(true, "077", cwd, Map.of("HAKO_TRACE_TIMING", "1"), "run", "--cidfile", "strict.cid",
                "--name", "svc-umask", "--network", "none", IMAGE, "sh", "-c",
                "mkdir -p /d/open && echo hi > /d/f && chmod 0751 /d && chmod 0664 /d/f && chmod 0777 /d/open");
        assertThat(r.code()).as(r.describe()).isZero();
        assertThat(r.err()).as("ran in the service").contains("hako front-end: acknowledged");
        assertThat(mode(cwd.resolve("strict.cid"))).isEqualTo("rw-------");

        r = withUmask(true, "077", cwd, Map.of(), "cp", "svc-umask:/d", "copied");
        assertThat(r.code()).as(r.describe()).isZero();
        assertThat(mode(cwd.resolve("copied"))).as("the container's modes, as docker cp keeps them").isEqualTo("rwxr-x--x");
        assertThat(mode(cwd.resolve("copied/f"))).isEqualTo("rw-rw-r--");
        assertThat(mode(cwd.resolve("copied/open"))).isEqualTo("rwxrwxrwx");

        r = withUmask(true, "077", cwd, Map.of(), "export", "-o", "fs.tar", "svc-umask");
        assertThat(r.code()).as(r.describe()).isZero();
        assertThat(mode(cwd.resolve("fs.tar"))).isEqualTo("rw-------");
        r = withUmask(true, "077", cwd, Map.of(), "save", "-o", "img.tar", IMAGE);
        assertThat(r.code()).as(r.describe()).isZero();
        assertThat(mode(cwd.resolve("img.tar"))).isEqualTo("rw-------");
        try (var s = Files.list(cwd)) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no temp file left")
                    .containsExactlyInAnyOrder("strict.cid", "copied", "fs.tar", "img.tar");
        }

        // a umask looser than the service's own 022 is the caller's too: through the service and the plain JVM
        for (boolean service : List.of(true, false)) {
            String cid = "loose-" + service + ".cid";
            r = withUmask(service, "002", cwd, Map.of(), "create", "--cidfile", cid, "--network", "none", IMAGE, "true");
            assertThat(r.code()).as(r.describe()).isZero();
            assertThat(mode(cwd.resolve(cid))).as(service ? "service" : "plain JVM").isEqualTo("rw-rw-r--");
            assertThat(hako(true, "rm", Files.readString(cwd.resolve(cid)).trim()).code()).isZero();
        }
        r = withUmask(true, "0", cwd, Map.of(), "save", "-o", "img.tar", IMAGE);
        assertThat(r.code()).as(r.describe()).isZero();
        assertThat(mode(cwd.resolve("img.tar"))).as("replaced by a new file with docker's mode").isEqualTo("rw-------");
        assertThat(hako(true, "rm", "svc-umask").code()).isZero();
    }

    /**
     * docker-credential-NAME is the caller's: found on its PATH only (the service's PATH is a fixed one) and run with
     * its HOME, where this fake helper keeps what it stores. Through --authfile and through the default lookup
     * (~/.docker/config.json's credsStore), for login, push, pull and run's pull.
     */
    @Test
    void credentialHelpersAreTheCallers() throws Exception {
        Path base = Files.createDirectories(CliServiceTest.work.resolve("creds"));
        Path home = Files.createDirectories(base.resolve("home"));
        Path bin = Files.createDirectories(base.resolve("bin"));
        Path helper = bin.resolve("docker-credential-hakotest");
        Files.writeString(helper, """
                #!/bin/sh
                f="$HOME/hakotest-creds"
                case "$1" in
                  get) read s; [ -f "$f" ] && { cat "$f"; exit 0; }; echo "credentials not found in native keychain"; exit 1;;
                  store) cat > "$f";;
                  erase) [ -f "$f" ] || { echo "credentials not found in native keychain"; exit 1; }; rm "$f";;
                esac
                """);
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path htpasswd = base.resolve("htpasswd");
        Process h = new ProcessBuilder("htpasswd", "-Bbn", "hako", "s3cret").redirectOutput(htpasswd.toFile()).start();
        assertThat(h.waitFor()).isZero();
        try (Registry registry = Registry.start(base.resolve("registry"), htpasswd)) {
            String ref = registry.host + "/caller/busybox:1";
            Path authfile = base.resolve("auth.json");
            Files.writeString(authfile, "{\"credHelpers\":{\"" + registry.host + "\":\"hakotest\"}}");
            Files.createDirectories(home.resolve(".docker"));
            Files.writeString(home.resolve(".docker/config.json"), "{\"credsStore\":\"hakotest\"}");
            Map<String, String> env = new HashMap<>();
            env.put("PATH", bin + ":" + System.getenv("PATH"));
            env.put("HOME", home.toString());
            env.put("XDG_RUNTIME_DIR", "");
            env.put("REGISTRY_AUTH_FILE", "");
            env.put("DOCKER_CONFIG", "");
            env.put("HAKO_TRACE_TIMING", "1");   // shows that the service ran them (the plain JVM has the env anyway)

            Result r = run(true, base, null, env, command("--authfile", authfile.toString(), "login", "-u", "hako", "-p", "s3cret", registry.host));
            assertThat(r.code()).as(r.describe()).isZero();
            assertThat(r.err()).contains("hako front-end: acknowledged");
            assertThat(home.resolve("hakotest-creds")).as("stored by the helper in the caller's HOME").exists();
            assertThat(Files.readString(home.resolve("hakotest-creds"))).contains("s3cret");
            assertThat(Files.readString(authfile)).doesNotContain("s3cret");

            assertThat(hako(true, "tag", IMAGE, ref).code()).isZero();
            r = run(true, base, null, env, command("--authfile", authfile.toString(), "push", ref));
            assertThat(r.code()).as(r.describe()).isZero();
            assertThat(hako(true, "rmi", ref).code()).isZero();
            r = run(true, base, null, env, command("pull", ref));
            assertThat(r.code()).as("the default lookup: ~/.docker/config.json's credsStore\n" + r.describe()).isZero();
            assertThat(r.err()).contains("hako front-end: acknowledged");
            assertThat(hako(true, "rmi", ref).code()).isZero();
            r = run(true, base, null, env, command("run", "--rm", "--network", "none", ref, "true"));
            assertThat(r.code()).as("run pulls with the caller's credentials\n" + r.describe()).isZero();
            assertThat(r.err()).contains("hako front-end: acknowledged");

            // the helper is nowhere on the service's own PATH: without the caller's, no credentials
            assertThat(hako(true, "rmi", ref).code()).isZero();
            env.put("PATH", System.getenv("PATH"));
            r = run(true, base, null, env, command("pull", ref));
            assertThat(r.code()).as(r.describe()).isNotZero();
        }
    }

    /**
     * docker's --runtime NAME is found on the caller's PATH, as the plain JVM finds it on its own: a wrapper of runc
     * that is nowhere on the service's PATH runs the container, and without the caller's PATH it is unknown.
     */
    @Test
    void runtimeNamesAreLookedUpOnTheCallersPath() throws Exception {
        Path base = Files.createDirectories(CliServiceTest.work.resolve("runtime-path"));
        Path bin = Files.createDirectories(base.resolve("bin"));
        Path calls = base.resolve("calls");
        String runc = Files.isExecutable(Path.of("/usr/sbin/runc")) ? "/usr/sbin/runc" : "/usr/bin/runc";
        Path wrapper = bin.resolve("hakotest-rt");
        Files.writeString(wrapper, "#!/bin/sh\necho \"$*\" >> " + calls + "\nexec " + runc + " \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));

        Result r = run(true, base, null, Map.of("HAKO_TRACE_TIMING", "1"),
                command("run", "--rm", "--runtime", "hakotest-rt", "--network", "none", IMAGE, "echo", "wrapped"));
        assertThat(r.code()).as("not on the service's own PATH\n" + r.describe()).isNotZero();
        assertThat(r.err()).contains("hako front-end: acknowledged").contains("unknown or invalid runtime name: hakotest-rt");

        r = run(true, base, null, Map.of("HAKO_TRACE_TIMING", "1", "PATH", bin + ":" + System.getenv("PATH")),
                command("run", "--rm", "--runtime", "hakotest-rt", "--network", "none", IMAGE, "echo", "wrapped"));
        assertThat(r.code()).as(r.describe()).isZero();
        assertThat(r.err()).contains("hako front-end: acknowledged");
        assertThat(r.out()).isEqualTo("wrapped\n");
        assertThat(Files.readString(calls)).as("the caller's wrapper ran the container").contains("run --bundle");
    }

    /**
     * CNI_PATH is the caller's: plugins are run from the directory it names (here wrappers of /usr/lib/cni's that
     * log their calls), also by a bridge plugin for its IPAM plugin; a CNI_PATH without plugins fails the run.
     */
    @Test
    void cniPathIsTheCallers() throws Exception {
        Path base = Files.createDirectories(CliServiceTest.work.resolve("cni-path"));
        Path cni = Files.createDirectories(base.resolve("cni"));
        Path empty = Files.createDirectories(base.resolve("empty"));
        Path calls = base.resolve("calls");
        try (var plugins = Files.list(Path.of("/usr/lib/cni"))) {
            for (Path real : plugins.toList()) {
                Path w = cni.resolve(real.getFileName().toString());
                Files.writeString(w, "#!/bin/sh\necho \"$CNI_COMMAND ${0##*/}\" >> " + calls + "\nexec " + real + " \"$@\"\n");
                Files.setPosixFilePermissions(w, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        String net = "caller2-cni-" + Long.toHexString(ProcessHandle.current().pid());
        assertThat(hako(true, "network", "create", "--subnet", "10.89.143.0/24", net).code()).isZero();
        try {
            Result r = run(true, base, null, Map.of("HAKO_TRACE_TIMING", "1", "CNI_PATH", cni.toString()),
                    command("run", "--rm", "--network", net, IMAGE, "ip", "-4", "-o", "addr", "show", "eth0"));
            assertThat(r.code()).as(r.describe()).isZero();
            assertThat(r.err()).contains("hako front-end: acknowledged");
            assertThat(r.out()).contains("inet 10.89.143.");
            assertThat(Files.readString(calls)).as("plugins from the caller's CNI_PATH")
                    .contains("ADD bridge").contains("ADD host-local");

            r = run(true, base, null, Map.of("HAKO_TRACE_TIMING", "1", "CNI_PATH", empty.toString()),
                    command("run", "--rm", "--network", net, IMAGE, "true"));
            assertThat(r.code()).as(r.describe()).isNotZero();
            assertThat(r.err()).contains("hako front-end: acknowledged").contains("failed to find plugin \"bridge\" in path [" + empty + "]");
        } finally {
            assertThat(hako(true, "network", "rm", net).code()).isZero();
        }
    }

    /**
     * A credential helper runs in the caller's working directory, and a relative PATH entry ("bin") means the
     * caller's directory too, as for the plain JVM (the service's own cwd is "/"): logout runs the helper's erase.
     */
    @Test
    void credentialHelpersRunInTheCallersDirectory() throws Exception {
        Path cwd = Files.createDirectories(CliServiceTest.work.resolve("creds-cwd"));
        Path helper = Files.createDirectories(cwd.resolve("bin")).resolve("docker-credential-hakocwd");
        Path ran = cwd.resolve("ran-in");
        Files.writeString(helper, "#!/bin/sh\nread s\npwd >> " + ran + "\n");
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(cwd.resolve("auth.json"), "{\"credHelpers\":{\"cwd.example\":\"hakocwd\"}}");
        Map<String, String> env = Map.of("PATH", "bin:" + System.getenv("PATH"), "HAKO_TRACE_TIMING", "1");
        for (boolean service : List.of(true, false)) {
            Result r = run(service, cwd, null, env, command("--authfile", "auth.json", "logout", "cwd.example"));
            assertThat(r.code()).as("service=" + service + "\n" + r.describe()).isZero();
            if (service) assertThat(r.err()).contains("hako front-end: acknowledged");
            assertThat(r.out()).contains("cwd.example");
        }
        assertThat(Files.readAllLines(ran)).as("service, then plain JVM").containsExactly(cwd.toString(), cwd.toString());
    }
}
