package dev.hako.runtime.seccomp;

import java.util.Optional;

/**
 * The architectures of linux.seccomp.architectures. Those with a syscall table (x86_64, x86, x32,
 * aarch64, arm) are compiled; the others are accepted by name but can't be filtered (no table) and are
 * left to the bad-arch action, which only matters on a host that runs their binaries.
 */
public enum Arch {
    X86_64("SCMP_ARCH_X86_64", 0xC000003E, "x86_64", 64, "amd64"),
    X86("SCMP_ARCH_X86", 0x40000003, "x86", 32, "386"),
    // x32 shares AUDIT_ARCH_X86_64; its syscall numbers carry __X32_SYSCALL_BIT. libseccomp compares
    // x32 arguments as 32-bit values; so do we.
    X32("SCMP_ARCH_X32", 0xC000003E, "x32", 32, "x32"),
    AARCH64("SCMP_ARCH_AARCH64", 0xC00000B7, "aarch64", 64, "arm64"),
    ARM("SCMP_ARCH_ARM", 0x40000028, "arm", 32, "arm"),
    MIPS("SCMP_ARCH_MIPS", 0, null, 32, "mips"),
    MIPS64("SCMP_ARCH_MIPS64", 0, null, 64, "mips64"),
    MIPS64N32("SCMP_ARCH_MIPS64N32", 0, null, 32, "mips64n32"),
    MIPSEL("SCMP_ARCH_MIPSEL", 0, null, 32, "mipsle"),
    MIPSEL64("SCMP_ARCH_MIPSEL64", 0, null, 64, "mips64le"),
    MIPSEL64N32("SCMP_ARCH_MIPSEL64N32", 0, null, 32, "mips64len32"),
    PPC("SCMP_ARCH_PPC", 0, null, 32, "ppc"),
    PPC64("SCMP_ARCH_PPC64", 0, null, 64, "ppc64"),
    PPC64LE("SCMP_ARCH_PPC64LE", 0, null, 64, "ppc64le"),
    S390("SCMP_ARCH_S390", 0, null, 32, "s390"),
    S390X("SCMP_ARCH_S390X", 0, null, 64, "s390x"),
    PARISC("SCMP_ARCH_PARISC", 0, null, 32, "parisc"),
    PARISC64("SCMP_ARCH_PARISC64", 0, null, 64, "parisc64"),
    RISCV64("SCMP_ARCH_RISCV64", 0, null, 64, "riscv64"),
    LOONGARCH64("SCMP_ARCH_LOONGARCH64", 0, null, 64, "loong64");

    /** __X32_SYSCALL_BIT: set in seccomp_data.nr for x32 syscalls (arch is AUDIT_ARCH_X86_64). */
    static final int X32_SYSCALL_BIT = 0x40000000;

    private final String scmpName;
    private final int auditArch;
    private final String table;
    private final int argBits;
    private final String goArch;

    Arch(String scmpName, int auditArch, String table, int argBits, String goArch) {
        this.scmpName = scmpName;
        this.auditArch = auditArch;
        this.table = table;
        this.argBits = argBits;
        this.goArch = goArch;
    }

    /** The linux.seccomp name, e.g. SCMP_ARCH_X86_64. */
    public String scmpName() { return scmpName; }

    /** AUDIT_ARCH_* as the kernel puts it in seccomp_data.arch (0 when unsupported). */
    public int auditArch() { return auditArch; }

    /** The resource name of the syscall table, or null when hako has none for this architecture. */
    String tableName() { return table; }

    public boolean supported() { return table != null; }

    /** Width of argument comparisons: 32-bit ABIs compare only the low halves, as libseccomp does. */
    int argBits() { return argBits; }

    /** Go's GOARCH name, which Docker's profile uses in includes/excludes "arches". */
    public String goArch() { return goArch; }

    public static Optional<Arch> byScmpName(String name) {
        for (Arch a : values()) if (a.scmpName.equals(name)) return Optional.of(a);
        return Optional.empty();
    }

    /** The architecture of this JVM's host (os.arch). */
    public static Arch nativeArch() {
        String a = System.getProperty("os.arch");
        return switch (a) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            case "x86", "i386", "i686" -> X86;
            case "arm" -> ARM;
            case "riscv64" -> RISCV64;
            case "ppc64le" -> PPC64LE;
            case "s390x" -> S390X;
            case "loongarch64" -> LOONGARCH64;
            default -> throw new IllegalStateException("seccomp: unknown host architecture os.arch=" + a);
        };
    }
}
