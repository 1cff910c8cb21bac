package dev.hako.runtime.cli;

import dev.hako.oci.runtime.Resources;

import java.time.Duration;
import java.util.List;

/** The container operations behind the commands; wired to the runtime library's container API. */
final class Actions {
    private final RuntimeCommand g;

    Actions(RuntimeCommand globals) { this.g = globals; }

    private static CliException pending() {
        return new CliException("not wired yet: the container API (dev.hako.runtime.container) is not available");
    }

    int create(CreateOptions o) { throw pending(); }
    int run(CreateOptions o) { throw pending(); }
    int start(String id) { throw pending(); }
    int state(String id) { throw pending(); }
    int pause(String id) { throw pending(); }
    int resume(String id) { throw pending(); }
    int kill(String id, String signal, boolean all) { throw pending(); }
    int delete(String id, boolean force) { throw pending(); }
    int list(String format, boolean quiet) { throw pending(); }
    int ps(String id, String format, List<String> psArgs) { throw pending(); }
    int events(String id, boolean stats, Duration interval) { throw pending(); }
    int exec(ExecCommand cmd) { throw pending(); }
    int update(String id, Resources patch) { throw pending(); }
}
