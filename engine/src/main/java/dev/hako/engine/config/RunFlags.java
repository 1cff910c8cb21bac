package dev.hako.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.engine.EngineException;
import dev.hako.oci.Json;
import dev.hako.oci.runtime.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Map;

/**
 * The `run` flags of the "run flags" section of {@link RunOptions} (ulimits, devices, cpu shares/sets/CFS, memory
 * swap/reservation, oom score, extra groups) laid onto a spec the builder made. Works on the spec's JSON tree so
 * the builder's record constructors stay untouched. Errors carry docker's wording.
 */
public final class RunFlags {
    private RunFlags() {}

    /** docker's --ulimit names → the OCI rlimit types. */
    private static final Map<String, String> ULIMITS = Map.ofEntries(
            Map.entry("core", "RLIMIT_CORE"), Map.entry("cpu", "RLIMIT_CPU"), Map.entry("data", "RLIMIT_DATA"),
            Map.entry("fsize", "RLIMIT_FSIZE"), Map.entry("locks", "RLIMIT_LOCKS"), Map.entry("memlock", "RLIMIT_MEMLOCK"),
            Map.entry("msgqueue", "RLIMIT_MSGQUEUE"), Map.entry("nice", "RLIMIT_NICE"), Map.entry("nofile", "RLIMIT_NOFILE"),
            Map.entry("nproc", "RLIMIT_NPROC"), Map.entry("rss", "RLIMIT_RSS"), Map.entry("rtprio", "RLIMIT_RTPRIO"),
            Map.entry("rttime", "RLIMIT_RTTIME"), Map.entry("sigpending", "RLIMIT_SIGPENDING"), Map.entry("stack", "RLIMIT_STACK"));

