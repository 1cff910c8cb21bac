package dev.hako.engine.config;

import dev.hako.engine.EngineException;
import dev.hako.oci.Json;
import dev.hako.oci.image.ImageConfig;
import dev.hako.oci.runtime.Mount;
import dev.hako.oci.runtime.Spec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ContainerSpecBuilderTest {
    static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @TempDir Path dir;

    private Spec build(ImageConfig.Config img, RunOptions o) throws Exception {
        Path rootfs = dir.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), """
                root:x:0:0:root:/root:/bin/sh
                # a comment
                www:x:33:33:www-data:/var/www:/bin/false
                app:x:1000:1000::/home/app:/bin/sh
                """);
        Files.writeString(rootfs.resolve("etc/group"), """
                root:x:0:
                www:x:33:
                audio:x:29:app,www
                staff:x:50:app
                """);
        return new ContainerSpecBuilder().build(ID, img, o, rootfs, ContainerSpecBuilder.EtcFiles.in(dir));
    }

    private static ImageConfig.Config image(List<String> env, List<String> entry, List<String> cmd, String wd) {
        return ImageConfig.Config.of(env, entry, cmd, wd);
    }

    @Test
    void dockerDefaults() throws Exception {
        Spec s = build(image(List.of("PATH=/bin", "A=1"), null, List.of("sh"), null), RunOptions.of(List.of()));
        assertEquals(List.of("sh"), s.process().args());
        assertEquals("/", s.process().cwd());
        assertEquals(ID.substring(0, 12), s.hostname());
        assertEquals(ContainerSpecBuilder.DEFAULT_CAPABILITIES, s.process().capabilities().bounding());
        assertEquals(ContainerSpecBuilder.DEFAULT_CAPABILITIES, s.process().capabilities().effective());
        assertEquals(List.of(), s.process().capabilities().inheritable());
        assertEquals(List.of(), s.process().capabilities().ambient());
        assertNotNull(s.linux().seccomp(), "docker's default seccomp profile");
        assertEquals("SCMP_ACT_ERRNO", s.linux().seccomp().defaultAction());
        assertTrue(s.linux().maskedPaths().contains("/proc/kcore"));
        assertTrue(s.linux().readonlyPaths().contains("/proc/sysrq-trigger"));
        assertEquals(List.of("PATH=/bin", "HOSTNAME=" + ID.substring(0, 12), "A=1", "HOME=/root"), s.process().env());
        assertEquals(0, s.process().user().uid());
        assertFalse(s.root().readonly());
        assertFalse(Boolean.TRUE.equals(s.process().noNewPrivileges()));
        Map<String, Mount> m = byDest(s);
        assertEquals(List.of("/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm",
                "/etc/resolv.conf", "/etc/hostname", "/etc/hosts"), List.copyOf(m.keySet()));
        assertTrue(m.get("/dev/shm").options().contains("size=" + (64L << 20)));
        assertTrue(m.get("/dev/pts").options().containsAll(List.of("newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        assertTrue(m.get("/sys").options().contains("ro"));
        assertEquals(dir.resolve("hosts").toString(), m.get("/etc/hosts").source());
        assertEquals(List.of("mount", "network", "uts", "pid", "ipc"),
                s.linux().namespaces().stream().map(n -> n.type()).toList());
        assertFalse(s.linux().resources().devices().getFirst().allow(), "devices: deny all first");
        // survives the JSON codec (what the runtime reads back)
        Spec back = Json.parse(Json.write(s).getBytes(), Spec.class);
        assertEquals(s.process().args(), back.process().args());
    }

    private static Map<String, Mount> byDest(Spec s) {
        var out = new java.util.LinkedHashMap<String, Mount>();
        for (Mount x : s.mounts()) out.put(x.destination(), x);
        return out;
    }

    @Test
    void entrypointAndCmdOverrides() throws Exception {
        var img = image(null, List.of("/entry", "-x"), List.of("default"), "/srv");
        assertEquals(List.of("/entry", "-x", "default"), build(img, RunOptions.of(List.of())).process().args());
        assertEquals(List.of("/entry", "-x", "mine"), build(img, RunOptions.of(List.of("mine"))).process().args());
        var o = RunOptions.of(List.of("a"));
        o.entrypoint = "/other";
        assertEquals(List.of("/other", "a"), build(img, o).process().args(), "--entrypoint drops the image's Cmd");
        var cleared = RunOptions.of(List.of());
        cleared.entrypoint = "";
        var e = assertThrows(EngineException.class, () -> build(img, cleared));
        assertEquals("no command specified", e.getMessage());
        assertEquals("/srv", build(img, RunOptions.of(List.of())).process().cwd());
    }

    @Test
    void envOverridesAndUnset() throws Exception {
        var s = build(image(List.of("A=1", "B=2"), null, List.of("sh"), null),
                RunOptions.of(List.of()).withEnv(List.of("B=3", "C", "HOME=/h")));
        assertEquals(List.of("PATH=" + ContainerSpecBuilder.DEFAULT_PATH, "HOSTNAME=" + ID.substring(0, 12), "A=1", "B=3",
                "C", "HOME=/h"), s.process().env());
    }

    @Test
    void usersResolveThroughTheImagesFiles() throws Exception {
        var img = image(null, null, List.of("sh"), null);
        var app = build(img, RunOptions.of(List.of()).withUser("app")).process().user();
        assertEquals(1000, app.uid());
        assertEquals(1000, app.gid());
        assertEquals(List.of(29, 50), app.additionalGids());
        var appWww = build(img, RunOptions.of(List.of()).withUser("app:www")).process().user();
        assertEquals(33, appWww.gid());
        assertNull(appWww.additionalGids(), "an explicit group drops the supplementary ones");
        var numeric = build(img, RunOptions.of(List.of()).withUser("4242:7")).process().user();
        assertEquals(4242, numeric.uid());
        assertEquals(7, numeric.gid());
        assertTrue(build(img, RunOptions.of(List.of()).withUser("33")).process().env().contains("HOME=/var/www"));
        var e = assertThrows(EngineException.class, () -> build(img, RunOptions.of(List.of()).withUser("nobody")));
        assertTrue(e.getMessage().contains("unable to find user nobody"), e.getMessage());
        assertThrows(EngineException.class, () -> build(img, RunOptions.of(List.of()).withUser("app:nogroup")));
    }

    @Test
    void passwdSymlinkOutOfTheRootfsIsNotFollowed() throws Exception {
        Path rootfs = dir.resolve("evil");
        Files.createDirectories(rootfs.resolve("etc"));
        Path host = dir.resolve("hostpasswd");
        Files.writeString(host, "evil:x:777:777::/:/bin/sh\n");
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), host);
        var r = new UserResolver(rootfs);
        // the absolute link resolves inside the rootfs (where nothing is), never to the host file
        assertThrows(EngineException.class, () -> r.resolve("evil"));
    }

    @Test
    void capabilitiesAddDropPrivileged() {
        var add = opts(List.of("net_admin", "CAP_SYS_TIME"), List.of("mknod", "CAP_NET_RAW"), false);
        var caps = ContainerSpecBuilder.capabilities(add);
        assertTrue(caps.containsAll(List.of("CAP_NET_ADMIN", "CAP_SYS_TIME")));
        assertFalse(caps.contains("CAP_MKNOD"));
        assertFalse(caps.contains("CAP_NET_RAW"));
        assertEquals(List.of("CAP_KILL"), ContainerSpecBuilder.capabilities(opts(List.of("kill"), List.of("ALL"), false)));
        assertEquals(41, ContainerSpecBuilder.capabilities(opts(List.of("ALL"), List.of(), false)).size());
        assertEquals(41, ContainerSpecBuilder.capabilities(opts(List.of(), List.of(), true)).size());
        var e = assertThrows(EngineException.class, () -> ContainerSpecBuilder.capabilities(opts(List.of("bogus"), List.of(), false)));
        assertTrue(e.getMessage().contains("CAP_BOGUS") || e.getMessage().contains("bogus"), e.getMessage());
    }

    private static RunOptions opts(List<String> add, List<String> drop, boolean priv) {
        var o = RunOptions.of(List.of("x"));
        if (add != null) o.capAdd = add;
        if (drop != null) o.capDrop = drop;
        o.privileged = priv;
        return o;
    }

    @Test
    void limitsSecurityMountsReadOnly() throws Exception {
        var o = RunOptions.of(List.of("sh"));
        o.workdir = "/work";
        o.hostname = "box";
        o.readOnly = true;
        o.memory = 64L << 20;
        o.cpus = 1.5;
        o.pidsLimit = 100;
        o.securityOpt = List.of("seccomp=unconfined", "no-new-privileges");
        o.tmpfs = List.of("/run:size=1m", "/tmp");
        o.binds = List.of("/host/data:/data:ro", "/host/rw:/rw");
        o.shmSize = 1L << 20;
        o.sysctls = Map.of("net.ipv4.ip_forward", "1");
        Spec s = build(null, o);
        assertNull(s.linux().seccomp());
        assertTrue(s.process().noNewPrivileges());
        assertTrue(s.root().readonly());
        assertEquals("box", s.hostname());
        assertEquals("/work", s.process().cwd());
        var r = s.linux().resources();
        assertEquals(64L << 20, r.memory().limit());
        assertEquals(150_000L, r.cpu().quota());
        assertEquals(100_000L, r.cpu().period());
        assertEquals(100, r.pids().limit());
        assertEquals(Map.of("net.ipv4.ip_forward", "1"), s.linux().sysctl());
        Map<String, Mount> m = byDest(s);
        assertEquals(List.of("nosuid", "nodev", "noexec", "size=1m"), m.get("/run").options());
        assertEquals(List.of("rbind", "rprivate", "ro"), m.get("/data").options());
        assertEquals("/host/data", m.get("/data").source());
        assertEquals(List.of("rbind", "rprivate"), m.get("/rw").options());
        assertTrue(m.get("/dev/shm").options().contains("size=1048576"));
        assertTrue(m.get("/etc/hosts").options().contains("ro"), "--read-only makes the /etc binds read-only too");
    }

    @Test
    void badOptionsNameTheProblem() throws Exception {
        var img = image(null, null, List.of("sh"), null);
        assertTrue(assertThrows(EngineException.class, () -> ContainerSpecBuilder.bind("data:/data"))
                .getMessage().contains("named volumes"));
        assertTrue(assertThrows(EngineException.class, () -> ContainerSpecBuilder.bind("/a:/b:xx"))
                .getMessage().contains("invalid mode: xx"));
        assertThrows(EngineException.class, () -> ContainerSpecBuilder.bind("/a"));
        assertThrows(EngineException.class, () -> ContainerSpecBuilder.tmpfs("relative"));
        var bad = RunOptions.of(List.of("sh"));
        bad.securityOpt = List.of("apparmor2=x");
        assertTrue(assertThrows(EngineException.class, () -> build(img, bad)).getMessage().contains("apparmor2=x"));
        var wd = RunOptions.of(List.of("sh"));
        wd.workdir = "rel";
        assertTrue(assertThrows(EngineException.class, () -> build(img, wd)).getMessage().contains("absolute"));
    }

    @Test
    void privilegedHasNoMasksNoSeccompAndAllDevices() throws Exception {
        Spec s = build(image(null, null, List.of("sh"), null), opts(List.of(), List.of(), true));
        assertNull(s.linux().seccomp());
        assertEquals(List.of(), s.linux().maskedPaths());
        assertEquals(List.of(), s.linux().readonlyPaths());
        assertTrue(s.linux().resources().devices().getFirst().allow());
        assertTrue(byDest(s).get("/sys").options().contains("rw"));
    }
}
