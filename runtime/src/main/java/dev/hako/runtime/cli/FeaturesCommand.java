package dev.hako.runtime.cli;

import dev.hako.runtime.capabilities.Capability;
import dev.hako.runtime.namespaces.NamespaceType;
import dev.hako.runtime.seccomp.SeccompCompiler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static dev.hako.runtime.cli.JsonText.obj;

/** `features`: what this runtime supports, in the shape of runc's features JSON (runtime-spec features.md). */
public final class FeaturesCommand implements CommandSpec.Command {
    static final CommandSpec SPEC = new CommandSpec("features", "show the enabled features", "[arguments...]",
            """
            Show the enabled features.
            The result is parsable as a JSON.""", List.of(), true, FeaturesCommand::new);

    final Globals g;

    FeaturesCommand(Globals g, ParsedArgs a) {
        this.g = g;
    }

    /** Mount options the rootfs code understands (flags, propagation, recursive attributes, extensions). */
    static final List<String> MOUNT_OPTIONS = List.of(
            "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "idmap", "iversion",
            "lazytime", "loud", "mand", "noatime", "nodev", "nodiratime", "noexec", "noiversion", "nolazytime",
            "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow", "private", "ratime", "rbind",
            "rdev", "rdiratime", "relatime", "remount", "rexec", "ridmap", "rnoatime", "rnodev", "rnodiratime",
            "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime",
            "rro", "rrw", "rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw",
            "shared", "silent", "slave", "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable");

    @Override
    public int execute() {
        g.out().println(JsonText.indented(features(), "    "));
        return 0;
    }

    static Map<String, Object> features() {
        var namespaces = new TreeSet<String>();
        for (NamespaceType t : NamespaceType.values()) namespaces.add(t.ociName());
        List<String> caps = new ArrayList<>();
        for (Capability c : Capability.values()) caps.add(c.capName());
        return obj(
                "ociVersionMin", "1.0.0",
                "ociVersionMax", DefaultSpec.OCI_VERSION,
                "hooks", List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"),
                "mountOptions", MOUNT_OPTIONS,
                "linux", obj(
                        "namespaces", List.copyOf(namespaces),
                        "capabilities", caps,
                        "cgroup", obj("v1", true, "v2", true, "systemd", false, "systemdUser", false),
                        // what the seccomp compiler accepts (it compiles BPF itself: no libseccomp)
                        "seccomp", obj("enabled", true, "actions", SeccompCompiler.KNOWN_ACTIONS,
                                "operators", SeccompCompiler.KNOWN_OPERATORS, "archs", SeccompCompiler.SUPPORTED_ARCHES,
                                "knownFlags", SeccompCompiler.KNOWN_FLAGS, "supportedFlags", SeccompCompiler.KNOWN_FLAGS),
                        "apparmor", obj("enabled", false),
                        "selinux", obj("enabled", false),
                        "intelRdt", obj("enabled", false),
                        "mountExtensions", obj("idmap", obj("enabled", true))),
                "annotations", obj(
                        "org.opencontainers.runc.checkpoint.enabled", "false",
                        "dev.hako.runtime.version", Main.VERSION));
    }
}
