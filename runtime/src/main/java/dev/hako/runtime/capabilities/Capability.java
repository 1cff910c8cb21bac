package dev.hako.runtime.capabilities;

import java.util.Locale;
import java.util.Optional;

/** Linux capabilities by number (linux/capability.h), up to CAP_CHECKPOINT_RESTORE (40). */
public enum Capability {
    CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP, LINUX_IMMUTABLE,
    NET_BIND_SERVICE, NET_BROADCAST, NET_ADMIN, NET_RAW, IPC_LOCK, IPC_OWNER, SYS_MODULE, SYS_RAWIO,
    SYS_CHROOT, SYS_PTRACE, SYS_PACCT, SYS_ADMIN, SYS_BOOT, SYS_NICE, SYS_RESOURCE, SYS_TIME,
    SYS_TTY_CONFIG, MKNOD, LEASE, AUDIT_WRITE, AUDIT_CONTROL, SETFCAP, MAC_OVERRIDE, MAC_ADMIN, SYSLOG,
    WAKE_ALARM, BLOCK_SUSPEND, AUDIT_READ, PERFMON, BPF, CHECKPOINT_RESTORE;

    /** The capability number (its bit in the capability masks). */
    public int number() { return ordinal(); }

    /** "CAP_NET_ADMIN". */
    public String capName() { return "CAP_" + name(); }

    public long bit() { return 1L << ordinal(); }

    /** Accepts "CAP_NET_ADMIN" (any case, as runc does); empty when unknown. */
    public static Optional<Capability> fromName(String name) {
        if (name == null) return Optional.empty();
        String n = name.toUpperCase(Locale.ROOT);
        if (!n.startsWith("CAP_")) return Optional.empty();
        try {
            return Optional.of(valueOf(n.substring(4)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public static Optional<Capability> fromNumber(int n) {
        return n >= 0 && n < values().length ? Optional.of(values()[n]) : Optional.empty();
    }
}
