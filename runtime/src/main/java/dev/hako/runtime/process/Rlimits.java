package dev.hako.runtime.process;

import java.util.List;
import java.util.Optional;

/** RLIMIT_* names → resource numbers (asm-generic/resource.h, x86_64 and aarch64). */
public final class Rlimits {
    private Rlimits() {}

    private static final List<String> NAMES = List.of("RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK",
            "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",
            "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO",
            "RLIMIT_RTTIME");

    public static Optional<Integer> number(String name) {
        int i = NAMES.indexOf(name);
        return i < 0 ? Optional.empty() : Optional.of(i);
    }

    public static String name(int resource) { return NAMES.get(resource); }
}
