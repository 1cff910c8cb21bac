package dev.hako.kernel.exec;

import dev.hako.kernel.exec.LaunchPlan.Capabilities;
import dev.hako.kernel.exec.LaunchPlan.DeviceStep;
import dev.hako.kernel.exec.LaunchPlan.HookPlan;
import dev.hako.kernel.exec.LaunchPlan.HookStep;
import dev.hako.kernel.exec.LaunchPlan.IdMap;
import dev.hako.kernel.exec.LaunchPlan.MaskStep;
import dev.hako.kernel.exec.LaunchPlan.MkdirStep;
import dev.hako.kernel.exec.LaunchPlan.MountStep;
import dev.hako.kernel.exec.LaunchPlan.Namespace;
import dev.hako.kernel.exec.LaunchPlan.PivotRootStep;
import dev.hako.kernel.exec.LaunchPlan.PrepareRootStep;
import dev.hako.kernel.exec.LaunchPlan.ProcessPlan;
import dev.hako.kernel.exec.LaunchPlan.ReadonlyRootStep;
import dev.hako.kernel.exec.LaunchPlan.ReadonlyStep;
import dev.hako.kernel.exec.LaunchPlan.Rlimit;
import dev.hako.kernel.exec.LaunchPlan.RootPropagationStep;
import dev.hako.kernel.exec.LaunchPlan.RootfsStep;
import dev.hako.kernel.exec.LaunchPlan.SeccompPlan;
import dev.hako.kernel.exec.LaunchPlan.SymlinkStep;
import dev.hako.kernel.exec.LaunchPlan.Sysctl;
import dev.hako.kernel.exec.LaunchPlan.TimeOffset;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The wire format of a {@link LaunchPlan}, read by the executor (kernel/src/main/c/plan.c; described in
 * kernel/src/main/c/PLAN.md). One record per line: a keyword, then space-separated fields. A field is
 * {@code -} for null, {@code %} for the empty string, otherwise the UTF-8 bytes with {@code %}, space,
 * control characters, DEL and a lone {@code -} written as {@code %XX}. Numbers are decimal (unsigned for
 * flag and mask words); byte arrays are lowercase hex. First line {@code hako-plan 1}, last {@code end}.
 */
public final class PlanCodec {
    public static final String MAGIC = "hako-plan";
    public static final int VERSION = 1;

    private PlanCodec() {}

    public static byte[] encode(LaunchPlan p) {
        Writer w = new Writer();
        w.rec("hako-plan", Integer.toString(VERSION));
        w.rec("mode", p.mode().name().toLowerCase(Locale.ROOT));
        for (Namespace n : nn(p.namespaces())) w.rec("ns", n.type(), n.path());
        for (IdMap m : nn(p.uidMappings())) w.rec("uidmap", num(m.containerId()), num(m.hostId()), num(m.size()));
        for (IdMap m : nn(p.gidMappings())) w.rec("gidmap", num(m.containerId()), num(m.hostId()), num(m.size()));
        w.rec("setgroups", p.denySetgroups() ? "deny" : "allow");
        for (TimeOffset t : nn(p.timeOffsets())) w.rec("timeoffset", t.clock(), num(t.secs()), num(t.nanosecs()));
        if (p.rootfs() != null) w.rec("rootfs", p.rootfs());
        for (RootfsStep s : nn(p.rootfsSteps())) step(w, s);
        for (Sysctl s : nn(p.sysctls())) w.rec("sysctl", s.key(), s.value());
        if (p.hostname() != null) w.rec("hostname", p.hostname());
        if (p.domainname() != null) w.rec("domainname", p.domainname());
        process(w, p.process());
        if (p.execFifo() != null) w.rec("execfifo", p.execFifo());
        if (p.consoleSocket() != null) w.rec("consolesocket", p.consoleSocket());
        for (String c : nn(p.cgroupJoin())) w.rec("cgroupjoin", c);
        for (HookPlan h : nn(p.startHooks())) hook(w, "startContainer", h);
        w.rec("preservefds", Integer.toString(p.preserveFds()));
        w.rec("end");
        return w.bytes();
    }

