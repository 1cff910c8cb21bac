package dev.hako.runtime.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.oci.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same bundle under runc and under hako-runtime must look the same from inside: a probe script prints
 * ids, capabilities, no_new_privs, seccomp, hostname, cwd, umask, env, which namespaces are the host's,
 * rlimits, what a seccomp-denied syscall returns, /dev, and the mount table; both outputs are normalised
 * (instance numbers: mount ids, device minors) and compared line by line. Then the exit codes of both for
 * the same error cases.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RuncComparisonTest {
    private static final String PROBE = """
            #!/bin/sh
            echo "id: $(id -u) $(id -g) $(id -G)"
            grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp|Seccomp_filters):' /proc/self/status
            echo "hostname: $(hostname)"
            echo "cwd: $(pwd)"
            echo "umask: $(umask)"
            env | sort | sed 's/^/env: /'
            for n in cgroup ipc mnt net pid user uts; do echo "ns: $n $(readlink /proc/self/ns/$n)"; done
            sed 's/^/limit: /' /proc/self/limits
            mkdir /dev/shm/probe 2>&1 | sed 's/^/seccomp-denied: /'
            echo "pid: $$"
            ls -l /dev | awk 'NR > 1 {print "dev:", $1, $NF}'
            sed 's/^/mount: /' /proc/self/mountinfo
            exit 7
            """;

    private Path work;
    private Path bundle;
    private Path hako;

    @BeforeAll
    void setUp() throws Exception {
        assertThat(Path.of("/usr/bin/runc")).as("runc is installed (build.sh installs it)").exists();
        work = Files.createTempDirectory(Path.of("/tmp"), "hako-test-h8-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        bundle = work.resolve("bundle");
        Peers.busyboxRootfs(bundle.resolve("rootfs"));
        Files.writeString(bundle.resolve("rootfs/probe.sh"), PROBE);
        var spec = Peers.run(work, List.of("runc", "spec", "-b", bundle.toString()));
        assertThat(spec.code()).as(spec.describe()).isZero();
        ObjectNode config = (ObjectNode) Json.mapper().readTree(bundle.resolve("config.json").toFile());
        ObjectNode process = (ObjectNode) config.get("process");
        process.put("terminal", false);
        process.set("args", Json.mapper().valueToTree(List.of("/bin/sh", "/probe.sh")));
        ((ArrayNode) process.get("rlimits")).add(Json.mapper().readTree("{\"type\":\"RLIMIT_NPROC\",\"hard\":512,\"soft\":256}"));
        config.put("hostname", "hako-probe");
        ((ObjectNode) config.get("linux")).set("seccomp", Json.mapper().readTree("""
                {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
                 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95}]}"""));
        Files.writeString(bundle.resolve("config.json"), Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(config));
        hako = Peers.hakoRuntime(work);
    }

    private List<String> runtime(String which) {
        Path root = work.resolve("root-" + which);
        return which.equals("runc") ? List.of("runc", "--root", root.toString())
                : List.of(hako.toString(), "--root", root.toString());
    }

    private Peers.Result run(String which, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(runtime(which));
        cmd.addAll(List.of(args));
        return Peers.run(work, cmd);
    }

    @Test
    void sameBundleLooksTheSameFromInside() throws Exception {
        String id = Peers.uniqueName("h8");   // the same id: it shows in the cgroup paths
        var runc = run("runc", "run", "-b", bundle.toString(), id);
        var ours = run("hako", "run", "-b", bundle.toString(), id);
        assertThat(runc.code()).as(runc.describe()).isEqualTo(7);
        assertThat(ours.code()).as(ours.describe()).isEqualTo(7);
        List<String> expected = normalise(runc.out());
        List<String> actual = normalise(ours.out());
        assertThat(expected).as("runc's probe output").anyMatch(l -> l.startsWith("mount: / "));
        assertThat(expected).contains("Seccomp: 2", "NoNewPrivs: 1", "hostname: hako-probe", "pid: 1", "ns: net separate");
        assertThat(String.join("\n", actual)).as("hako-runtime vs runc, stderr:\n" + ours.err())
                .isEqualTo(String.join("\n", expected));
    }

    private static final List<String> MASKED = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi");

    /**
     * Makes both outputs comparable: namespace inodes become "host"/"separate" (vs this JVM's); in
     * mountinfo, mount ids, parent ids and device numbers are instance numbers and are dropped, and the
     * lines are sorted (both runtimes mount in spec order, but the set is what the container sees).
     * Expected differences, normalised here:
     * - cgroup mounts: the cgroup's own path is the runtime's choice of parent (runc "/ID" or nested under
     *   its caller's memory cgroup, hako "/hako/ID"); only the last element (the id) is compared.
     * - masked directories: both mount an empty read-only tmpfs; runc names its source "tmpfs" and sets
     *   ro as a superblock option, hako's source is "none" and it adds nosuid,nodev,noexec; compared as
     *   "read-only empty tmpfs".
     * - the tmpfs at /sys/fs/cgroup: runc leaves it writable (only the cgroup mounts in it are ro), hako
     *   makes it read-only as the spec's "ro" asks; its ro/rw is not compared.
     * - HOME: both set it from the container's /etc/passwd when process.env has none; checked by
     *   {@link #homeIsSetFromPasswdLikeRunc}, not here.
     */
    private static List<String> normalise(String out) throws Exception {
        Map<String, String> hostNs = new LinkedHashMap<>();
        for (String n : List.of("cgroup", "ipc", "mnt", "net", "pid", "user", "uts")) {
            hostNs.put(n, Files.readSymbolicLink(Path.of("/proc/self/ns/" + n)).toString());
        }
        List<String> lines = new ArrayList<>();
        TreeSet<String> mounts = new TreeSet<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("ns: ")) {
                String[] f = line.split(" ");
                lines.add("ns: " + f[1] + " " + (f.length > 2 && f[2].equals(hostNs.get(f[1])) ? "host" : "separate"));
            } else if (line.startsWith("mount: ")) {
                // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
                String[] f = line.substring(7).split(" ");
                int dash = List.of(f).indexOf("-");
                String root = f[3], point = f[4], opts = f[5], type = f[dash + 1], source = f[dash + 2], superOpts = f[dash + 3];
                boolean ro = List.of(opts.split(",")).contains("ro") || List.of(superOpts.split(",")).contains("ro");
                if (type.equals("cgroup")) {
                    mounts.add("mount: " + point + " .../" + root.substring(root.lastIndexOf('/') + 1) + " " + opts + " " + type + " " + source + " " + superOpts);
                } else if (type.equals("tmpfs") && MASKED.contains(point)) {
                    mounts.add("mount: " + point + " masked by an empty tmpfs, " + (ro ? "ro" : "rw"));
                } else if (type.equals("tmpfs") && point.equals("/sys/fs/cgroup")) {
                    mounts.add("mount: " + point + " tmpfs");
                } else {
                    mounts.add("mount: " + point + " " + root + " " + opts + " " + type + " " + source + " " + superOpts);
                }
            } else if (line.startsWith("env: HOME=")) {
                continue;
            } else {
                lines.add(line.replace('\t', ' '));
            }
        }
        lines.addAll(mounts);
        return lines;
    }

    @Test
    void homeIsSetFromPasswdLikeRunc() throws Exception {
        var theirs = run("runc", "run", "-b", bundle.toString(), Peers.uniqueName("h8"));
        var ours = run("hako", "run", "-b", bundle.toString(), Peers.uniqueName("h8"));
        assertThat(theirs.out()).contains("env: HOME=/root");
        assertThat(ours.out()).contains("env: HOME=/root");
    }

    @Test
    void sameExitCodesForErrors() throws Exception {
        Map<String, List<Integer>> codes = new LinkedHashMap<>();
        for (String which : List.of("runc", "hako")) {
            String id = Peers.uniqueName("h8");
            Path sleeper = work.resolve("sleeper-" + which);
            Files.createDirectories(sleeper);
            JsonNode config = Json.mapper().readTree(bundle.resolve("config.json").toFile());
            ((ObjectNode) config.get("process")).set("args", Json.mapper().valueToTree(List.of("sleep", "600")));
            ((ObjectNode) config.get("root")).put("path", bundle.resolve("rootfs").toString());
            Files.writeString(sleeper.resolve("config.json"), config.toString());
            List<Integer> c = new ArrayList<>();
            c.add(run(which, "state", id).code());                                  // unknown id
            c.add(run(which, "kill", id, "KILL").code());                           // unknown id
            c.add(run(which, "delete", id).code());                                 // unknown id
            c.add(run(which, "delete", "--force", id).code());                      // unknown id, forced: fine
            var create = run(which, "create", "-b", sleeper.toString(), id);
            assertThat(create.code()).as(which + " create: " + create.describe()).isZero();
            try {
                c.add(run(which, "start", id).code());                              // ok
                c.add(run(which, "start", id).code());                              // start twice
                c.add(run(which, "delete", id).code());                             // delete running
                c.add(run(which, "kill", id, "NOSUCHSIGNAL").code());               // bad signal
                c.add(run(which, "kill", id, "KILL").code());                       // ok
                waitStopped(which, id);
                c.add(run(which, "kill", id, "KILL").code());                       // kill stopped
                c.add(run(which, "start", id).code());                              // start stopped
            } finally {
                c.add(run(which, "delete", "--force", id).code());                  // ok
            }
            c.add(run(which, "state", id).code());                                  // gone
            codes.put(which, c);
        }
        assertThat(codes.get("runc")).containsExactly(1, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 0, 1);
        assertThat(codes.get("hako")).as("hako-runtime vs runc").isEqualTo(codes.get("runc"));
    }

    private void waitStopped(String which, String id) throws Exception {
        for (int i = 0; i < 100; i++) {
            var s = run(which, "state", id);
            if (s.code() == 0 && Json.mapper().readTree(s.out()).get("status").asText().equals("stopped")) return;
            Thread.sleep(100);
        }
        throw new AssertionError(which + ": " + id + " did not stop");
    }

    @AfterAll
    void tearDown() throws Exception {
        if (work == null) return;
        Peers.unmountUnder(work);
        Peers.deleteTree(work);
    }
}
