package dev.hako.runtime.cli;

import dev.hako.kernel.SyscallException;
import dev.hako.kernel.exec.LaunchException;
import dev.hako.kernel.exec.Stdio;
import dev.hako.oci.OciException;
import dev.hako.oci.runtime.Process;
import dev.hako.oci.runtime.Resources;
import dev.hako.runtime.cgroups.CgroupException;
import dev.hako.runtime.config.ConfigException;
import dev.hako.runtime.container.ContainerException;
import dev.hako.runtime.container.ContainerInfo;
import dev.hako.runtime.container.ExecOptions;
import dev.hako.runtime.container.Runtime;
import dev.hako.runtime.state.ContainerRecord;
import dev.hako.runtime.state.StateStore;
import dev.hako.runtime.state.Status;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static dev.hako.runtime.cli.JsonText.obj;

/**
 * The container operations behind the commands: calls the runtime library ({@link Runtime}) and prints what
 * runc prints. Library errors become {@link CliException}s with the library's (runc-worded) message.
 */
final class Actions {
    private final Globals g;
    private final PrintStream out;

    Actions(Globals globals) {
        this.g = globals;
        this.out = globals.out();
    }

    private Runtime runtime() {
        RuntimeLog log = g.log();
        return new Runtime(g.root(), log::warn, g.caller().umask());   // pid files under the caller's umask
    }

