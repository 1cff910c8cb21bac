package dev.hako.runtime.process;

import java.util.Optional;

/** linux.personality.domain → personality(2) value (linux/personality.h). */
public final class Personality {
    private Personality() {}

    public static final long PER_LINUX = 0x0000, PER_LINUX32 = 0x0008;

    public static Optional<Long> domain(String name) {
        return switch (name) {
            case "LINUX" -> Optional.of(PER_LINUX);
            case "LINUX32" -> Optional.of(PER_LINUX32);
            default -> Optional.empty();
        };
    }
}
