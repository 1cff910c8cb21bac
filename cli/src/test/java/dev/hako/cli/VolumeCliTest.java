package dev.hako.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hako.oci.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;

/** `hako volume …`, `container prune`, `system df/prune`, -v/--mount on run: docker's output and exit codes. */
class VolumeCliTest {
    static Path work;
    static Cli cli;
    static String image;

    @BeforeAll
    static void fixture() throws Exception {
        work = Files.createTempDirectory("hako-test-volcli-");
        Path tar = Cli.busyboxTar(work);
        cli = new Cli(work.resolve("root"));
        image = "hako-test-volcli-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + ":latest";
        Cli.Result r = cli.run("import", "-c", "VOLUME [\"/data\"]", "-c", "CMD [\"sh\"]", tar.toString(), image);
        assertEquals(0, r.code(), r.toString());
    }

    @AfterAll
    static void cleanup() throws Exception {
        for (String id : cli.run("ps", "-a", "-q", "--no-trunc").out().split("\n")) if (!id.isBlank()) cli.run("rm", "-f", "-v", id);
        cli.run("volume", "prune", "-a", "-f");
        Cli.deleteTree(work);
    }

    @Test
    void volumeCommandsPrintWhatDockerPrints() {
        assertEquals("hako-test-v1\n", ok("volume", "create", "--label", "team=a", "hako-test-v1").out());
        assertEquals("hako-test-v2\n", ok("volume", "create", "--name", "hako-test-v2", "-o", "type=tmpfs", "-o", "device=tmpfs").out());
        String ls = ok("volume", "ls", "--filter", "name=hako-test-v").out();
        assertEquals("DRIVER    VOLUME NAME\nlocal     hako-test-v1\nlocal     hako-test-v2\n", ls);
        assertEquals("hako-test-v1\n", ok("volume", "ls", "-q", "-f", "label=team=a").out());
        assertEquals("hako-test-v2 local\n", ok("volume", "ls", "-f", "name=hako-test-v2", "--format", "{{.Name}} {{.Scope}}").out());

        JsonNode inspect = Json.parse(ok("volume", "inspect", "hako-test-v2").out(), JsonNode.class);
        assertEquals(1, inspect.size());
        JsonNode v = inspect.get(0);
        assertEquals(java.util.List.of("CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"),
                iterable(v.fieldNames()));
        assertEquals("tmpfs", v.get("Options").get("type").asText());
        assertEquals(work.resolve("root/volumes/hako-test-v2/_data").toString(), v.get("Mountpoint").asText());
        assertTrue(v.get("CreatedAt").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), v.toString());
        assertEquals("local\n", ok("volume", "inspect", "-f", "{{.Driver}}", "hako-test-v1").out());

        Cli.Result missing = cli.run("volume", "inspect", "hako-test-nope");
        assertEquals(1, missing.code());
        assertEquals("Error response from daemon: get hako-test-nope: no such volume\n", missing.err());
        Cli.Result badOpt = cli.run("volume", "create", "-o", "foo=bar", "hako-test-v3");
        assertEquals(1, badOpt.code());
        assertEquals("Error response from daemon: create hako-test-v3: invalid option: \"foo\"\n", badOpt.err());

        assertEquals("hako-test-v1\nhako-test-v2\n", ok("volume", "rm", "hako-test-v1", "hako-test-v2").out());
        assertEquals(0, cli.run("volume", "rm", "-f", "hako-test-v1").code(), "-f: a missing volume is no error");