    private static void step(Writer w, RootfsStep s) {
        switch (s) {
            case RootPropagationStep r -> w.rec("rootprop", u(r.flags()));
            case PrepareRootStep r -> w.rec("prepareroot", u(r.propagation()));
            case MountStep m -> {
                StringBuilder prop = new StringBuilder();
                for (Long l : nn(m.propagation())) prop.append(prop.isEmpty() ? "" : ",").append(Long.toUnsignedString(l));
                w.rec("mount", m.source(), m.target(), m.fstype(), u(m.flags()), m.data(),
                        prop.isEmpty() ? null : prop.toString(), u(m.remountFlags()), m.createAs(),
                        u(m.attrSet()), u(m.attrClr()), m.idmapUserns(), m.copyUp() ? "1" : "0");
            }
            case DeviceStep d -> w.rec("device", d.path(), String.valueOf(d.type()), u(d.major()), u(d.minor()),
                    Integer.toString(d.mode()), Integer.toString(d.uid()), Integer.toString(d.gid()), d.bindFromHost() ? "1" : "0");
            case SymlinkStep l -> w.rec("symlink", l.target(), l.linkPath());
            case MkdirStep m -> w.rec("mkdir", m.path(), Integer.toString(m.mode()));
            case MaskStep m -> w.rec("mask", m.path());
            case ReadonlyStep r -> w.rec("readonly", r.path());
            case HookStep h -> hook(w, "createContainer", h.hook());
            case PivotRootStep r -> w.rec("pivot", r.noPivot() ? "1" : "0");
            case ReadonlyRootStep r -> w.rec("readonlyroot");
        }
    }

    private static void hook(Writer w, String phase, HookPlan h) {
        List<String> f = new ArrayList<>();
        f.add(phase);
        f.add(h.path());
        f.add(Integer.toString(h.timeoutSeconds()));
        f.add(h.stateJson());
        List<String> args = nn(h.args()), env = nn(h.env());
        f.add(Integer.toString(args.size()));
        f.addAll(args);
        f.add(Integer.toString(env.size()));
        f.addAll(env);
        w.rec("hook", f.toArray(String[]::new));
    }

    private static void process(Writer w, ProcessPlan p) {
        if (p == null) throw new IllegalArgumentException("launch plan without a process");
        w.rec("args", nn(p.args()).toArray(String[]::new));
        w.rec("env", nn(p.env()).toArray(String[]::new));
        if (p.cwd() != null) w.rec("cwd", p.cwd());
        w.rec("user", Integer.toUnsignedString(p.uid()), Integer.toUnsignedString(p.gid()));
        w.rec("groups", nn(p.additionalGids()).stream().map(Integer::toUnsignedString).toArray(String[]::new));
        if (p.umask() != null) w.rec("umask", Integer.toString(p.umask()));
        for (Rlimit r : nn(p.rlimits())) w.rec("rlimit", Integer.toString(r.resource()), u(r.soft()), u(r.hard()));
        Capabilities c = p.capabilities();
        if (c != null) w.rec("caps", u(c.bounding()), u(c.effective()), u(c.permitted()), u(c.inheritable()), u(c.ambient()));
        w.rec("nnp", p.noNewPrivileges() ? "1" : "0");
        SeccompPlan s = p.seccomp();
        if (s != null) w.rec("seccomp", u(s.flags()), s.listenerPath(), s.stateJson(), HexFormat.of().formatHex(s.program()));
        if (p.personality() != null) w.rec("personality", u(p.personality()));
        if (p.oomScoreAdj() != null) w.rec("oomscoreadj", Integer.toString(p.oomScoreAdj()));
        if (p.apparmorProfile() != null) w.rec("apparmor", p.apparmorProfile());
        if (p.selinuxLabel() != null) w.rec("selinux", p.selinuxLabel());
        w.rec("terminal", p.terminal() ? "1" : "0");
        if (p.consoleHeight() != null || p.consoleWidth() != null)
            w.rec("consolesize", Integer.toString(p.consoleHeight() == null ? 0 : p.consoleHeight()),
                    Integer.toString(p.consoleWidth() == null ? 0 : p.consoleWidth()));
        LaunchPlan.Extras x = p.extrasOrNone();
        if (x.homeFromPasswd()) w.rec("passwdhome");
        if (x.ioPriority() != null) w.rec("ioprio", Integer.toString(x.ioPriority().ioClass()), Integer.toString(x.ioPriority().level()));
        LaunchPlan.Scheduler sc = x.scheduler();
        if (sc != null) w.rec("sched", Integer.toString(sc.policy()), Integer.toString(sc.nice()), Integer.toString(sc.priority()),
                u(sc.flags()), u(sc.runtime()), u(sc.deadline()), u(sc.period()));
        if (x.sessionKeyring() != null) w.rec("keyring", x.sessionKeyring(), u(x.keyringPerms()));
        if (x.cpuAffinityInitial() != null || x.cpuAffinityFinal() != null)
            w.rec("cpuaffinity", x.cpuAffinityInitial(), x.cpuAffinityFinal());
    }

