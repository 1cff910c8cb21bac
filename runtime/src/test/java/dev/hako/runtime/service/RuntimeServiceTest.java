package dev.hako.runtime.service;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * bin/hako-runtime through the runtime service (the C front-end and the warm JVM) against the plain JVM
 * path (HAKO_RUNTIME_SERVICE=0): same output and exit codes; the service's socket, its replacement when
 * dead or built from other jars; and the container init descending from the caller, as with runc.
 * Every service here lives in a private directory (HAKO_RUNTIME_SERVICE_DIR) and is killed at the end.
 */
class RuntimeServiceTest {
    static final Path PROJECT = Path.of(System.getProperty("hako.projectDir", "/work/main"));
    static final Path HAKO = PROJECT.resolve("bin/hako-runtime");
    static Path work, serviceDir, bundle, root;

    record Result(int code, String out, String err) {
        String describe() { return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err; }
    }

    @BeforeAll
    static void setUp() throws Exception {
        Path jar = PROJECT.resolve("runtime/target/hako-runtime.jar");
        assumeTrue(Files.isExecutable(PROJECT.resolve("kernel/target/native/hako-front")) && Files.exists(jar)
                && !newerThan(PROJECT.resolve("runtime/target/classes"), Files.getLastModifiedTime(jar)),
                "bin/hako-runtime needs a packaged tree (mvn package) newer than the compiled classes");
        work = Files.createTempDirectory("hako-test-rtsvc-");
        serviceDir = work.resolve("service");
        Files.createDirectory(serviceDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        root = work.resolve("state");
        bundle = work.resolve("bundle");
        Files.createDirectories(bundle);
        var p = new ProcessBuilder("bash", PROJECT.resolve("scripts/busybox-rootfs.sh").toString(), bundle.resolve("rootfs").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor()).as("busybox-rootfs.sh").isZero();
        writeConfig(bundle, "/bin/true");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (work == null) return;
        killServices(9);
        run(true, List.of("sh", "-c", "for c in $(ls " + root + " 2>/dev/null); do " + HAKO + " --root " + root + " delete -f $c; done"));
        try (Stream<Path> s = Files.walk(work)) {
            for (Path f : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) Files.deleteIfExists(f);
        }
    }

    /** runc's default config with {@code args}, no terminal, the bundle's busybox rootfs. */
    static void writeConfig(Path dir, String... args) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve("config.json"));
        Result r = run(false, List.of(HAKO.toString(), "spec", "--bundle", dir.toString()));
        assertThat(r.code()).as(r.describe()).isZero();
        StringBuilder a = new StringBuilder();
        for (String s : args) a.append(a.isEmpty() ? "" : ", ").append('"').append(s).append('"');
        String config = Files.readString(dir.resolve("config.json"))
                .replace("\"terminal\": true", "\"terminal\": false")
                .replaceFirst("\"args\": \\[[^]]*]", "\"args\": [" + a + "]")
                .replace("\"path\": \"rootfs\"", "\"path\": \"" + bundle.resolve("rootfs") + "\"");
        Files.writeString(dir.resolve("config.json"), config);
    }

    static Result run(boolean service, List<String> cmd) throws IOException, InterruptedException {
        return run(service, work, cmd);
    }

    /** Runs {@code cmd} in {@code cwd}, through the service or the plain JVM; stdout and stderr to files. */
    static Result run(boolean service, Path cwd, List<String> cmd) throws IOException, InterruptedException {
        String tag = Long.toHexString(ThreadLocalRandom.current().nextLong());
        Path out = work.resolve("out-" + tag), err = work.resolve("err-" + tag);
        var pb = new ProcessBuilder(cmd).directory(cwd.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        env.remove("HAKO_TRACE_TIMING");
        env.put("HAKO_RUNTIME_SERVICE", service ? "1" : "0");
        env.put("HAKO_RUNTIME_SERVICE_DIR", serviceDir.toString());
        env.put("HAKO_RUNTIME_SERVICE_IDLE", "120");
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", cmd));
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    static Result hako(boolean service, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(HAKO.toString()));
        cmd.addAll(List.of(args));
        return run(service, cmd);
    }

    /** The pids of the services in our directory, by pid file name. */
    static Map<String, Long> services() throws IOException {
        Map<String, Long> m = new HashMap<>();
        try (Stream<Path> s = Files.list(serviceDir)) {
            for (Path f : s.filter(f -> f.getFileName().toString().endsWith(".pid")).toList()) {
                m.put(f.getFileName().toString(), Long.parseLong(Files.readString(f).strip()));
            }
        }
        return m;
    }

    static void killServices(int signal) throws IOException, InterruptedException {
        if (serviceDir == null || !Files.isDirectory(serviceDir)) return;
        for (long pid : services().values()) {
            ProcessHandle.of(pid).ifPresent(h -> {
                try {
                    new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor();
                    h.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError("kill service " + pid, e);
                }
            });
        }
    }

    /** Log lines carry the time to the second; the two runs may straddle one. */
    static String normalize(String s, String... ids) {
        String n = s.replaceAll("time=\"[^\"]*\"", "time=T").replaceAll("\"time\":\"[^\"]*\"", "\"time\":T")
                .replaceAll("\"created\": \"[^\"]*\"", "\"created\": C").replaceAll("\"pid\": [0-9]+", "\"pid\": P");
        for (String id : ids) n = n.replace(id, "ID");
        return n;
    }

    static String id(String what) {
        return "hako-test-rtsvc-" + what + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
    }

    @Test
    void serviceAndPlainJvmGiveTheSameOutputsAndExitCodes() throws Exception {
        Path exit3 = work.resolve("exit3");
        writeConfig(exit3, "sh", "-c", "echo out; echo err >&2; exit 3");
        Path empty = Files.createDirectories(work.resolve("empty"));
        String r = root.toString();
        List<List<String>> commands = List.of(
                List.of("--version"),
                List.of("--root", r, "list"),
                List.of("--root", r, "list", "--format", "json"),
                List.of("--root", r, "state", "nosuch"),
                List.of("--root", r, "delete", "nosuch"),
                List.of("--root", "relative-root", "list", "--format", "json"),
                List.of("nosuchcommand"),
                List.of("--root", r, "create", "--bundle", empty.toString(), "{id}"),
                List.of("--root", r, "--log-format", "json", "--log", "rel.log", "create", "--bundle", "empty", "{id}"),
                List.of("--root", r, "run", "--bundle", exit3.toString(), "{id}"),
                List.of("--root", r, "create", "--bundle", "bundle", "--pid-file", "pidfile-{id}", "{id}"),
                List.of("--root", r, "state", "{id}"),
                List.of("--root", r, "start", "{id}"),
                List.of("--root", r, "kill", "{id}", "NOSUCHSIGNAL"),
                List.of("--root", r, "delete", "{id}"));
        String plainId = id("plain"), serviceId = id("svc");
        for (List<String> c : commands) {
            Result plain = hako(false, c.stream().map(a -> a.replace("{id}", plainId)).toArray(String[]::new));
            Result service = hako(true, c.stream().map(a -> a.replace("{id}", serviceId)).toArray(String[]::new));
            String what = String.join(" ", c) + "\nplain: " + plain.describe() + "\nservice: " + service.describe();
            assertThat(service.code()).as(what).isEqualTo(plain.code());
            assertThat(normalize(service.out(), serviceId)).as(what).isEqualTo(normalize(plain.out(), plainId));
            assertThat(normalize(service.err(), serviceId)).as(what).isEqualTo(normalize(plain.err(), plainId));
            if (c.contains("start")) {   // /bin/true: wait until it has stopped, so `kill` below meets a stopped container
                for (String id : List.of(plainId, serviceId)) awaitStopped(id);
            }
        }
        // the failing/ran commands gave the codes runc gives, and relative paths meant the caller's cwd
        assertThat(hako(true, "--root", r, "run", "--bundle", exit3.toString(), serviceId).code()).isEqualTo(3);
        assertThat(Files.readString(work.resolve("rel.log"))).contains("\"level\":\"error\"");
        assertThat(work.resolve("pidfile-" + serviceId)).exists();
        assertThat(work.resolve("relative-root")).doesNotExist();   // list does not create the root
        Result stoppedKill = hako(true, "--root", r, "create", "--bundle", bundle.toString(), serviceId);
        assertThat(stoppedKill.code()).as(stoppedKill.describe()).isZero();
        Result started = hako(true, "--root", r, "start", serviceId);
        assertThat(started.code()).as(started.describe()).isZero();
        awaitStopped(serviceId);
        Result kill = hako(true, "--root", r, "kill", serviceId, "KILL");
        Result plainKill = runKillOfStopped(r);
        assertThat(kill.code()).as(kill.describe()).isEqualTo(plainKill.code()).isNotZero();
        assertThat(normalize(kill.err(), serviceId)).isEqualTo(plainKill.err()).contains("container not running");
        assertThat(hako(true, "--root", r, "delete", serviceId).code()).isZero();
    }

    private static Result runKillOfStopped(String r) throws Exception {
        String id = id("plain") + "k";
        assertThat(hako(false, "--root", r, "create", "--bundle", bundle.toString(), id).code()).isZero();
        assertThat(hako(false, "--root", r, "start", id).code()).isZero();
        awaitStopped(id);
        Result kill = hako(false, "--root", r, "kill", id, "KILL");
        assertThat(hako(false, "--root", r, "delete", id).code()).isZero();
        return new Result(kill.code(), normalize(kill.out(), id), normalize(kill.err(), id));
    }

    private static void awaitStopped(String id) throws Exception {
        for (int i = 0; i < 500; i++) {
            Result s = hako(true, "--root", root.toString(), "state", id);
            if (s.out().contains("\"stopped\"")) return;
            Thread.sleep(20);
        }
        throw new AssertionError(id + " did not stop");
    }

    @Test
    void theSocketIsAPathInAPrivateDirectory() throws Exception {
        assertThat(hako(true, "--version").code()).isZero();
        assertThat(Files.getPosixFilePermissions(serviceDir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        List<Path> sockets = new ArrayList<>();
        for (var e : services().entrySet()) {   // the live services' sockets
            if (ProcessHandle.of(e.getValue()).map(ProcessHandle::isAlive).orElse(false))
                sockets.add(serviceDir.resolve(e.getKey().replace(".pid", ".sock")));
        }
        assertThat(sockets).isNotEmpty();
        String unix = Files.readString(Path.of("/proc/net/unix"));
        for (Path sock : sockets) {
            int mode = (int) Files.getAttribute(sock, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            assertThat(mode & 0170000).as("a socket").isEqualTo(0140000);
            assertThat(mode & 0777).isEqualTo(0600);
            assertThat(unix).contains(" " + sock).doesNotContain("@" + sock);
        }
        // a directory others can enter is not used: the plain JVM runs the command, nothing is bound there
        Path open = Files.createDirectory(work.resolve("open"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        var pb = new ProcessBuilder(HAKO.toString(), "--version").redirectErrorStream(true);
        pb.environment().put("HAKO_RUNTIME_SERVICE_DIR", open.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).startsWith("hako-runtime version");
        try (Stream<Path> s = Files.list(open)) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void aDeadServiceIsReplacedTransparently() throws Exception {
        assertThat(hako(true, "--version").code()).isZero();
        Map<String, Long> before = services();
        assertThat(before).isNotEmpty();
        killServices(9);   // socket and pid file stay behind, as after a crash
        Result r = hako(true, "--root", root.toString(), "list");
        assertThat(r.code()).as(r.describe()).isZero();
        assertThat(r.out()).startsWith("ID");
        Map<String, Long> after = services();
        for (var e : before.entrySet()) {
            assertThat(after.get(e.getKey())).as("a new service for " + e.getKey()).isNotNull().isNotEqualTo(e.getValue());
            assertThat(ProcessHandle.of(after.get(e.getKey())).map(ProcessHandle::isAlive)).contains(true);
        }
    }

    @Test
    void aServiceOfOtherBuildIsNotUsed() throws Exception {
        assertThat(hako(true, "--version").code()).isZero();
        Map<String, Long> before = services();
        Path exe = PROJECT.resolve("kernel/target/native/hako-executor");
        FileTime mtime = Files.getLastModifiedTime(exe);
        try {
            Files.setLastModifiedTime(exe, FileTime.fromMillis(mtime.toMillis() + 1000));   // a "rebuilt" executor
            Result r = hako(true, "--version");
            assertThat(r.code()).as(r.describe()).isZero();
            Map<String, Long> after = services();
            assertThat(after.keySet()).as("a second service, of the new build id").containsAll(before.keySet()).hasSize(before.size() + 1);
            assertThat(after.values()).doesNotHaveDuplicates();
        } finally {
            Files.setLastModifiedTime(exe, mtime);
            // the "other build"'s service goes, so the tests after this one see one service per build id again
            for (var e : services().entrySet()) {
                if (before.containsKey(e.getKey())) continue;
                ProcessHandle.of(e.getValue()).ifPresent(ProcessHandle::destroyForcibly);
                Files.deleteIfExists(serviceDir.resolve(e.getKey()));
            }
        }
    }

    /**
     * podman and conmon are subreapers and expect the container init to be reparented to them: it must
     * descend from the hako-runtime process they ran, never from the service. A python subreaper runs
     * `create` and reports the init's parent once the executor has gone.
     */
    @Test
    void theContainerInitDescendsFromTheCaller() throws Exception {
        assertThat(hako(true, "--version").code()).isZero();   // the service is up before
        String script = """
                import ctypes, os, subprocess, sys
                ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
                pidfile = sys.argv[1]
                r = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
                if r.returncode != 0: sys.exit(r.returncode)
                pid = int(open(pidfile).read())
                ppid = [l.split()[1] for l in open('/proc/%d/status' % pid) if l.startswith('PPid:')][0]
                print(os.getpid(), ppid, flush=True)
                os.kill(pid, 9)
                os.waitpid(pid, 0)   # ours to reap now
                """;
        for (boolean service : List.of(true, false)) {
            String id = id(service ? "tree" : "treeplain");
            Path pidFile = work.resolve("pid-" + id);
            Result r = run(service, List.of("python3", "-c", script, pidFile.toString(), HAKO.toString(), "--root", root.toString(),
                    "create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), id));
            try {
                assertThat(r.code()).as(r.describe()).isZero();
                String[] pids = r.out().strip().split(" ");
                assertThat(pids[1]).as("the init's parent is the caller's subreaper (service=" + service + ")").isEqualTo(pids[0]);
            } finally {
                hako(false, "--root", root.toString(), "delete", "--force", id);
            }
        }
    }

    /**
     * conmon runs `exec --detach --pid-file` as a subreaper and then waits for the process by that pid: the
     * executor must leave it to the caller even when it exits before the executor has read its "exec" report,
     * as happens under load (podman exec then returned 255: conmon had no exit status). The ordering is forced:
     * the process freezes as it joins the paused container's cgroup, the executor is stopped, the container
     * resumed, and the executor continued only once the process has exited.
     */
    @Test
    void aDetachedExecThatExitsAtOnceIsLeftToTheCallersSubreaper() throws Exception {
        assertThat(hako(true, "--version").code()).isZero();   // the service is up before
        String script = """
                import ctypes, os, signal, subprocess, sys, time
                ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER, as conmon
                pidfile, hako, root, cid = sys.argv[1:5]
                def hako_run(*a):
                    return subprocess.run([hako, '--root', root, *a], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, check=True).stdout
                def children(pid):
                    out = []
                    for t in os.listdir('/proc/%d/task' % pid):
                        try: out += [int(x) for x in open('/proc/%d/task/%s/children' % (pid, t)).read().split()]
                        except OSError: pass
                    return out
                def state(pid):
                    s = open('/proc/%d/stat' % pid).read()
                    return s[s.rindex(')') + 2]
                def until(what, f):
                    deadline = time.monotonic() + 60
                    while not f():
                        if time.monotonic() > deadline: sys.exit('timed out waiting for ' + what)
                        time.sleep(0.002)
                init = int(hako_run('state', cid).split(b'"pid":')[1].split(b',')[0])
                cg = dict(l.split(':', 2)[1:] for l in open('/proc/%d/cgroup' % init).read().splitlines())
                tasks = '/sys/fs/cgroup/freezer' + cg['freezer'] + '/tasks' if 'freezer' in cg else '/sys/fs/cgroup' + cg[''] + '/cgroup.threads'
                hako_run('pause', cid)
                rt = subprocess.Popen([hako, '--root', root, 'exec', '--detach', '--ignore-paused', '--pid-file', pidfile, cid, 'sh', '-c', 'exit 5'], stdin=subprocess.DEVNULL)
                found = []
                def in_poll(p):   # the executor sent "go" and waits for reports in poll (x86_64 poll, ppoll)
                    return open('/proc/%d/syscall' % p).read().split()[0] in ('7', '271')
                def frozen_child():   # the executor's child, frozen in the container's cgroup before its "exec" report
                    found[:] = [(p, c) for p in children(rt.pid) for c in children(p) if str(c) in open(tasks).read().split() and in_poll(p)]
                    return found
                try:
                    until('the exec process in the paused cgroup', frozen_child)
                    p, c = found[0]
                    os.kill(p, signal.SIGSTOP)
                    until('the executor stopped', lambda: state(p) == 'T')
                    hako_run('resume', cid)
                    until('the exec process exited', lambda: state(c) == 'Z')   # P's SIGCHLD and C's report wait together
                finally:
                    for p, c in found: os.kill(p, signal.SIGCONT)
                code = rt.wait()
                if code != 0: sys.exit('exec --detach: exit %d' % code)
                pid = int(open(pidfile).read())
                try:
                    _, st = os.waitpid(pid, 0)
                    print('reaped', os.waitstatus_to_exitcode(st), 'pid-file', 'ok' if pid == c else 'wrong')
                except ChildProcessError:
                    print('not our child: reaped by someone else')
                """;
        Path dir = work.resolve("bundle-sleep");
        writeConfig(dir, "sleep", "600");
        for (boolean service : List.of(true, false)) {
            String id = id(service ? "fastexec" : "fastexecplain");
            Path pidFile = work.resolve("pid-" + id);
            Result started = hako(service, "--root", root.toString(), "run", "--detach", "--bundle", dir.toString(), id);
            try {
                assertThat(started.code()).as(started.describe()).isZero();
                Result r = run(service, List.of("python3", "-c", script, pidFile.toString(), HAKO.toString(), root.toString(), id));
                assertThat(r.code()).as("service=" + service + "\n" + r.describe()).isZero();
                assertThat(r.out().strip()).as("service=" + service + "\n" + r.describe()).isEqualTo("reaped 5 pid-file ok");
            } finally {
                hako(false, "--root", root.toString(), "resume", id);
                hako(false, "--root", root.toString(), "delete", "--force", id);
            }
        }
    }

    /**
     * runc writes --pid-file 0666 under its own umask (createPidFile): through the service, whose umask is 022
     * whoever it serves, the file must still get its caller's, stricter or looser, for create/run and exec alike.
     */
    @Test
    void pidFilesGetTheCallersUmask() throws Exception {
        Path dir = work.resolve("bundle-sleep-umask");
        writeConfig(dir, "sleep", "600");
        Path cwd = Files.createDirectories(work.resolve("pidfiles"));
        Map<String, String> expected = Map.of("077", "rw-------", "022", "rw-r--r--", "002", "rw-rw-r--");
        for (var c : List.of(List.of("077", "service"), List.of("022", "service"), List.of("002", "service"), List.of("077", "plain"))) {
            String umask = c.get(0);
            boolean service = c.get(1).equals("service");
            String id = id("umask" + umask + c.get(1));
            try {
                for (List<String> args : List.of(
                        List.of("run", "--detach", "--bundle", dir.toString(), "--pid-file", "init-" + id, id),
                        List.of("exec", "--pid-file", "exec-" + id, id, "true"))) {
                    List<String> cmd = new ArrayList<>(List.of("sh", "-c", "umask " + umask + " && HAKO_TRACE_TIMING=1 exec \"$@\"", "sh",
                            HAKO.toString(), "--root", root.toString()));
                    cmd.addAll(args);
                    Result r = run(service, cwd, cmd);
                    String what = "umask " + umask + " " + c.get(1) + " " + args.getFirst() + "\n" + r.describe();
                    assertThat(r.code()).as(what).isZero();
                    if (service) assertThat(r.err()).as(what).contains("front-end: acknowledged");
                }
                for (String f : List.of("init-" + id, "exec-" + id)) {
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cwd.resolve(f), LinkOption.NOFOLLOW_LINKS)))
                            .as(f).isEqualTo(expected.get(umask));
                    assertThat(Files.readString(cwd.resolve(f))).as(f).matches("[1-9][0-9]*");
                }
            } finally {
                hako(false, "--root", root.toString(), "delete", "--force", id);
            }
        }
        try (Stream<Path> s = Files.list(cwd)) {
            assertThat(s.filter(f -> f.getFileName().toString().startsWith("."))).as("no temp file left").isEmpty();
        }
        // as runc, no directory is made for it: the create fails and leaves no container
        String id = id("umasknodir");
        Result r = run(true, cwd, List.of(HAKO.toString(), "--root", root.toString(), "create", "--bundle", dir.toString(),
                "--pid-file", "no-such-dir/pid", id));
        assertThat(r.code()).as(r.describe()).isNotZero();
        assertThat(r.err()).contains("write pid file " + cwd.resolve("no-such-dir/pid")).contains("ENOENT");
        assertThat(hako(true, "--root", root.toString(), "state", id).code()).isNotZero();
    }

    private static boolean newerThan(Path dir, FileTime t) throws IOException {
        if (!Files.isDirectory(dir)) return false;
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).anyMatch(f -> {
                try {
                    return Files.getLastModifiedTime(f).compareTo(t) > 0;
                } catch (IOException e) {
                    return true;
                }
            });
        }
    }
}