        String anon = ok("volume", "create").out().trim();
        assertTrue(anon.matches("[0-9a-f]{64}"), anon);
        assertEquals("Deleted Volumes:\n" + anon + "\n\nTotal reclaimed space: 0B\n", ok("volume", "prune", "-f").out(),
                "an unnamed volume is anonymous: prune takes it without -a");
    }

    @Test
    void runWithVolumesInspectMountsInUseAndRmV() {
        Cli.Result run = ok("run", "-d", "--name", "hako-test-volcli-c", "-v", "hako-test-shared:/s:ro", image, "sleep", "60");
        String id = run.out().trim();
        JsonNode mounts = Json.parse(ok("container", "inspect", "-f", "{{json .Mounts}}", id).out(), JsonNode.class);
        assertEquals(2, mounts.size(), mounts.toString());
        JsonNode named = mounts.get(0).get("Destination").asText().equals("/s") ? mounts.get(0) : mounts.get(1);
        JsonNode anon = named == mounts.get(0) ? mounts.get(1) : mounts.get(0);
        assertEquals("volume", named.get("Type").asText());
        assertEquals("hako-test-shared", named.get("Name").asText());
        assertEquals("ro", named.get("Mode").asText());
        assertFalse(named.get("RW").asBoolean());
        assertEquals("/data", anon.get("Destination").asText());
        String anonName = anon.get("Name").asText();
        assertTrue(anonName.matches("[0-9a-f]{64}"), anonName);

        Cli.Result inUse = cli.run("volume", "rm", "hako-test-shared");
        assertEquals(1, inUse.code());
        assertEquals("Error response from daemon: remove hako-test-shared: volume is in use - [" + id + "]\n", inUse.err());
        assertEquals("", ok("volume", "ls", "-q", "--filter", "dangling=true").out());

        ok("rm", "-f", "-v", id);
        assertEquals("hako-test-shared\n", ok("volume", "ls", "-q").out(), "rm -v took the anonymous volume, not the named one");
        assertEquals("hako-test-shared\n", ok("volume", "ls", "-q", "--filter", "dangling=true").out());

        // --rm in the foreground takes its anonymous volume along
        assertEquals("x\n", ok("run", "--rm", "-v", "/anon", image, "sh", "-c", "echo x | tee /anon/f").out());
        assertEquals("hako-test-shared\n", ok("volume", "ls", "-q").out());

        Cli.Result prune = cli.run("volume", "prune", "-f");
        assertEquals("Total reclaimed space: 0B\n", prune.out(), "named volumes stay without -a");
        assertEquals("Deleted Volumes:\nhako-test-shared\n\nTotal reclaimed space: 0B\n", ok("volume", "prune", "-f", "-a").out());
    }

    @Test
    void mountFlagErrorsExit125() {
        Cli.Result r = cli.run("run", "--rm", "--mount", "type=bind,source=/hako-test-nonexistent,target=/x", image, "true");
        assertEquals(125, r.code(), r.toString());
        assertEquals("Error: invalid mount config for type \"bind\": bind source path does not exist: /hako-test-nonexistent\n", r.err());
        Cli.Result t = cli.run("run", "--rm", "--mount", "type=volume", image, "true");
        assertEquals(125, t.code(), t.toString());
        assertTrue(t.err().contains("for \"--mount\" flag: target is required"), t.err());
    }

    @Test
    void pruneAndDf() {
        String stopped = ok("create", "--name", "hako-test-volcli-p", image, "true").out().trim();
        Cli.Result df = ok("system", "df");
        String[] lines = df.out().split("\n");
        assertEquals(5, lines.length, df.out());
        assertTrue(lines[0].matches("TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE"), lines[0]);
        assertTrue(lines[1].matches("Images +1 +1 +\\S+ +0B \\(0%\\)"), lines[1]);
        assertTrue(lines[2].matches("Containers +1 +0 +\\S+ +\\S+( \\(\\d+%\\))?"), lines[2]);
        assertTrue(lines[3].matches("Local Volumes +1 +1 +\\S+ +0B( \\(0%\\))?"), lines[3]);
        assertTrue(lines[4].matches("Build Cache +0 +0 +0B +0B"), lines[4]);
        assertEquals("Images\n", ok("system", "df", "--format", "{{.Type}}").out().lines().findFirst().orElseThrow() + "\n");
        assertTrue(ok("system", "df", "-v").out().contains("Local Volumes space usage:"));

        Cli.Result no = cli.runWithInput("n\n".getBytes(), "container", "prune");
        assertEquals("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ", no.out());
        Cli.Result yes = cli.runWithInput("y\n".getBytes(), "container", "prune");
        assertTrue(yes.out().endsWith("Deleted Containers:\n" + stopped + "\n\nTotal reclaimed space: 0B\n"), yes.out());

        Cli.Result sys = ok("system", "prune", "-f", "--volumes");
        assertTrue(sys.out().startsWith("Deleted Volumes:\n"), "the pruned container's anonymous volume: " + sys.out());
        assertTrue(sys.out().endsWith("Total reclaimed space: 0B\n"), sys.out());
        assertEquals("", ok("volume", "ls", "-q").out());
    }

    private static Cli.Result ok(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
        return r;
    }

    private static java.util.List<String> iterable(java.util.Iterator<String> it) {
        java.util.List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
