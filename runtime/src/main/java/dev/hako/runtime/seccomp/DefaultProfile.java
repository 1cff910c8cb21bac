package dev.hako.runtime.seccomp;

import dev.hako.oci.Json;
import dev.hako.oci.runtime.Linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Seccomp profiles in Docker's format (also Podman's /usr/share/containers/seccomp.json and what
 * {@code --security-opt seccomp=FILE} takes), resolved to linux.seccomp for one container the way the
 * Docker engine does it:
 * <ul>
 *   <li>architectures: {@code architectures} as given, or the host's {@code archMap} entry plus its
 *       sub-architectures (x86_64 → x86, x32);
 *   <li>a rule with {@code includes.caps} is kept only if every listed capability is in {@code caps}
 *       (Docker passes the bounding set); with {@code excludes.caps}, dropped if any is;
 *   <li>{@code includes.arches}/{@code excludes.arches} compare with the host's Go arch name (amd64, arm64 ...);
 *   <li>{@code includes.minKernel}/{@code excludes.minKernel} ("4.8") compare with the running kernel.
 * </ul>
 * {@link #load} gives Docker's default profile (resource docker-default.json).
 */
public final class DefaultProfile {
    private DefaultProfile() {}

    private static final String RESOURCE = "docker-default.json";

    record Filter(List<String> caps, List<String> arches, String minKernel) {}

    record ArchMap(String architecture, List<String> subArchitectures) {}

    /** {@code name} is the old single-syscall form of {@code names}. */
    record Rule(String name, List<String> names, String action, Integer errnoRet, List<Linux.SeccompArg> args,
                Filter includes, Filter excludes) {}

    record Profile(String defaultAction, Integer defaultErrnoRet, List<String> architectures, List<ArchMap> archMap,
                   List<String> flags, String listenerPath, String listenerMetadata, List<Rule> syscalls) {}

    /** Docker's default profile for a container whose bounding set is {@code caps} (CAP_SYS_ADMIN ...), on this host. */
    public static Linux.Seccomp load(Collection<String> caps) {
        return load(caps, Arch.nativeArch(), System.getProperty("os.version"));
    }

    /** As {@link #load(Collection)} for a host of architecture {@code host} running kernel {@code kernelRelease}. */
    public static Linux.Seccomp load(Collection<String> caps, Arch host, String kernelRelease) {
        return resolve(Holder.PROFILE, caps, host, kernelRelease);
    }

    /** A profile file in Docker's format, resolved for {@code caps} on this host. */
    public static Linux.Seccomp resolve(byte[] profileJson, Collection<String> caps) {
        return resolve(profileJson, caps, Arch.nativeArch(), System.getProperty("os.version"));
    }

    public static Linux.Seccomp resolve(byte[] profileJson, Collection<String> caps, Arch host, String kernelRelease) {
        return resolve(Json.parse(profileJson, Profile.class), caps, host, kernelRelease);
    }

    private static Linux.Seccomp resolve(Profile p, Collection<String> caps, Arch host, String kernelRelease) {
        Set<String> capSet = Set.copyOf(caps);
        List<String> arches = new ArrayList<>();
        boolean listed = p.architectures() != null && !p.architectures().isEmpty();
        if (listed && p.archMap() != null && !p.archMap().isEmpty()) {
            throw new SeccompException("seccomp profile", "has both architectures and archMap");
        }
        if (listed) arches.addAll(p.architectures());
        else if (p.archMap() != null) {
            for (ArchMap m : p.archMap()) {
                if (!host.scmpName().equals(m.architecture())) continue;
                arches.add(m.architecture());
                if (m.subArchitectures() != null) arches.addAll(m.subArchitectures());
            }
        }
        List<Linux.Syscall> out = new ArrayList<>();
        List<Rule> rules = p.syscalls() == null ? List.of() : p.syscalls();
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            List<String> names = new ArrayList<>(r.names() == null ? List.of() : r.names());
            if (r.name() != null && !r.name().isEmpty()) {
                if (!names.isEmpty()) throw new SeccompException("seccomp profile.syscalls[" + i + "]", "has both name and names");
                names.add(r.name());
            }
            if (r.excludes() != null) {
                Filter f = r.excludes();
                if (f.arches() != null && f.arches().contains(host.goArch())) continue;
                if (f.caps() != null && f.caps().stream().anyMatch(capSet::contains)) continue;
                if (f.minKernel() != null && !f.minKernel().isEmpty() && compareKernel(kernelRelease, f.minKernel()) >= 0) continue;
            }
            if (r.includes() != null) {
                Filter f = r.includes();
                if (f.arches() != null && !f.arches().isEmpty() && !f.arches().contains(host.goArch())) continue;
                if (f.caps() != null && !capSet.containsAll(f.caps())) continue;
                if (f.minKernel() != null && !f.minKernel().isEmpty() && compareKernel(kernelRelease, f.minKernel()) < 0) continue;
            }
            out.add(new Linux.Syscall(List.copyOf(names), r.action(), r.errnoRet(),
                    r.args() == null ? null : List.copyOf(r.args())));
        }
        return new Linux.Seccomp(p.defaultAction(), p.defaultErrnoRet(), List.copyOf(arches),
                p.flags() == null ? null : List.copyOf(p.flags()), p.listenerPath(), p.listenerMetadata(), List.copyOf(out));
    }

    // Parsed once (it is a resource), immutable afterwards.
    private static final class Holder {
        static final Profile PROFILE = read();
    }

    private static Profile read() {
        try (InputStream in = DefaultProfile.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("seccomp: missing resource " + RESOURCE);
            return Json.parse(in.readAllBytes(), Profile.class);
        } catch (IOException e) {
            throw new UncheckedIOException("seccomp: cannot read resource " + RESOURCE, e);
        }
    }

    /** Compares "6.18.0-foo" with "4.8" by numeric major.minor[.patch]; missing parts count as 0. */
    static int compareKernel(String release, String min) {
        int[] a = version(release), b = version(min);
        for (int i = 0; i < 3; i++) {
            if (a[i] != b[i]) return Integer.compare(a[i], b[i]);
        }
        return 0;
    }

    private static int[] version(String s) {
        int[] v = new int[3];
        if (s == null) return v;
        int n = 0;
        // Leading numeric components only: "6.18.0-1-amd64" → 6, 18, 0.
        for (String part : s.split("\\.")) {
            if (n == 3) break;
            String digits = part.replaceFirst("^([0-9]*).*$", "$1");
            if (digits.isEmpty()) break;
            v[n++] = Integer.parseInt(digits);
            if (digits.length() != part.length()) break;
        }
        return v;
    }
}
