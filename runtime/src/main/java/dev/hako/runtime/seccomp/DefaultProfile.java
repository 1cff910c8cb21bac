package dev.hako.runtime.seccomp;

import dev.hako.oci.Json;
import dev.hako.oci.runtime.Linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Docker's default seccomp profile (resource docker-default.json), resolved the way the Docker engine
 * resolves it for one container:
 * <ul>
 *   <li>architectures: the host's entry of {@code archMap} plus its sub-architectures (x86_64 → x86, x32);
 *   <li>a rule with {@code includes.caps} is kept only if every listed capability is in {@code caps}
 *       (Docker checks the bounding set); with {@code excludes.caps}, dropped if any is;
 *   <li>{@code includes.arches}/{@code excludes.arches} compare with the host's Go arch name (amd64, arm64 ...);
 *   <li>{@code includes.minKernel} ("4.8") compares with the running kernel's release.
 * </ul>
 */
public final class DefaultProfile {
    private DefaultProfile() {}

    private static final String RESOURCE = "docker-default.json";

    record Filter(List<String> caps, List<String> arches, String minKernel) {}

    record Rule(List<String> names, String action, Integer errnoRet, List<Linux.SeccompArg> args,
                Filter includes, Filter excludes, String comment) {}

    record Profile(String defaultAction, Integer defaultErrnoRet, Map<String, List<String>> archMap, List<Rule> syscalls) {}

    /** The profile for a container whose bounding set is {@code caps} (names like CAP_SYS_ADMIN), on this host. */
    public static Linux.Seccomp load(Collection<String> caps) {
        return load(caps, Arch.nativeArch(), System.getProperty("os.version"));
    }

    /** As {@link #load(Collection)} for a host of architecture {@code host} running kernel {@code kernelRelease}. */
    public static Linux.Seccomp load(Collection<String> caps, Arch host, String kernelRelease) {
        Profile p = read();
        Set<String> capSet = Set.copyOf(caps);
        List<String> arches = new ArrayList<>();
        arches.add(host.scmpName());
        arches.addAll(p.archMap().getOrDefault(host.scmpName(), List.of()));
        List<Linux.Syscall> out = new ArrayList<>();
        for (Rule r : p.syscalls()) {
            if (r.includes() != null) {
                Filter f = r.includes();
                if (f.caps() != null && !capSet.containsAll(f.caps())) continue;
                if (f.arches() != null && !f.arches().isEmpty() && !f.arches().contains(host.goArch())) continue;
                if (f.minKernel() != null && compareKernel(kernelRelease, f.minKernel()) < 0) continue;
            }
            if (r.excludes() != null) {
                Filter f = r.excludes();
                if (f.caps() != null && f.caps().stream().anyMatch(capSet::contains)) continue;
                if (f.arches() != null && f.arches().contains(host.goArch())) continue;
                if (f.minKernel() != null && compareKernel(kernelRelease, f.minKernel()) >= 0) continue;
            }
            out.add(new Linux.Syscall(List.copyOf(r.names()), r.action(), r.errnoRet(), r.args()));
        }
        return new Linux.Seccomp(p.defaultAction(), p.defaultErrnoRet(), List.copyOf(arches), null, null, null, List.copyOf(out));
    }

    private static Profile read() {
        try (InputStream in = DefaultProfile.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("seccomp: missing resource " + RESOURCE);
            return Json.parse(in.readAllBytes(), Profile.class);
        } catch (IOException e) {
            throw new UncheckedIOException("seccomp: cannot read resource " + RESOURCE, e);
        }
    }

    /** Compares "6.18.0-foo" with "4.8" by numeric major.minor[.patch]; unparsable parts count as 0. */
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