    private static <T> List<T> nn(List<T> l) { return l == null ? List.of() : l; }

    private static String num(long v) { return Long.toString(v); }

    private static String u(long v) { return Long.toUnsignedString(v); }

    /** Percent-encodes one field (see the class comment). */
    public static String encodeField(String s) {
        if (s == null) return "-";
        if (s.isEmpty()) return "%";
        if (s.equals("-")) return "%2D";
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(b.length + 8);
        for (byte x : b) {
            int c = x & 0xff;
            if (c <= 0x20 || c == 0x7f || c == '%') out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                    .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            else out.append((char) c); // bytes >= 0x80 pass through; the line is bytes, not chars
        }
        return out.toString();
    }

    /** Inverse of {@link #encodeField}. */
    public static String decodeField(String f) {
        if (f.equals("-")) return null;
        if (f.equals("%")) return "";
        byte[] in = f.getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '%') {
                if (i + 2 >= in.length) throw new IllegalArgumentException("bad escape in plan field: " + f);
                out.write(HexFormat.fromHexDigits(f, i + 1, i + 3));
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);

        void rec(String keyword, String... fields) {
            write(keyword);
            for (String f : fields) {
                out.write(' ');
                write(encodeField(f));
            }
            out.write('\n');
        }

        private void write(String s) {
            // encoded fields hold one char per byte (raw UTF-8 bytes >= 0x80 as chars 0x80..0xff)
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            out.write(b, 0, b.length);
        }

