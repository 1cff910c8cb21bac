package dev.hako.runtime.capabilities;

import dev.hako.kernel.exec.LaunchPlan;
import dev.hako.oci.runtime.Process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** process.capabilities → the five masks of the launch plan. */
public final class CapabilitySets {
    private CapabilitySets() {}

    /**
     * Unknown names are skipped with a warning, as runc does ("ignoring unknown or unavailable capabilities"),
     * so configs written for a newer kernel still run; capabilities this kernel lacks are dropped the same way.
     */
    public static LaunchPlan.Capabilities translate(Process.Capabilities caps, Consumer<String> warn) {
        if (caps == null) return new LaunchPlan.Capabilities(0, 0, 0, 0, 0);
        int last = lastCap();
        List<String> unknown = new ArrayList<>();
        long b = mask(caps.bounding(), last, unknown);
        long e = mask(caps.effective(), last, unknown);
        long p = mask(caps.permitted(), last, unknown);
        long i = mask(caps.inheritable(), last, unknown);
        long a = mask(caps.ambient(), last, unknown);
        if (!unknown.isEmpty())
            warn.accept("ignoring unknown or unavailable capabilities: " + unknown.stream().distinct().toList());
        // The kernel raises an ambient capability only if it is permitted and inheritable; runc's default
        // config lists ambient capabilities with an empty inheritable set and runc leaves them out silently.
        return new LaunchPlan.Capabilities(b, e, p, i, a & p & i);
    }

    private static long mask(List<String> names, int last, List<String> unknown) {
        long m = 0;
        if (names == null) return 0;
        for (String n : names) {
            var c = Capability.fromName(n);
            if (c.isEmpty() || c.get().number() > last) unknown.add(n);
            else m |= c.get().bit();
        }
        return m;
    }

    /** The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap). */
    public static int lastCap() {
        try {
            return Integer.parseInt(dev.hako.runtime.process.ProcFs.read(Path.of("/proc/sys/kernel/cap_last_cap")).trim());
        } catch (Exception e) {
            return Capability.values().length - 1;
        }
    }

    public static List<String> names(long mask) {
        List<String> out = new ArrayList<>();
        for (Capability c : Capability.values()) if ((mask & c.bit()) != 0) out.add(c.capName());
        return out;
    }
}
