package dev.hako.kernel.exec;

import dev.hako.kernel.Fds;
import dev.hako.kernel.exec.LaunchPlan.SeccompPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** seccomp with a tiny hand-written BPF program (the real compiler lives in runtime/seccomp). */
@EnabledIfSystemProperty(named = "os.arch", matches = "amd64|x86_64")
class ExecutorSeccompTest {
    static final int SYS_MKDIR = 83, SYS_MKDIRAT = 258;
    static final int RET_ALLOW = 0x7fff0000, RET_ERRNO = 0x00050000, RET_USER_NOTIF = 0x7fc00000;
    static final long FLAG_NEW_LISTENER = 1L << 3;

    @TempDir
    Path tmp;

    /** ld nr; jeq mkdir -> ret; jeq mkdirat -> ret; ret ALLOW; ret {@code action}. */
    static byte[] denyMkdir(int action) {
        ByteBuffer b = ByteBuffer.allocate(5 * 8).order(ByteOrder.nativeOrder());
        insn(b, 0x20, 0, 0, 0);
        insn(b, 0x15, 2, 0, SYS_MKDIR);
        insn(b, 0x15, 1, 0, SYS_MKDIRAT);
        insn(b, 0x06, 0, 0, RET_ALLOW);
        insn(b, 0x06, 0, 0, action);
        return b.array();
    }

    static void insn(ByteBuffer b, int code, int jt, int jf, int k) {
        b.putShort((short) code).put((byte) jt).put((byte) jf).putInt(k);
    }

    @Test
    void filterReturnsEpermForMkdir() {
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "/bin/sh", "-c",
                "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; mkdir /tmp/x 2>&1; echo rc=$?");
        b.seccomp = new SeccompPlan(denyMkdir(RET_ERRNO | 1), 0, null, null);
        Containers.Result r = Containers.run(b.build());
        assertThat(r.out()).contains("Seccomp:\t2", "NoNewPrivs:\t1", "Operation not permitted", "rc=1");
    }

    @Test
    void filterWithoutNoNewPrivsIsLoadedWhilePrivileged() {
        PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "/bin/sh", "-c",
                "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; mkdir /tmp/y 2>&1; echo rc=$?");
        b.noNewPrivileges = false;
        b.seccomp = new SeccompPlan(denyMkdir(RET_ERRNO | 1), 0, null, null);
        Containers.Result r = Containers.run(b.build());
        assertThat(r.out()).contains("Seccomp:\t2", "NoNewPrivs:\t0", "Operation not permitted", "rc=1");
    }

    @Test
    void listenerFdGoesToTheListenerSocketWithState() throws Exception {
        String sock = tmp.resolve("listener.sock").toString();
        int listener = Fds.listenUnix(sock, 1);
        try {
            CompletableFuture<Fds.Message> got = CompletableFuture.supplyAsync(() -> {
                int c = Fds.accept(listener);
                try {
                    return Fds.receive(c, 65536);
                } finally {
                    Fds.close(c);
                }
            });
            PlanBuilder b = PlanBuilder.typical(Containers.sharedRootfs(), "echo", "hi");
            b.seccomp = new SeccompPlan(denyMkdir(RET_USER_NOTIF), FLAG_NEW_LISTENER, sock, "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"]}");
            Containers.Result r = Containers.run(b.build());
            assertThat(r.out()).isEqualTo("hi\n");
            Fds.Message m = got.get();
            assertThat(new String(m.data(), StandardCharsets.UTF_8)).isEqualTo("{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"]}");
            assertThat(m.fds()).hasSize(1);
            assertThat(java.nio.file.Files.readSymbolicLink(Path.of("/proc/self/fd/" + m.fds()[0])).toString())
                    .contains("seccomp");
            Fds.close(m.fds()[0]);
        } finally {
            Fds.close(listener);
        }
    }
}