        byte[] bytes() { return out.toByteArray(); }
    }

    // ---- decoding: the Java twin of plan.c, used by tests and for debugging a plan dump ----

    public static LaunchPlan decode(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        String[] lines = text.split("\n", -1);
        if (lines.length < 2 || !lines[0].equals(MAGIC + " " + VERSION)) throw new IllegalArgumentException("not a hako plan v" + VERSION);
        LaunchPlan.Mode mode = null;
        List<Namespace> ns = new ArrayList<>();
        List<IdMap> uid = new ArrayList<>(), gid = new ArrayList<>();
        boolean deny = false;
        List<TimeOffset> time = new ArrayList<>();
        String rootfs = null, hostname = null, domainname = null, fifo = null, console = null;
        List<RootfsStep> steps = new ArrayList<>();
        List<Sysctl> sysctls = new ArrayList<>();
        List<String> cgroups = new ArrayList<>();
        List<HookPlan> startHooks = new ArrayList<>();
        int preserve = 0;
        List<String> args = List.of(), env = List.of();
        String cwd = null, apparmor = null, selinux = null;
        int uidv = 0, gidv = 0;
        List<Integer> groups = List.of();
        Integer umask = null, oom = null, ch = null, cw = null;
        List<Rlimit> rlimits = new ArrayList<>();
        Capabilities caps = null;
        boolean nnp = false, terminal = false, ended = false;
        SeccompPlan seccomp = null;
        Long personality = null;
        boolean home = false;
        LaunchPlan.IoPriority ioprio = null;
        LaunchPlan.Scheduler sched = null;
        String keyring = null;
        long keyringPerms = 0;
        String cpuInitial = null, cpuFinal = null;
        for (int li = 1; li < lines.length; li++) {
            if (lines[li].isEmpty()) continue;
            String[] raw = lines[li].split(" ", -1);
            String k = raw[0];
            List<String> f = new ArrayList<>();
            for (int i = 1; i < raw.length; i++) f.add(decodeField(raw[i]));
            switch (k) {
                case "mode" -> mode = LaunchPlan.Mode.valueOf(f.get(0).toUpperCase(Locale.ROOT));
                case "ns" -> ns.add(new Namespace(f.get(0), f.get(1)));
                case "uidmap" -> uid.add(new IdMap(Long.parseLong(f.get(0)), Long.parseLong(f.get(1)), Long.parseLong(f.get(2))));
                case "gidmap" -> gid.add(new IdMap(Long.parseLong(f.get(0)), Long.parseLong(f.get(1)), Long.parseLong(f.get(2))));
                case "setgroups" -> deny = f.get(0).equals("deny");
                case "timeoffset" -> time.add(new TimeOffset(f.get(0), Long.parseLong(f.get(1)), Long.parseLong(f.get(2))));
                case "rootfs" -> rootfs = f.get(0);
                case "rootprop" -> steps.add(new RootPropagationStep(Long.parseUnsignedLong(f.get(0))));
                case "prepareroot" -> steps.add(new PrepareRootStep(Long.parseUnsignedLong(f.get(0))));
                case "mount" -> {
                    List<Long> prop = new ArrayList<>();
                    if (f.get(5) != null) for (String x : f.get(5).split(",")) prop.add(Long.parseUnsignedLong(x));
                    steps.add(new MountStep(f.get(0), f.get(1), f.get(2), Long.parseUnsignedLong(f.get(3)), f.get(4), prop,
                            Long.parseUnsignedLong(f.get(6)), f.get(7), Long.parseUnsignedLong(f.get(8)),
                            Long.parseUnsignedLong(f.get(9)), f.get(10), f.size() > 11 && "1".equals(f.get(11))));
                }
                case "device" -> steps.add(new DeviceStep(f.get(0), f.get(1).charAt(0), Long.parseUnsignedLong(f.get(2)),
                        Long.parseUnsignedLong(f.get(3)), Integer.parseInt(f.get(4)), Integer.parseInt(f.get(5)),
                        Integer.parseInt(f.get(6)), f.get(7).equals("1")));
                case "symlink" -> steps.add(new SymlinkStep(f.get(0), f.get(1)));
                case "mkdir" -> steps.add(new MkdirStep(f.get(0), Integer.parseInt(f.get(1))));
                case "mask" -> steps.add(new MaskStep(f.get(0)));
                case "readonly" -> steps.add(new ReadonlyStep(f.get(0)));
                case "pivot" -> steps.add(new PivotRootStep(f.get(0).equals("1")));
                case "readonlyroot" -> steps.add(new ReadonlyRootStep());
                case "hook" -> {
                    int na = Integer.parseInt(f.get(4));
                    List<String> ha = f.subList(5, 5 + na);
                    int ne = Integer.parseInt(f.get(5 + na));
                    List<String> he = f.subList(6 + na, 6 + na + ne);
                    HookPlan h = new HookPlan(f.get(1), List.copyOf(ha), List.copyOf(he), Integer.parseInt(f.get(2)), f.get(3));
                    if (f.get(0).equals("createContainer")) steps.add(new HookStep(h));
                    else startHooks.add(h);
                }
                case "sysctl" -> sysctls.add(new Sysctl(f.get(0), f.get(1)));
                case "hostname" -> hostname = f.get(0);
                case "domainname" -> domainname = f.get(0);
                case "args" -> args = List.copyOf(f);
                case "env" -> env = List.copyOf(f);
                case "cwd" -> cwd = f.get(0);
                case "user" -> {
                    uidv = Integer.parseUnsignedInt(f.get(0));
                    gidv = Integer.parseUnsignedInt(f.get(1));
                }
                case "groups" -> groups = f.stream().map(Integer::parseUnsignedInt).toList();
                case "umask" -> umask = Integer.parseInt(f.get(0));
                case "rlimit" -> rlimits.add(new Rlimit(Integer.parseInt(f.get(0)), Long.parseUnsignedLong(f.get(1)), Long.parseUnsignedLong(f.get(2))));
                case "caps" -> caps = new Capabilities(Long.parseUnsignedLong(f.get(0)), Long.parseUnsignedLong(f.get(1)),
                        Long.parseUnsignedLong(f.get(2)), Long.parseUnsignedLong(f.get(3)), Long.parseUnsignedLong(f.get(4)));
                case "nnp" -> nnp = f.get(0).equals("1");
                case "seccomp" -> seccomp = new SeccompPlan(HexFormat.of().parseHex(f.get(3)), Long.parseUnsignedLong(f.get(0)), f.get(1), f.get(2));
                case "personality" -> personality = Long.parseUnsignedLong(f.get(0));
                case "oomscoreadj" -> oom = Integer.parseInt(f.get(0));
                case "apparmor" -> apparmor = f.get(0);
                case "selinux" -> selinux = f.get(0);
                case "terminal" -> terminal = f.get(0).equals("1");
                case "consolesize" -> {
                    ch = Integer.parseInt(f.get(0));
                    cw = Integer.parseInt(f.get(1));
                }
                case "passwdhome" -> home = true;
                case "ioprio" -> ioprio = new LaunchPlan.IoPriority(Integer.parseInt(f.get(0)), Integer.parseInt(f.get(1)));
                case "sched" -> sched = new LaunchPlan.Scheduler(Integer.parseInt(f.get(0)), Integer.parseInt(f.get(1)),
                        Integer.parseInt(f.get(2)), Long.parseUnsignedLong(f.get(3)), Long.parseUnsignedLong(f.get(4)),
                        Long.parseUnsignedLong(f.get(5)), Long.parseUnsignedLong(f.get(6)));
                case "keyring" -> {
                    keyring = f.get(0);
                    keyringPerms = Long.parseUnsignedLong(f.get(1));
                }
                case "cpuaffinity" -> {
                    cpuInitial = f.get(0);
                    cpuFinal = f.get(1);
                }
                case "execfifo" -> fifo = f.get(0);
                case "consolesocket" -> console = f.get(0);
                case "cgroupjoin" -> cgroups.add(f.get(0));
                case "preservefds" -> preserve = Integer.parseInt(f.get(0));
                case "end" -> ended = true;
                default -> throw new IllegalArgumentException("unknown plan record: " + k);
            }
        }
        if (!ended) throw new IllegalArgumentException("plan has no end record");
        ProcessPlan proc = new ProcessPlan(args, env, cwd, uidv, gidv, groups, umask, rlimits, caps, nnp, seccomp, personality,
                oom, apparmor, selinux, terminal, ch, cw,
                home || ioprio != null || sched != null || keyring != null || cpuInitial != null || cpuFinal != null
                        ? new LaunchPlan.Extras(home, ioprio, sched, keyring, keyringPerms, cpuInitial, cpuFinal) : null);
        return new LaunchPlan(mode, ns, uid, gid, deny, time, rootfs, steps, sysctls, hostname, domainname, proc, fifo, console,
                cgroups, startHooks, preserve);
    }
}
