package dev.hako.runtime.container;

import dev.hako.kernel.exec.Stdio;
import dev.hako.oci.runtime.Process;
import dev.hako.oci.runtime.Spec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * process.terminal: the pty master goes to --console-socket (SCM_RIGHTS), as with runc. The receiving end
 * is a small python3 program (Java's socket channels can't receive fds).
 */
class ContainerTerminalTest {
    @TempDir static Path shared;
    static Fixture fx;

    @TempDir Path root;
    String id;

    static final String RECEIVER = String.join("\n",
            "import socket, sys, os",
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
            "s.bind(sys.argv[1]); s.listen(1)",
            "print('listening', flush=True)",
            "c, _ = s.accept()",
            "msg, fds, flags, addr = socket.recv_fds(c, 1024, 4)",
            "out = b''",
            "while True:",
            "    try:",
            "        d = os.read(fds[0], 4096)",
            "    except OSError:",
            "        break",
            "    if not d:",
            "        break",
            "    out += d",
            "sys.stdout.write(out.decode(errors='replace').replace('\\r', ''))");

    @BeforeAll
    static void rootfs() throws Exception { fx = new Fixture(shared); }

    @AfterEach
    void cleanup() {
        if (id != null) {
            try { new Runtime(root.resolve("state"), w -> { }).delete(id, true); } catch (RuntimeException ignored) { }
        }
    }

    static Spec terminalSpec(String... args) {
        Spec s = Fixture.spec(fx.rootfs, args);
        Process p = s.process();
        p = new Process(true, new Process.ConsoleSize(30, 100), p.user(), p.args(), null, p.env(), p.cwd(), p.capabilities(),
                p.rlimits(), p.noNewPrivileges(), null, null, null, null, null, null);
        return s.withProcess(p);
    }

    @Test
    void thePtyMasterGoesToTheConsoleSocket() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs python3 for the console socket receiver");
        Runtime rt = new Runtime(root.resolve("state"), w -> { });
        id = Fixture.id();
        Path sock = root.resolve("console.sock");
        Path script = root.resolve("recv.py");
        Files.writeString(script, RECEIVER);
        var py = new ProcessBuilder("/usr/bin/python3", script.toString(), sock.toString()).redirectErrorStream(true).start();
        try {
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(py.getInputStream()));
            assertThat(in.readLine()).isEqualTo("listening");
            Path bundle = fx.bundle(id, terminalSpec("sh", "-c", "echo hello; tty; stty size; ls -l /dev/console | cut -c1"));
            rt.run(id, bundle, new CreateOptions(sock.toString(), null, 0, false, false, null), true, false);
            assertThat(py.waitFor(30, TimeUnit.SECONDS)).isTrue();
            StringBuilder out = new StringBuilder();
            for (String l; (l = in.readLine()) != null; ) out.append(l).append('\n');
            assertThat(out.toString()).isEqualTo("hello\n/dev/pts/0\n30 100\nc\n");
        } finally {
            py.destroyForcibly();
        }
    }

    @Test
    void inTheForegroundWithoutASocketThePtyIsProxiedToOurStdio() throws Exception {
        Runtime rt = new Runtime(root.resolve("state"), w -> { });
        String local = Fixture.id();
        Path bundle = fx.bundle(local, terminalSpec("sh", "-c", "echo hello; tty; stty size; exit 3"));
        try (var out = new Fixture.Output()) {
            int code = rt.run(local, bundle, CreateOptions.defaults().withStdio(out.stdio()), false, false);
            // through the pty: the line discipline turns \n into \r\n
            assertThat(out.read()).isEqualTo("hello\r\n/dev/pts/0\r\n30 100\r\n");
            assertThat(code).isEqualTo(3);
        }
        assertThat(root.resolve("state").resolve(local)).doesNotExist();
    }

    @Test
    void execInTheForegroundWithATerminalIsProxiedToo() throws Exception {
        Runtime rt = new Runtime(root.resolve("state"), w -> { });
        String local = Fixture.id();
        try {
            rt.create(local, fx.bundle(local, Fixture.spec(fx.rootfs, "sleep", "1000")),
                    CreateOptions.defaults().withStdio(Stdio.nulls()));
            rt.start(local);
            Process p = terminalSpec("sh", "-c", "tty; stty size; exit 5").process();
            try (var out = new Fixture.Output()) {
                assertThat(rt.exec(local, p, ExecOptions.defaults().withStdio(out.stdio()))).isEqualTo(5);
                assertThat(out.read()).isEqualTo("/dev/pts/0\r\n30 100\r\n");
            }
        } finally {
            try { rt.delete(local, true); } catch (RuntimeException ignored) { }
        }
    }

    @Test
    void aTerminalNeedsAConsoleSocket() throws Exception {
        Runtime rt = new Runtime(root.resolve("state"), w -> { });
        String local = Fixture.id();
        Path bundle = fx.bundle(local, terminalSpec("true"));
        assertThatThrownBy(() -> rt.create(local, bundle, CreateOptions.defaults()))
                .hasMessage("cannot allocate tty if runc will detach without setting console socket");
        assertThat(root.resolve("state").resolve(local)).doesNotExist();
    }
}
