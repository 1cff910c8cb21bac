package dev.hako.runtime.cgroups;

import dev.hako.kernel.Errno;
import dev.hako.kernel.Native;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Loads a device filter with bpf(2) and attaches it to a cgroup2 directory, replacing the
 * device programs attached there before: query the old ones, attach the new one
 * (BPF_F_ALLOW_MULTI, so it combines with programs of ancestors), then detach the old ones.
 * In between both apply, which is only ever stricter, never looser.
 */
@SuppressWarnings("restricted") // a variadic downcall (syscall) that Native.function cannot express
final class BpfDevices {
    private static final long SYS_BPF = System.getProperty("os.arch").equals("aarch64") ? 280 : 321;
    private static final int BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8, BPF_PROG_DETACH = 9,
            BPF_PROG_GET_FD_BY_ID = 13, BPF_PROG_QUERY = 16;
    private static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15, BPF_CGROUP_DEVICE = 6, BPF_F_ALLOW_MULTI = 2;
    private static final int O_RDONLY = 0, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000;
    private static final int ATTR_SIZE = 128;

    private static final MethodHandle SYSCALL = Native.LINKER.downcallHandle(
            Native.LIBC.find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle OPEN = Native.function("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = Native.plainFunction("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private BpfDevices() {}

    /** Replaces the device programs on {@code cgroupDir} with one enforcing {@code state}. */
    static void apply(Path cgroupDir, DeviceRules.V1State state) {
        byte[] code = DeviceFilter.encode(DeviceFilter.compile(state));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            int cg = (int) OPEN.invokeExact(err, a.allocateFrom(cgroupDir.toString()), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
            if (cg < 0) throw CgroupException.syscall("open", cgroupDir.toString(), Native.errno(err), null);
            int prog = -1;
            try {
                List<Integer> old = query(a, cg, cgroupDir);
                prog = load(a, code, cgroupDir);
                MemorySegment attr = a.allocate(ATTR_SIZE);
                attr.set(JAVA_INT, 0, cg);
                attr.set(JAVA_INT, 4, prog);
                attr.set(JAVA_INT, 8, BPF_CGROUP_DEVICE);
                attr.set(JAVA_INT, 12, BPF_F_ALLOW_MULTI);
                bpf(a, BPF_PROG_ATTACH, attr, "bpf(BPF_PROG_ATTACH)", cgroupDir);
                for (int id : old) detach(a, cg, id, cgroupDir);
            } finally {
                if (prog >= 0) close(prog);
                close(cg);
            }
        } catch (CgroupException e) {
            throw e;
        } catch (Throwable t) {
            throw new CgroupException("attach device filter to " + cgroupDir + ": " + t, 0, t);
        }
    }

    /** Ids of the device programs attached directly to the cgroup. */
    static List<Integer> attachedIds(Path cgroupDir) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Native.errnoSegment(a);
            int cg = (int) OPEN.invokeExact(err, a.allocateFrom(cgroupDir.toString()), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
            if (cg < 0) throw CgroupException.syscall("open", cgroupDir.toString(), Native.errno(err), null);
            try {
                return query(a, cg, cgroupDir);
            } finally {
                close(cg);
            }
        } catch (CgroupException e) {
            throw e;
        } catch (Throwable t) {
            throw new CgroupException("query device programs of " + cgroupDir + ": " + t, 0, t);
        }
    }

    private static List<Integer> query(Arena a, int cg, Path dir) {
        int max = 64;
        MemorySegment ids = a.allocate(4L * max);
        MemorySegment attr = a.allocate(ATTR_SIZE);
        attr.set(JAVA_INT, 0, cg);
        attr.set(JAVA_INT, 4, BPF_CGROUP_DEVICE);
        attr.set(JAVA_LONG, 16, ids.address());
        attr.set(JAVA_INT, 24, max);
        bpf(a, BPF_PROG_QUERY, attr, "bpf(BPF_PROG_QUERY)", dir);
        int n = attr.get(JAVA_INT, 24);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(ids.getAtIndex(JAVA_INT, i));
        return out;
    }

    private static int load(Arena a, byte[] code, Path dir) {
        MemorySegment insns = a.allocate(code.length, 8);
        MemorySegment.copy(code, 0, insns, JAVA_BYTE, 0, code.length);
        MemorySegment license = a.allocateFrom("Apache");
        MemorySegment attr = a.allocate(ATTR_SIZE);
        attr.set(JAVA_INT, 0, BPF_PROG_TYPE_CGROUP_DEVICE);
        attr.set(JAVA_INT, 4, code.length / 8);
        attr.set(JAVA_LONG, 8, insns.address());
        attr.set(JAVA_LONG, 16, license.address());
        long fd = sys(a, BPF_PROG_LOAD, attr);
        if (fd >= 0) return (int) fd;
        // Load again with the verifier log, so the error says why.
        int logSize = 1 << 16;
        MemorySegment log = a.allocate(logSize);
        attr.set(JAVA_INT, 24, 1);
        attr.set(JAVA_INT, 28, logSize);
        attr.set(JAVA_LONG, 32, log.address());
        long again = sys(a, BPF_PROG_LOAD, attr);
        if (again >= 0) return (int) again;
        int e = (int) -again;
        throw CgroupException.syscall("bpf(BPF_PROG_LOAD)", "device filter for " + dir, e,
                "verifier: " + log.getString(0, StandardCharsets.UTF_8).strip());
    }

    private static void detach(Arena a, int cg, int id, Path dir) {
        MemorySegment byId = a.allocate(ATTR_SIZE);
        byId.set(JAVA_INT, 0, id);
        long fd = sys(a, BPF_PROG_GET_FD_BY_ID, byId);
        if (fd < 0) {
            if (-fd == Errno.ENOENT) return; // already gone
            throw CgroupException.syscall("bpf(BPF_PROG_GET_FD_BY_ID)", "program " + id + " on " + dir, (int) -fd, null);
        }
        try {
            MemorySegment attr = a.allocate(ATTR_SIZE);
            attr.set(JAVA_INT, 0, cg);
            attr.set(JAVA_INT, 4, (int) fd);
            attr.set(JAVA_INT, 8, BPF_CGROUP_DEVICE);
            bpf(a, BPF_PROG_DETACH, attr, "bpf(BPF_PROG_DETACH)", dir);
        } finally {
            close((int) fd);
        }
    }

    private static void bpf(Arena a, int cmd, MemorySegment attr, String step, Path dir) {
        long r = sys(a, cmd, attr);
        if (r < 0) throw CgroupException.syscall(step, dir.toString(), (int) -r, null);
    }

    /** bpf(2): the result, or -errno. */
    private static long sys(Arena a, int cmd, MemorySegment attr) {
        MemorySegment err = Native.errnoSegment(a);
        try {
            long r = (long) SYSCALL.invokeExact(err, SYS_BPF, cmd, attr, ATTR_SIZE);
            return r < 0 ? -Native.errno(err) : r;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
