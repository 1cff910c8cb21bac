package dev.hako.runtime.cgroups;

import dev.hako.oci.runtime.Linux;
import dev.hako.oci.runtime.Resources;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Device access rules: the list a container gets (runc's semantics) and the v1 devices-cgroup
 * state it amounts to.
 *
 * <p>runc appends to the config's linux.resources.devices an "rwm" allow for every
 * linux.devices entry and then a fixed allow-list (mknod of any char/block device, null, zero,
 * full, random, urandom, tty, ptmx, /dev/pts/*, tun). Rules are applied in order with the
 * kernel's v1 semantics, so a leading "deny all" (what docker/podman send) makes it an allow-list.
 */
public final class DeviceRules {

    /** One rule. type is 'a' (all), 'c' or 'b'; major/minor -1 = wildcard; access a subset of "rwm". */
    public record Rule(char type, long major, long minor, String access, boolean allow) {
        public Rule {
            if (type != 'a' && type != 'c' && type != 'b') throw new CgroupException("invalid device type '" + type + "'");
            access = normalizeAccess(access);
        }

        /** The devices.allow / devices.deny line: "c 1:3 rwm", "a *:* rwm". */
        public String v1Line() {
            if (type == 'a') return "a *:* rwm";
            return type + " " + (major < 0 ? "*" : Long.toString(major)) + ":" + (minor < 0 ? "*" : Long.toString(minor))
                    + " " + access;
        }

        Key key() { return new Key(type, major, minor); }
    }

    record Key(char type, long major, long minor) {}

    /** The kernel's v1 model: a default (allow everything or deny everything) plus exceptions to it. */
    public record V1State(boolean defaultAllow, List<Rule> exceptions) {
        /** What devices.list prints for this state. */
        public Set<String> listLines() {
            Set<String> out = new LinkedHashSet<>();
            if (defaultAllow) out.add("a *:* rwm");
            else for (Rule r : exceptions) out.add(r.v1Line());
            return out;
        }
    }

    public static final List<Rule> DEFAULT_ALLOWED = List.of(
            new Rule('c', -1, -1, "m", true),
            new Rule('b', -1, -1, "m", true),
            new Rule('c', 1, 3, "rwm", true),    // /dev/null
            new Rule('c', 1, 8, "rwm", true),    // /dev/random
            new Rule('c', 1, 7, "rwm", true),    // /dev/full
            new Rule('c', 5, 0, "rwm", true),    // /dev/tty
            new Rule('c', 1, 5, "rwm", true),    // /dev/zero
            new Rule('c', 1, 9, "rwm", true),    // /dev/urandom
            new Rule('c', 136, -1, "rwm", true), // /dev/pts/*
            new Rule('c', 5, 2, "rwm", true),    // /dev/ptmx
            new Rule('c', 10, 200, "rwm", true)  // /dev/net/tun
    );

    private DeviceRules() {}

    /** A spec rule as a {@link Rule}; a missing type means 'a', missing major/minor mean wildcard. */
    public static Rule of(Resources.DeviceRule r) {
        String t = r.type() == null || r.type().isEmpty() ? "a" : r.type();
        if (t.length() != 1) throw new CgroupException("invalid device rule type \"" + t + "\"");
        return new Rule(t.charAt(0), r.major() == null ? -1 : r.major(), r.minor() == null ? -1 : r.minor(),
                r.access() == null || r.access().isEmpty() ? "rwm" : r.access(), r.allow());
    }

    /**
     * The rules a container's device cgroup gets: the spec's rules, then rwm for each of
     * linux.devices, then {@link #DEFAULT_ALLOWED} (as runc does). Either list may be null.
     */
    public static List<Rule> effective(List<Resources.DeviceRule> specRules, List<Linux.Device> devices) {
        List<Rule> out = new ArrayList<>();
        if (specRules != null) for (Resources.DeviceRule r : specRules) out.add(of(r));
        if (devices != null) {
            for (Linux.Device d : devices) {
                String t = d.type();
                char type = t == null || t.isEmpty() ? 'c' : (t.charAt(0) == 'u' ? 'c' : t.charAt(0));
                if (type == 'p') continue; // fifos are not device-cgroup controlled
                out.add(new Rule(type, d.major() == null ? -1 : d.major(), d.minor() == null ? -1 : d.minor(), "rwm", true));
            }
        }
        out.addAll(DEFAULT_ALLOWED);
        return out;
    }

    /** Replays the rules with the kernel's v1 semantics (devcgroup_update_access) from "allow all". */
    public static V1State emulate(Collection<Rule> rules) {
        boolean defaultAllow = true;
        Map<Key, String> exceptions = new LinkedHashMap<>();
        for (Rule r : rules) {
            if (r.type() == 'a') {
                // "a" resets: the behaviour becomes allow/deny and the exception list is cleared.
                defaultAllow = r.allow();
                exceptions.clear();
                continue;
            }
            if (r.allow() != defaultAllow) {
                exceptions.merge(r.key(), r.access(), (x, y) -> normalizeAccess(x + y));
            } else {
                String cur = exceptions.get(r.key());
                if (cur == null) continue;
                StringBuilder left = new StringBuilder();
                for (char c : cur.toCharArray()) if (r.access().indexOf(c) < 0) left.append(c);
                if (left.isEmpty()) exceptions.remove(r.key());
                else exceptions.put(r.key(), left.toString());
            }
        }
        List<Rule> ex = new ArrayList<>();
        for (var e : exceptions.entrySet()) {
            ex.add(new Rule(e.getKey().type(), e.getKey().major(), e.getKey().minor(), e.getValue(), !defaultAllow));
        }
        return new V1State(defaultAllow, ex);
    }

    static String normalizeAccess(String access) {
        if (access == null || access.isEmpty()) return "rwm";
        StringBuilder b = new StringBuilder();
        for (char c : "rwm".toCharArray()) if (access.indexOf(c) >= 0) b.append(c);
        for (char c : access.toCharArray()) {
            if ("rwm".indexOf(c) < 0) throw new CgroupException("invalid device access \"" + access + "\" (use r, w, m)");
        }
        return b.toString();
    }
}