    /** Checks what can be checked without a rootfs (docker refuses these before it creates anything). */
    public static void validate(RunOptions o) {
        for (String u : o.ulimits) ulimit(u);
        for (String d : o.devices) Device.parse(d);
        if (o.memorySwap != 0 && o.memorySwap != -1) {
            if (o.memory == 0) throw new EngineException("You should always set the Memory limit when using Memoryswap limit, see usage");
            if (o.memorySwap < o.memory) throw new EngineException("Minimum memoryswap limit should be larger than memory limit, see usage");
        }
        if (o.memoryReservation < 0) throw new EngineException("invalid memory reservation: must not be negative");
        if (o.memory > 0 && o.memoryReservation > o.memory)
            throw new EngineException("Minimum memory limit can not be less than memory reservation limit, see usage");
        if (o.oomScoreAdj < -1000 || o.oomScoreAdj > 1000)
            throw new EngineException("Invalid value " + o.oomScoreAdj + ", range for oom score adj is [-1000, 1000]");
        if (o.cpus > 0 && o.cpuPeriod != 0) throw new EngineException("Conflicting options: Nano CPUs and CPU Period cannot both be set");
        if (o.cpus > 0 && o.cpuQuota != 0) throw new EngineException("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
        if (o.cpuPeriod != 0 && (o.cpuPeriod < 1000 || o.cpuPeriod > 1_000_000))
            throw new EngineException("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
        if (o.cpuQuota > 0 && o.cpuQuota < 1000) throw new EngineException("CPU cfs quota can not be less than 1ms (i.e. 1000)");
        if (o.cpuShares < 0) throw new EngineException("invalid CPU shares: must not be negative");
        if (o.cpusetCpus != null && !o.cpusetCpus.isEmpty())
            available("CPUs", o.cpusetCpus, Path.of("/sys/fs/cgroup/cpuset/cpuset.effective_cpus"), Path.of("/sys/devices/system/cpu/online"));
        if (o.cpusetMems != null && !o.cpusetMems.isEmpty())
            available("memory nodes", o.cpusetMems, Path.of("/sys/fs/cgroup/cpuset/cpuset.effective_mems"), Path.of("/sys/devices/system/node/online"));
    }

    /** The spec with the run flags applied; {@code rootfs} resolves --group-add names. */
    public static Spec apply(Spec spec, RunOptions o, Path rootfs) {
        if (!o.hasRunFlags()) return spec;
        validate(o);
        ObjectNode root = Json.mapper().valueToTree(spec);
        ObjectNode process = (ObjectNode) root.path("process");
        ObjectNode linux = (ObjectNode) root.path("linux");
        ObjectNode resources = linux.has("resources") ? (ObjectNode) linux.get("resources") : linux.putObject("resources");

        if (!o.ulimits.isEmpty()) {
            ArrayNode rl = process.putArray("rlimits");
            for (String u : o.ulimits) {
                long[] v = ulimit(u);
                rl.addObject().put("type", ULIMITS.get(u.substring(0, u.indexOf('=')).trim())).put("hard", v[1]).put("soft", v[0]);
            }
        }
        if (o.oomScoreAdj != 0) process.put("oomScoreAdj", o.oomScoreAdj);
        if (!o.groupAdd.isEmpty()) {
            ObjectNode user = (ObjectNode) process.path("user");
            ArrayNode gids = user.has("additionalGids") && user.get("additionalGids").isArray()
                    ? (ArrayNode) user.get("additionalGids") : user.putArray("additionalGids");
            var resolver = new UserResolver(rootfs);
            for (String g : o.groupAdd) {
                int gid = resolver.resolve("0:" + g).gid();
                boolean present = false;
                for (JsonNode n : gids) present |= n.asInt() == gid;
                if (!present) gids.add(gid);
            }
        }

        if (!o.devices.isEmpty()) {
            ArrayNode devs = linux.has("devices") && linux.get("devices").isArray() ? (ArrayNode) linux.get("devices") : linux.putArray("devices");
            ArrayNode rules = resources.has("devices") && resources.get("devices").isArray()
                    ? (ArrayNode) resources.get("devices") : resources.putArray("devices");
            for (String d : o.devices) {
                Device dev = Device.parse(d).stat();
                devs.addObject().put("path", dev.target).put("type", dev.type).put("major", dev.major).put("minor", dev.minor)
                        .put("fileMode", dev.mode).put("uid", dev.uid).put("gid", dev.gid);
                rules.addObject().put("allow", true).put("type", dev.type).put("major", dev.major).put("minor", dev.minor)
                        .put("access", dev.permissions);
            }
        }

        ObjectNode memory = resources.has("memory") ? (ObjectNode) resources.get("memory") : null;
        if (o.memorySwap != 0 || o.memoryReservation > 0) {
            if (memory == null) memory = resources.putObject("memory");
            if (o.memorySwap != 0) memory.put("swap", o.memorySwap);
            if (o.memoryReservation > 0) memory.put("reservation", o.memoryReservation);
        }
        if (o.cpuShares > 0 || o.cpuPeriod > 0 || o.cpuQuota != 0 || notEmpty(o.cpusetCpus) || notEmpty(o.cpusetMems)) {
            ObjectNode cpu = resources.has("cpu") && resources.get("cpu").isObject() ? (ObjectNode) resources.get("cpu") : resources.putObject("cpu");
            if (o.cpuShares > 0) cpu.put("shares", o.cpuShares);
            if (o.cpuPeriod > 0) cpu.put("period", o.cpuPeriod);
            if (o.cpuQuota != 0) cpu.put("quota", o.cpuQuota);
            if (notEmpty(o.cpusetCpus)) cpu.put("cpus", o.cpusetCpus);
            if (notEmpty(o.cpusetMems)) cpu.put("mems", o.cpusetMems);
        }
        try {
            return Json.mapper().treeToValue(root, Spec.class);
        } catch (IOException e) {
            throw new EngineException("apply run flags: " + e.getMessage(), e);
        }
    }

    private static boolean notEmpty(String s) { return s != null && !s.isEmpty(); }

    /** docker's NAME=SOFT[:HARD] → {soft, hard}. */
    static long[] ulimit(String spec) {
        int eq = spec.indexOf('=');
        if (eq < 0) throw new EngineException("invalid argument \"" + spec + "\" for \"--ulimit\" flag: invalid ulimit argument: " + spec, 125, null);
        String name = spec.substring(0, eq).trim();
        if (!ULIMITS.containsKey(name))
            throw new EngineException("invalid argument \"" + spec + "\" for \"--ulimit\" flag: invalid ulimit type: " + name, 125, null);
        String[] v = spec.substring(eq + 1).split(":", -1);
        if (v.length > 2) throw new EngineException("invalid argument \"" + spec + "\" for \"--ulimit\" flag: too many limit value arguments - " + spec.substring(eq + 1) + ", can only have up to two, `soft[:hard]`", 125, null);
        long soft, hard;
        try {
            soft = Long.parseLong(v[0]);
            hard = v.length == 2 ? Long.parseLong(v[1]) : soft;
        } catch (NumberFormatException e) {
            throw new EngineException("invalid argument \"" + spec + "\" for \"--ulimit\" flag: strconv.ParseInt: parsing \"" + spec.substring(eq + 1) + "\": invalid syntax", 125, e);
        }
        if (soft > hard) throw new EngineException("invalid argument \"" + spec + "\" for \"--ulimit\" flag: ulimit soft limit must be less than or equal to hard limit: " + soft + " > " + hard, 125, null);
        return new long[]{soft, hard};
    }

    /** Refuses a CPU/node list naming what the host (its root cpuset) does not have, as docker does. */
    private static void available(String what, String requested, Path primary, Path fallback) {
        BitSet want = CpuList.parse(requested, what.equals("CPUs") ? "--cpuset-cpus" : "--cpuset-mems");
        String have = read(primary);
        if (have == null) have = read(fallback);
        if (have == null) return;
        BitSet avail = CpuList.parse(have, "host");
        BitSet missing = (BitSet) want.clone();
        missing.andNot(avail);
        if (!missing.isEmpty())
            throw new EngineException("Requested " + what + " are not available - requested " + requested + ", available: " + have);
    }

    private static String read(Path p) {
        try {
            String s = Files.readString(p).trim();
            return s.isEmpty() ? null : s;
        } catch (IOException e) {
            return null;
        }
    }

    /** Linux CPU list syntax: "0-3,7". */
    static final class CpuList {
        static BitSet parse(String list, String flag) {
            BitSet b = new BitSet();
            for (String part : list.split(",")) {
                String p = part.trim();
                try {
                    int dash = p.indexOf('-');
                    int lo = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
                    int hi = dash < 0 ? lo : Integer.parseInt(p.substring(dash + 1));
                    if (lo < 0 || hi < lo || hi > 4096) throw new NumberFormatException();
                    b.set(lo, hi + 1);
                } catch (NumberFormatException e) {
                    throw new EngineException("invalid argument \"" + list + "\" for \"" + flag + "\" flag: invalid format: " + list, 125, e);
                }
            }
            return b;
        }
    }

    /** --device HOST[:CONTAINER][:PERMISSIONS] (docker's parseDevice). */
    record Device(String source, String target, String permissions, String type, long major, long minor, int mode, int uid, int gid) {
        static Device parse(String spec) {
            String[] p = spec.split(":", -1);
            String src = p[0], dst = null, perms = "rwm";
            switch (p.length) {
                case 3 -> {
                    dst = p[1];
                    perms = p[2];
                    if (!validMode(perms)) throw new EngineException("invalid argument \"" + spec + "\" for \"--device\" flag: invalid device mode: " + perms, 125, null);
                }
                case 2 -> {
                    if (validMode(p[1])) perms = p[1];
                    else dst = p[1];
                }
                case 1 -> { }
                default -> throw new EngineException("invalid argument \"" + spec + "\" for \"--device\" flag: invalid device specification: " + spec, 125, null);
            }
            if (dst == null || dst.isEmpty()) dst = src;
            if (!src.startsWith("/") || !dst.startsWith("/"))
                throw new EngineException("invalid argument \"" + spec + "\" for \"--device\" flag: invalid device specification: " + spec + ": paths must be absolute", 125, null);
            return new Device(src, dst, perms, null, 0, 0, 0, 0, 0);
        }

        private static boolean validMode(String m) {
            if (m.isEmpty() || m.length() > 3) return false;
            for (char c : m.toCharArray()) if ("rwm".indexOf(c) < 0 || m.indexOf(c) != m.lastIndexOf(c)) return false;
            return true;
        }

        /** The host node's type and numbers (following symlinks, as docker's device lookup does). */
        Device stat() {
            Path p = Path.of(source);
            try {
                int mode = (Integer) Files.getAttribute(p, "unix:mode");
                int fmt = mode & 0170000;
                String t = fmt == 0020000 ? "c" : fmt == 0060000 ? "b" : null;
                if (t == null) throw new EngineException("error gathering device information while adding custom device \"" + source + "\": not a device node");
                long rdev = (Long) Files.getAttribute(p, "unix:rdev");
                long maj = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
                long min = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
                int uid = (Integer) Files.getAttribute(p, "unix:uid");
                int gid = (Integer) Files.getAttribute(p, "unix:gid");
                return new Device(source, target, permissions, t, maj, min, mode & 07777, uid, gid);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new EngineException("error gathering device information while adding custom device \"" + source + "\": no such file or directory");
            } catch (IOException e) {
                throw new EngineException("error gathering device information while adding custom device \"" + source + "\": " + e.getMessage(), e);
            }
        }
    }
}