    /** Runs a library call, turning its exceptions into the CLI's. */
    private static <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (ContainerException e) {
            throw new CliException(e.getMessage(), e.exitCode(), e);
        } catch (ConfigException | LaunchException | CgroupException | OciException | SyscallException e) {
            throw new CliException(e.getMessage(), e);
        }
    }

    private static int perform(Runnable action) {
        return call(() -> {
            action.run();
            return 0;
        });
    }

    private dev.hako.runtime.container.CreateOptions libraryOptions(CreateOptions o) {
        return new dev.hako.runtime.container.CreateOptions(emptyToNull(o.consoleSocket()),
                o.pidFile() == null || o.pidFile().isEmpty() ? null : g.path(o.pidFile()),
                o.preserveFds(), o.noPivot(), o.noNewKeyring(), Stdio.inherit());
    }

    int create(CreateOptions o) {
        return perform(() -> runtime().create(o.id(), o.bundlePath(g.caller()), libraryOptions(o)));
    }

    int run(CreateOptions o) {
        return call(() -> runtime().run(o.id(), o.bundlePath(g.caller()), libraryOptions(o), o.detach(), o.keep()));
    }

    int start(String id) { return perform(() -> runtime().start(id)); }

    int pause(String id) { return perform(() -> runtime().pause(id)); }

    int resume(String id) { return perform(() -> runtime().resume(id)); }

    int delete(String id, boolean force) { return perform(() -> runtime().delete(id, force)); }

    int kill(String id, String signal, boolean all) {
        int sig;
        try {
            sig = signal == null ? 15 : Signals.parse(signal);
        } catch (IllegalArgumentException e) {
            // runc looks the container up first: an unknown container wins over an unknown signal
            call(() -> runtime().state(id));
            throw new CliException(e.getMessage());
        }
        return perform(() -> runtime().kill(id, sig, all));
    }

    int update(String id, Resources patch) { return perform(() -> runtime().update(id, patch)); }

    /** runc state: the JSON with two-space indent and no trailing newline. */
    int state(String id) {
        ContainerInfo i = call(() -> runtime().state(id));
        out.print(JsonText.indented(stateJson(i, i.owner()), "  "));
        out.flush();
        return 0;
    }

    /** runc's containerState field order; annotations omitted when empty. */
    static Map<String, Object> stateJson(ContainerInfo i, String owner) {
        Map<String, Object> m = obj("ociVersion", i.ociVersion(), "id", i.id(), "pid", i.pid(),
                "status", i.status().ociName(), "bundle", i.bundle(), "rootfs", i.rootfs(), "created", i.created());
        if (i.annotations() != null && !i.annotations().isEmpty()) m.put("annotations", i.annotations());
        m.put("owner", owner == null ? "" : owner);
        return m;
    }

    int list(String format, boolean quiet) {
        List<ContainerInfo> all = call(() -> runtime().list());
        if (quiet) {
            for (ContainerInfo i : all) out.println(i.id());
            return 0;
        }
        if (format.equals("json")) {
            if (all.isEmpty()) {
                out.println("null");
            } else {
                List<Object> items = new ArrayList<>();
                for (ContainerInfo i : all) items.add(stateJson(i, owner(i)));
                out.println(JsonText.compact(items));
            }
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"});
        for (ContainerInfo i : all) {
            rows.add(new String[]{i.id(), Integer.toString(i.pid()), i.status().ociName(), i.bundle(), i.created(), owner(i)});
        }
        out.print(table(rows));
        return 0;
    }

    /** The owner runc's list shows: the user owning the container's state directory. */
    private String owner(ContainerInfo i) {
        if (i.owner() != null && !i.owner().isEmpty()) return i.owner();
        try {
            return Files.getOwner(g.root().resolve(i.id())).getName();
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }

    /** Go's tabwriter as runc uses it (minwidth 12, padding 3); the last column is not padded. */
    static String table(List<String[]> rows) {
        int cols = rows.getFirst().length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols - 1; c++) width[c] = Math.max(width[c], Math.max(12, r[c].length() + 3));
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            for (int c = 0; c < cols; c++) {
                sb.append(r[c]);
                if (c < cols - 1) sb.append(" ".repeat(width[c] - r[c].length()));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** runc ps: `ps` on the host (default -ef), keeping the header and the lines of the container's pids. */
    int ps(String id, String format, List<String> psArgs) {
        List<Long> pids = call(() -> runtime().pids(id));
        if (format.equals("json")) {
            out.println(JsonText.compact(pids));
            return 0;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add("ps");
        cmd.addAll(psArgs.isEmpty() ? List.of("-ef") : psArgs);
        String output;
        try {
            var p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.waitFor();
            if (code != 0) throw new CliException(String.join(" ", cmd) + ": exit status " + code + ": " + output.strip());
        } catch (IOException e) {
            throw new CliException("exec: \"ps\": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
        out.print(filterPs(output, new HashSet<>(pids)));
        return 0;
    }

    /** Keeps the header and the lines whose PID column is one of {@code pids}. */
    static String filterPs(String psOutput, Set<Long> pids) {
        String[] lines = psOutput.split("\n");
        if (lines.length == 0) return "";
        String[] header = lines[0].trim().split("\\s+");
        int pidIndex = -1;
        for (int i = 0; i < header.length; i++) if (header[i].equals("PID")) { pidIndex = i; break; }
        if (pidIndex < 0) throw new CliException("couldn't find PID field in ps output");
        StringBuilder sb = new StringBuilder(lines[0]).append('\n');
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            String[] f = lines[i].trim().split("\\s+");
            if (f.length <= pidIndex) continue;
            try {
                if (pids.contains(Long.parseLong(f[pidIndex]))) sb.append(lines[i]).append('\n');
            } catch (NumberFormatException e) {
                throw new CliException("unexpected pid '" + f[pidIndex] + "': " + e.getMessage());
            }
        }
        return sb.toString();
    }

    /** runc events: one stats event with --stats, else one per interval until the container is gone. */
    int events(String id, boolean stats, Duration interval) {
        Runtime rt = runtime();
        if (stats) {
            printStats(rt, id);
            return 0;
        }
        while (true) {
            ContainerInfo i;
            try {
                i = rt.state(id);
            } catch (ContainerException e) {
                return 0;   // deleted: the stream ends
            }
            if (i.status() == Status.STOPPED) return 0;
            try {
                printStats(rt, id);
            } catch (CliException e) {
                g.log().warn(e.getMessage());
            }
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            }
        }
    }

    private void printStats(Runtime rt, String id) {
        var s = call(() -> rt.stats(id));
        out.println(JsonText.compact(obj("type", "stats", "id", id, "data", s.runcJson())));
        out.flush();
    }

    /** runc exec: the container's process changed by the flags (or process.json); waits unless --detach. */
    int exec(ExecCommand c) {
        String id = c.args.getFirst();
        Process base = null;
        if (c.process == null) {
            if (!StateStore.validId(id)) throw new CliException("invalid container id format: " + id);
            ContainerRecord r = call(() -> new StateStore(g.root()).read(id))
                    .orElseThrow(() -> new CliException("container does not exist"));
            base = r.config() == null ? null : r.config().process();
        }
        Process p = c.process(base);
        var o = new ExecOptions(emptyToNull(c.consoleSocket),
                c.pidFile == null || c.pidFile.isEmpty() ? null : g.path(c.pidFile),
                c.preserveFds, c.detach, c.ignorePaused, Stdio.inherit(), c.cgroups);
        return call(() -> runtime().exec(id, p, o));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
