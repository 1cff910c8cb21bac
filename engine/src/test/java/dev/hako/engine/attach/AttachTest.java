package dev.hako.engine.attach;

import dev.hako.engine.Engine;
import dev.hako.engine.EngineFixture;
import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.ContainerRecord;
import dev.hako.engine.logs.LogEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/** The monitor's attach socket with real containers: -i, several clients, a tty, a client that never reads. */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AttachTest {
    @TempDir static Path root;
    @TempDir static Path runRoot;
    static String image;

    Engine engine;

    @BeforeAll
    static void importBusybox() throws Exception {
        image = EngineFixture.importBusybox(root, "hako-test-attach-", "CMD [\"sh\"]");
    }

    Engine engine() {
        if (engine == null) engine = new Engine(root, runRoot, m -> { });
        return engine;
    }

    @AfterEach
    void removeAll() {
        EngineFixture.removeAll(new Engine(root, runRoot, m -> { }));
    }

    private ContainerRecord create(boolean tty, boolean interactive, String... cmd) {
        RunOptions o = RunOptions.of(List.of(cmd));
        o.tty = tty;
        o.interactive = interactive;
        o.stdinOnce = interactive;
        return engine().create(image, null, o, false);
    }

    /** Starts the container with a client attached before its process runs. */
    private AttachClient startAttached(ContainerRecord r) {
        AtomicReference<AttachClient> c = new AtomicReference<>();
        engine().start(r.id(), () -> {
            try {
                c.set(AttachClient.connect(engine().attachSocket(r.id())));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        return c.get();
    }

    @Test
    void stdinIsStreamedInAndItsEofEndsTheContainer() throws Exception {
        var r = create(false, true, "sh", "-c", "cat; echo done >&2; exit 4");
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        byte[] input = "hello\nworld\n".repeat(5000).getBytes(StandardCharsets.UTF_8); // more than a pipe holds
        AttachSession.Outcome o;
        try (var c = startAttached(r)) {
            o = AttachSession.run(c, new ByteArrayInputStream(input), out, err, new AttachSession.Options(true, true, null));
        }
        assertEquals(4, o.exitCode());
        assertFalse(o.detached());
        assertEquals(new String(input, StandardCharsets.UTF_8), out.toString(StandardCharsets.UTF_8));
        assertEquals("done\n", err.toString(StandardCharsets.UTF_8), "stderr kept apart");
        assertEquals(4, engine().waitFor(r.id()));
        List<LogEntry> log = engine().log(r.id()).readAll();
        assertEquals(10000, log.stream().filter(e -> e.stream().equals("stdout")).count());
        assertTrue(log.contains(new LogEntry("done\n", "stderr", log.getLast().time())) || log.stream().anyMatch(e -> e.log().equals("done\n") && e.stream().equals("stderr")));
    }

    @Test
    void withoutInteractiveStdinIsEmpty() throws Exception {
        var r = create(false, false, "sh", "-c", "cat; echo end");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var c = startAttached(r)) {
            var o = AttachSession.run(c, new ByteArrayInputStream("ignored\n".getBytes()), out, out, new AttachSession.Options(true, true, null));
            assertEquals(0, o.exitCode());
        }
        assertEquals("end\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void socketIsAPathSocketInAPrivateDirectory() throws Exception {
        var r = create(false, true, "cat");
        engine().start(r.id());
        Path sock = engine().attachSocket(r.id());
        Path dir = sock.getParent();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS)));
        assertTrue(Files.readAttributes(sock, "unix:mode", LinkOption.NOFOLLOW_LINKS).get("mode") instanceof Integer m
                && (m & 0170000) == 0140000, "a socket file");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock, LinkOption.NOFOLLOW_LINKS)));
        // the monitor (the init's parent) listens on a path socket: in /proc/net/unix an abstract name starts with '@'
        int init = engine().inspect(r.id()).status().pid();
        String stat = Files.readString(Path.of("/proc/" + init + "/stat"));
        String monitor = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1];
        List<String> inodes = new java.util.ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/" + monitor + "/fd"))) {
            for (Path fd : fds.toList()) {
                String link = Files.readSymbolicLink(fd).toString();
                if (link.startsWith("socket:[")) inodes.add(link.substring(8, link.length() - 1));
            }
        }
        List<String> listening = Files.readString(Path.of("/proc/net/unix")).lines().skip(1)
                .map(l -> l.trim().split("\\s+")).filter(f -> inodes.contains(f[6]) && f[3].equals("00010000")).map(f -> f.length > 7 ? f[7] : "").toList();
        assertEquals(1, listening.size(), "one listening socket in monitor " + monitor + ": " + listening);
        assertTrue(listening.getFirst().startsWith("/"), "a path socket, not abstract: " + listening);
        engine().stop(r.id(), 5);
        assertFalse(Files.exists(sock), "the monitor removes its socket when the container ends");
    }

    @Test
    void twoClientsBothSeeTheOutputAndEitherCanType() throws Exception {
        var r = create(false, true, "cat");
        engine().start(r.id());
        try (var a = AttachClient.connect(engine().attachSocket(r.id()));
             var b = AttachClient.connect(engine().attachSocket(r.id()))) {
            var outA = new Collect();
            var outB = new Collect();
            Thread ta = Thread.ofPlatform().start(() -> outA.code = copy(a, outA));
            Thread tb = Thread.ofPlatform().start(() -> outB.code = copy(b, outB));
            a.sendStdin("from-a\n".getBytes(), 0, 7);
            outA.await("from-a\n");
            outB.await("from-a\n");
            b.sendStdin("from-b\n".getBytes(), 0, 7);
            outA.await("from-a\nfrom-b\n");
            b.closeStdin();
            ta.join();
            tb.join();
            assertEquals(0, outA.code);
            assertEquals(0, outB.code);
            assertEquals("from-a\nfrom-b\n", outB.text());
        }
    }

    @Test
    void ttyContainerGetsResizeAndItsOutputIsLogged() throws Exception {
        var r = create(true, true, "sh", "-c", "read x; stty size; echo got $x; exit 2");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AttachSession.Outcome o;
        try (var c = startAttached(r)) {
            c.resize(33, 77);
            o = AttachSession.run(c, new ByteArrayInputStream("abc\n".getBytes()), out, out,
                    new AttachSession.Options(true, false, DetachKeys.parse(null)));
        }
        assertEquals(2, o.exitCode());
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("33 77\r\n"), text);
        assertTrue(text.contains("got abc\r\n"), text);
        String logged = String.join("", engine().log(r.id()).readAll().stream().map(LogEntry::log).toList());
        assertTrue(logged.contains("got abc\r\n"), logged);
        assertTrue(engine().log(r.id()).readAll().stream().allMatch(e -> e.stream().equals("stdout")));
    }

    @Test
    void detachKeysLeaveTheContainerRunning() throws Exception {
        var r = create(true, true, "sh");
        try (var c = startAttached(r)) {
            var o = AttachSession.run(c, new ByteArrayInputStream("echo x\n\u0010\u0011".getBytes()), OutputStream.nullOutputStream(),
                    OutputStream.nullOutputStream(), new AttachSession.Options(true, false, DetachKeys.parse(null)));
            assertTrue(o.detached());
        }
        assertEquals("running", engine().inspect(r.id()).status().state());
    }

    @Test
    void aClientThatNeverReadsDoesNotStopTheLog() throws Exception {
        // 8 MiB of output while a client sits there reading nothing: it is dropped, the container and its log go on
        var r = create(false, false, "sh", "-c", "yes $(printf %4095s | tr ' ' x) | head -n 2048");
        try (var idle = startAttached(r)) {
            assertEquals(0, engine().waitFor(r.id()));
        }
        assertEquals(2048, engine().log(r.id()).readAll().size());
    }

    private static int copy(AttachClient c, OutputStream out) {
        try {
            return c.copyOutput(out, out);
        } catch (IOException e) {
            return -2;
        }
    }

    /** An output stream a test can wait on. */
    static final class Collect extends ByteArrayOutputStream {
        volatile int code = -3;

        synchronized String text() { return toString(StandardCharsets.UTF_8); }

        void await(String expected) throws InterruptedException {
            for (int i = 0; i < 1000 && !text().equals(expected); i++) Thread.sleep(10);
            assertEquals(expected, text());
        }
    }
}
