package dev.hako.runtime.cli;

import dev.hako.oci.Json;
import dev.hako.oci.runtime.Process;
import dev.hako.oci.runtime.Resources;
import dev.hako.oci.runtime.Spec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Flag and argument parsing, exit codes and messages of the CLI, in process. */
class CliParsingTest {
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Parses a command line, returning the command object (not run). */
    @SuppressWarnings("unchecked")
    static <T> T parse(Class<T> type, String... args) {
        try {
            return type.cast(Main.parse(args));
        } catch (ParsedArgs.BadFlag e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Test
    void versionNeedsNoCommand() {
        var r = run("--version");
        assertThat(r.code).isZero();
        assertThat(r.out).startsWith("hako-runtime version ").contains("spec: " + DefaultSpec.OCI_VERSION);
        assertThat(run("-v").out).isEqualTo(r.out);
    }

    @Test
    void helpListsEveryRuncCommand() {
        var r = run("--help");
        assertThat(r.code).isZero();
        for (String c : List.of("create", "delete", "events", "exec", "kill", "list", "pause", "ps", "resume", "run",
                "spec", "start", "state", "update", "features")) {
            assertThat(r.out).contains("   " + c + " ");
        }
        assertThat(r.out).contains("--root", "--log-format", "--systemd-cgroup");
        assertThat(run().out).isEqualTo(r.out);
        assertThat(run("help", "kill").out).contains("<container-id> [signal]", "--all");
        assertThat(run("kill", "--help").code).isZero();
    }

    @Test
    void unknownCommandExitsThreeLikeRunc() {
        var r = run("bogus");
        assertThat(r.code).isEqualTo(3);
        assertThat(r.err).contains("level=error msg=\"No help topic for 'bogus'\\n\"");
    }

    @Test
    void wrongArgumentCountsAreUsageErrors() {
        var r = run("state");
        assertThat(r.code).isEqualTo(1);
        assertThat(r.out).startsWith("Incorrect Usage.").contains("hako-runtime state <container-id>");
        assertThat(r.err).contains("requires exactly 1 argument(s)");
        assertThat(run("kill").err).contains("\\\"kill\\\" requires a minimum of 1 argument(s)");
        assertThat(run("kill", "a", "b", "c").err).contains("\\\"kill\\\" requires a maximum of 2 argument(s)");
        assertThat(run("delete", "a", "b").code).isEqualTo(1);
        assertThat(run("list", "extra").code).isEqualTo(1);
    }

    @Test
    void unknownFlagIsAUsageError() {
        var r = run("--bogus", "state", "x");
        assertThat(r.code).isEqualTo(1);
        assertThat(r.out).startsWith("Incorrect Usage.");
        assertThat(r.err).contains("level=error");
    }

    @Test
    void badGlobalsFailBeforeTheCommand(@TempDir Path dir) {
        var r = run("--log-format", "bogus", "spec", "-b", dir.toString());
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).contains("invalid log-format: bogus");
        assertThat(dir.resolve("config.json")).doesNotExist();
        var s = run("--systemd-cgroup", "spec", "-b", dir.toString());
        assertThat(s.code).isEqualTo(1);
        assertThat(s.err).contains("systemd cgroup driver is not supported");
        assertThat(run("--rootless", "maybe", "spec", "-b", dir.toString()).code).isEqualTo(1);
    }

    @Test
    void errorsGoToTheLogFileInJsonAndPlainlyToStderr(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("log.json");
        var r = run("--log", log.toString(), "--log-format", "json", "kill", "x", "NOSUCHSIG");
        assertThat(r.code).isEqualTo(1);
        String line = Files.readString(log).strip();
        var parsed = Json.mapper().readTree(line);
        assertThat(parsed.get("level").asText()).isEqualTo("error");
        assertThat(parsed.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(Z|[+-]\\d\\d:\\d\\d)");
        assertThat(r.err.strip()).isEqualTo(parsed.get("msg").asText());
    }

    @Test
    void globalOptionsEndAtTheCommandName() {
        var c = parse(StateCommand.class, "--root", "/x", "--log", "l", "--debug", "state", "id");
        assertThat(c.g.root).isEqualTo("/x");
        assertThat(c.g.log).isEqualTo("l");
        assertThat(c.g.debug).isTrue();
        assertThat(c.args).containsExactly("id");
        assertThat(parse(StateCommand.class, "--root=/y", "state", "id").g.root).isEqualTo("/y");
        // runc's global flags go before the command; after it they are the command's (and unknown there)
        assertThat(run("state", "--root", "/x", "id").code).isEqualTo(1);
    }

    @Test
    void goFlagSyntax() throws Exception {
        assertThat(parse(DeleteCommand.class, "delete", "--force=false", "cid").force).isFalse();
        assertThat(parse(DeleteCommand.class, "delete", "-force", "cid").force).isTrue();
        // flags after the id, as runc reorders them for most commands
        assertThat(parse(DeleteCommand.class, "delete", "cid", "--force").force).isTrue();
        assertThat(parse(DeleteCommand.class, "delete", "--", "-cid").args).containsExactly("-cid");
        assertThatThrownBy(() -> parse(DeleteCommand.class, "delete", "--force=maybe", "cid")).hasMessageContaining("invalid boolean");
        assertThatThrownBy(() -> parse(CreateCommand.class, "create", "--bundle")).hasMessage("flag needs an argument: -bundle");
        assertThatThrownBy(() -> parse(CreateCommand.class, "create", "--preserve-fds", "x", "id")).hasMessageContaining("-preserve-fds");
        var r = run("create", "--bogus", "id");
        assertThat(r.code).isEqualTo(1);
        assertThat(r.out).startsWith("Incorrect Usage: flag provided but not defined: -bogus").contains("OPTIONS:");
    }

    @Test
    void podmansCreateInvocation() {
        var c = parse(CreateCommand.class, "--root", "/run/x", "--log", "/l", "--log-format", "json",
                "create", "--bundle", "/b", "--pid-file", "/p", "--console-socket", "/s", "cid");
        var o = c.options();
        assertThat(o).isEqualTo(new CreateOptions("cid", "/b", "/s", "/p", false, false, 0, false, false));
        assertThat(c.g.root().toString()).isEqualTo("/run/x");
        assertThat(c.g.log).isEqualTo("/l");
        assertThat(c.g.logFormat).isEqualTo("json");
    }

    @Test
    void goStyleSingleDashLongOptions() {
        var c = parse(CreateCommand.class, "-root", "/r", "create", "-bundle", "/b", "-pid-file=/p", "--preserve-fds", "2", "-no-pivot", "cid");
        assertThat(c.options()).isEqualTo(new CreateOptions("cid", "/b", null, "/p", true, false, 2, false, false));
        assertThat(c.g.root).isEqualTo("/r");
    }

    @Test
    void defaultsMatchRunc() {
        var c = parse(RunCommand.class, "run", "cid");
        assertThat(c.options()).isEqualTo(new CreateOptions("cid", null, null, null, false, false, 0, false, false));
        assertThat(c.options().bundlePath()).isEqualTo(Path.of("").toAbsolutePath());
        assertThat(c.g.root).isEqualTo(Globals.DEFAULT_ROOT);
        assertThat(c.g.logFormat).isEqualTo("text");
        var d = parse(RunCommand.class, "run", "-d", "--keep", "-b", "/b", "cid");
        assertThat(d.options().detach()).isTrue();
        assertThat(d.options().keep()).isTrue();
    }

    @Test
    void killSignalAndAll() {
        var k = parse(KillCommand.class, "kill", "--all", "cid", "KILL");
        assertThat(k.all).isTrue();
        assertThat(k.signal()).isEqualTo(9);
        assertThat(parse(KillCommand.class, "kill", "cid").signal()).isEqualTo(15);
        // after the id, "-9" is an argument (flags end at the first argument, as in runc)
        assertThat(parse(KillCommand.class, "kill", "cid", "-9").args).containsExactly("cid", "-9");
        assertThatThrownBy(() -> parse(KillCommand.class, "kill", "cid", "NOPE").signal())
                .hasMessage("unknown signal \"NOPE\"");
    }

    @Test
    void deleteForce() {
        assertThat(parse(DeleteCommand.class, "delete", "--force", "cid").force).isTrue();
        assertThat(parse(DeleteCommand.class, "delete", "-f", "cid").force).isTrue();
        assertThat(parse(DeleteCommand.class, "delete", "cid").force).isFalse();
    }

    @Test
    void execInlineProcessKeepsTheCommandsOwnFlags() {
        var e = parse(ExecCommand.class, "exec", "-t", "--cwd", "/tmp", "-e", "A=1", "--env", "B=2", "-u", "1000:100",
                "-g", "10", "--additional-gids", "11", "--cap", "CAP_SYS_ADMIN", "--no-new-privs", "-d",
                "--pid-file", "/p", "--preserve-fds", "1", "cid", "ls", "-la", "--env", "x");
        assertThat(e.args).containsExactly("cid", "ls", "-la", "--env", "x");
        var base = new Process(false, null, new Process.User(0, 0, null, List.of(5), null), List.of("sh"), null,
                List.of("PATH=/bin"), "/", new Process.Capabilities(List.of("CAP_KILL"), List.of("CAP_KILL"),
                null, List.of("CAP_KILL"), null), List.of(new Process.Rlimit("RLIMIT_NOFILE", 1024, 1024)),
                false, null, null, null, null, null, null);
        Process p = e.process(base);
        assertThat(p.args()).containsExactly("ls", "-la", "--env", "x");
        assertThat(p.env()).containsExactly("PATH=/bin", "A=1", "B=2");
        assertThat(p.cwd()).isEqualTo("/tmp");
        assertThat(p.isTerminal()).isTrue();
        assertThat(p.user().uid()).isEqualTo(1000);
        assertThat(p.user().gid()).isEqualTo(100);
        assertThat(p.user().additionalGids()).containsExactly(5, 10, 11);
        assertThat(p.capabilities().bounding()).containsExactly("CAP_KILL", "CAP_SYS_ADMIN");
        assertThat(p.capabilities().ambient()).containsExactly("CAP_SYS_ADMIN");
        assertThat(p.capabilities().inheritable()).isNull();   // never widened (CVE-2022-29162)
        assertThat(p.isNoNewPrivileges()).isTrue();
        assertThat(p.rlimits()).isEqualTo(base.rlimits());
        assertThat(e.detach).isTrue();
        assertThat(e.pidFile).isEqualTo("/p");
        assertThat(e.preserveFds).isEqualTo(1);
    }

    @Test
    void execWithoutTtyIsNotTerminalEvenIfTheContainerIs() {
        var e = parse(ExecCommand.class, "exec", "cid", "true");
        var base = new Process(true, null, null, List.of("sh"), null, null, null, null, null, null, null, null, null, null, null, null);
        Process p = e.process(base);
        assertThat(p.isTerminal()).isFalse();
        assertThat(p.cwd()).isEqualTo("/");
        assertThatThrownBy(() -> parse(ExecCommand.class, "exec", "-u", "bob", "cid", "true").process(base))
                .hasMessageContaining("bob");
    }

    @Test
    void execProcessJson(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("process.json");
        Files.writeString(f, "{\"args\":[\"echo\",\"hi\"],\"cwd\":\"/\",\"env\":[\"X=1\"],\"user\":{\"uid\":5,\"gid\":6}}");
        var e = parse(ExecCommand.class, "exec", "-p", f.toString(), "cid");
        Process p = e.process(null);
        assertThat(p.args()).containsExactly("echo", "hi");
        assertThat(p.user().uid()).isEqualTo(5);
        Files.writeString(f, "{\"args\":[]}");
        assertThatThrownBy(() -> e.process(null)).hasMessage("args must not be empty");
        assertThat(run("exec", "cid").code).isEqualTo(1);
    }

    @Test
    void updateFlagsBecomeAResourcesPatch() {
        var u = parse(UpdateCommand.class, "update", "--memory", "64m", "--memory-swap", "-1", "--cpu-shares", "512",
                "--cpu-quota", "-1", "--cpu-period", "100000", "--cpuset-cpus", "0", "--pids-limit", "42",
                "--blkio-weight", "300", "cid");
        Resources r = u.patch(new ByteArrayInputStream(new byte[0]));
        assertThat(r.memory().limit()).isEqualTo(64L << 20);
        assertThat(r.memory().swap()).isEqualTo(-1);
        assertThat(r.memory().reservation()).isNull();
        assertThat(r.cpu().shares()).isEqualTo(512);
        assertThat(r.cpu().quota()).isEqualTo(-1);
        assertThat(r.cpu().period()).isEqualTo(100000);
        assertThat(r.cpu().cpus()).isEqualTo("0");
        assertThat(r.cpu().mems()).isNull();
        assertThat(r.pids().limit()).isEqualTo(42);
        assertThat(r.blockIO().weight()).isEqualTo(300);

        Resources only = parse(UpdateCommand.class, "update", "--pids-limit", "7", "cid").patch(InputStreamOf(""));
        assertThat(only.memory()).isNull();
        assertThat(only.cpu()).isNull();
        assertThatThrownBy(() -> parse(UpdateCommand.class, "update", "--blkio-weight", "5", "cid").patch(InputStreamOf("")))
                .hasMessageContaining("10 to 1000");
        assertThatThrownBy(() -> parse(UpdateCommand.class, "update", "--memory", "lots", "cid").patch(InputStreamOf("")))
                .hasMessageContaining("memory");
    }

    @Test
    void updateFromJsonIgnoresTheFlags(@TempDir Path dir) throws Exception {
        String json = "{\"memory\":{\"limit\":1048576},\"cpu\":{\"shares\":100},\"pids\":{\"limit\":9}}";
        Resources r = parse(UpdateCommand.class, "update", "-r", "-", "--pids-limit", "3", "cid").patch(InputStreamOf(json));
        assertThat(r.memory().limit()).isEqualTo(1048576);
        assertThat(r.pids().limit()).isEqualTo(9);
        Path f = dir.resolve("r.json");
        Files.writeString(f, json);
        assertThat(parse(UpdateCommand.class, "update", "--resources", f.toString(), "cid").patch(InputStreamOf("")).cpu().shares())
                .isEqualTo(100);
        Files.writeString(f, "{not json");
        assertThatThrownBy(() -> parse(UpdateCommand.class, "update", "-r", f.toString(), "cid").patch(InputStreamOf("")))
                .isInstanceOf(CliException.class);
    }

    private static ByteArrayInputStream InputStreamOf(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void listAndPsFormats() {
        var l = parse(ListCommand.class, "list", "-f", "json", "-q");
        assertThat(l.format).isEqualTo("json");
        assertThat(l.quiet).isTrue();
        var p = parse(PsCommand.class, "ps", "--format", "json", "cid", "-o", "pid,args");
        assertThat(p.format).isEqualTo("json");
        assertThat(p.args).containsExactly("cid", "-o", "pid,args");
        assertThat(run("list", "--format", "yaml").err).contains("invalid format option");
    }

    @Test
    void eventsInterval() {
        var e = parse(EventsCommand.class, "events", "--interval", "250ms", "--stats", "cid");
        assertThat(e.stats).isTrue();
        assertThat(e.interval).isEqualTo("250ms");
        assertThat(run("events", "--interval", "5", "cid").code).isEqualTo(1);
        assertThat(run("events", "--interval", "0s", "cid").err).contains("greater than 0");
    }

    @Test
    void specWritesRuncsDefault(@TempDir Path dir) throws Exception {
        var r = run("spec", "--bundle", dir.toString());
        assertThat(r.code).isZero();
        Spec spec = Json.read(dir.resolve("config.json"), Spec.class);
        assertThat(spec.root().path()).isEqualTo("rootfs");
        assertThat(spec.process().args()).containsExactly("sh");
        assertThat(spec.linux().namespacesOrEmpty()).extracting(n -> n.type())
                .containsExactly("pid", "network", "ipc", "uts", "mount");
        var again = run("spec", "--bundle", dir.toString());
        assertThat(again.code).isEqualTo(1);
        assertThat(again.err).contains("File config.json exists. Remove it first");
        assertThat(run("spec", "-b", dir.resolve("nope").toString()).err).contains("no such file or directory");
    }

    @Test
    void specRootless(@TempDir Path dir) throws Exception {
        assertThat(run("spec", "--rootless", "-b", dir.toString()).code).isZero();
        Spec spec = Json.read(dir.resolve("config.json"), Spec.class);
        assertThat(spec.linux().uidMappings()).hasSize(1);
        assertThat(spec.linux().namespacesOrEmpty()).extracting(n -> n.type()).contains("user").doesNotContain("network");
        assertThat(spec.linux().resources()).isNull();
    }

    /** Same bytes as `runc spec` apart from the hostname; skipped where runc is not installed. */
    @Test
    void specIsByteForByteRuncs(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/runc")), "runc not installed");
        for (boolean rootless : new boolean[]{false, true}) {
            Path ours = Files.createDirectory(dir.resolve("ours" + rootless));
            Path theirs = Files.createDirectory(dir.resolve("runc" + rootless));
            List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/runc", "spec", "-b", theirs.toString()));
            if (rootless) cmd.add("--rootless");
            assertThat(new ProcessBuilder(cmd).inheritIO().start().waitFor()).isZero();
            assertThat(run(rootless ? new String[]{"spec", "--rootless", "-b", ours.toString()}
                    : new String[]{"spec", "-b", ours.toString()}).code).isZero();
            String runcs = Files.readString(theirs.resolve("config.json")).replace("\"hostname\": \"runc\"", "\"hostname\": \"hako\"");
            assertThat(Files.readString(ours.resolve("config.json"))).isEqualTo(runcs);
        }
    }

    @Test
    void featuresIsJsonNamingWhatWeSupport() throws Exception {
        var r = run("features");
        assertThat(r.code).isZero();
        var tree = Json.mapper().readTree(r.out);
        assertThat(tree.get("ociVersionMax").asText()).isEqualTo(DefaultSpec.OCI_VERSION);
        assertThat(tree.at("/linux/namespaces").toString()).contains("\"user\"", "\"cgroup\"", "\"time\"");
        assertThat(tree.at("/linux/capabilities").size()).isEqualTo(41);
        assertThat(tree.at("/linux/cgroup/systemd").asBoolean()).isFalse();
        assertThat(tree.get("mountOptions").toString()).contains("\"rbind\"", "\"idmap\"");
        assertThat(tree.at("/linux/seccomp/archs").toString()).contains("\"SCMP_ARCH_X86_64\"");
        assertThat(tree.at("/linux/seccomp/actions").toString()).contains("\"SCMP_ACT_ERRNO\"", "\"SCMP_ACT_KILL_PROCESS\"");
    }
}
