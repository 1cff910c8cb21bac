package dev.hako.runtime.hooks;

import dev.hako.kernel.exec.LaunchPlan;
import dev.hako.oci.runtime.Hooks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs runtime-spec POSIX hooks from Java (prestart, createRuntime, poststart, poststop: the ones that run
 * in the runtime's namespace) and turns the in-container ones (createContainer, startContainer) into
 * launch-plan hooks the executor runs. Each hook gets the container state JSON on stdin, exactly its
 * configured env, and is killed when its timeout passes.
 */
public final class HookRunner {
    private HookRunner() {}

    /** The phases, with their config.json names. */
    public enum Phase {
        PRESTART("prestart"), CREATE_RUNTIME("createRuntime"), CREATE_CONTAINER("createContainer"),
        START_CONTAINER("startContainer"), POSTSTART("poststart"), POSTSTOP("poststop");

        private final String field;

        Phase(String field) { this.field = field; }

        public String field() { return field; }

        /** The hooks configured for this phase (never null). */
        public List<Hooks.Hook> of(Hooks hooks) {
            if (hooks == null) return List.of();
            List<Hooks.Hook> l = switch (this) {
                case PRESTART -> hooks.prestart();
                case CREATE_RUNTIME -> hooks.createRuntime();
                case CREATE_CONTAINER -> hooks.createContainer();
                case START_CONTAINER -> hooks.startContainer();
                case POSTSTART -> hooks.poststart();
                case POSTSTOP -> hooks.poststop();
            };
            return l == null ? List.of() : l;
        }
    }

    /** Runs the phase's hooks in order; the first failure stops the phase and is thrown. */
    public static void run(Phase phase, Hooks hooks, String stateJson) {
        List<Hooks.Hook> list = phase.of(hooks);
        for (int i = 0; i < list.size(); i++) runOne(phase.field() + "[" + i + "]", list.get(i), stateJson);
    }

    /**
     * Runs the phase's hooks in order; a failure is reported to {@code warn} and the next hook still runs
     * (runtime-spec: poststart and poststop failures are warnings).
     */
    public static void runWarning(Phase phase, Hooks hooks, String stateJson, Consumer<String> warn) {
        List<Hooks.Hook> list = phase.of(hooks);
        for (int i = 0; i < list.size(); i++) {
            try {
                runOne(phase.field() + "[" + i + "]", list.get(i), stateJson);
            } catch (HookException e) {
                warn.accept(e.getMessage());
            }
        }
    }

    /** Hooks the executor runs inside the container (createContainer, startContainer). */
    public static List<LaunchPlan.HookPlan> plans(Phase phase, Hooks hooks, String stateJson) {
        List<LaunchPlan.HookPlan> out = new ArrayList<>();
        for (Hooks.Hook h : phase.of(hooks))
            out.add(new LaunchPlan.HookPlan(h.path(), argv(h), h.env() == null ? List.of() : List.copyOf(h.env()),
                    h.timeout() == null ? 0 : h.timeout(), stateJson));
        return out;
    }

    private static List<String> argv(Hooks.Hook h) {
        return h.args() == null || h.args().isEmpty() ? List.of(h.path()) : List.copyOf(h.args());
    }

    static void runOne(String name, Hooks.Hook h, String stateJson) {
        String what = name + " " + h.path();
        // args[0] is argv[0] (execv semantics); ProcessBuilder runs command[0], so the path goes first.
        List<String> cmd = new ArrayList<>();
        cmd.add(h.path());
        List<String> args = argv(h);
        cmd.addAll(args.subList(1, args.size()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        if (h.env() != null)
            for (String e : h.env()) {
                int eq = e.indexOf('=');
                if (eq > 0) pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
            }
        pb.redirectErrorStream(true);
        java.lang.Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new HookException("hook " + what + ": cannot run: " + e.getMessage(), e);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> copy(p.getInputStream(), output));
        try (OutputStream in = p.getOutputStream()) {
            in.write(stateJson.getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // the hook need not read its stdin
        }
        try {
            boolean done = h.timeout() != null && h.timeout() > 0
                    ? p.waitFor(h.timeout(), TimeUnit.SECONDS) : p.waitFor() >= Integer.MIN_VALUE;
            if (!done) {
                killTree(p.toHandle());
                p.waitFor();
                reader.join(1000);
                throw new HookException("hook " + what + ": timed out after " + h.timeout() + "s (killed)" + tail(output));
            }
            reader.join(5000);
            int code = p.exitValue();
            if (code != 0) throw new HookException("hook " + what + ": exit status " + code + tail(output));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new HookException("hook " + what + ": interrupted", e);
        }
    }

    /**
     * Kills a hook and everything it started: stop them all first (a stopped process can't fork or go on
     * to its next command), then SIGKILL. Killing children before the parent would let a shell script
     * run its next line.
     */
    static void killTree(ProcessHandle root) {
        final int sigkill = 9, sigstop = 19;
        java.util.LinkedHashSet<ProcessHandle> all = new java.util.LinkedHashSet<>();
        all.add(root);
        signal(root, sigstop);
        for (int round = 0; round < 5; round++) {
            List<ProcessHandle> found = new ArrayList<>();
            for (ProcessHandle h : List.copyOf(all)) h.descendants().forEach(found::add);
            boolean grew = false;
            for (ProcessHandle d : found) if (all.add(d)) { signal(d, sigstop); grew = true; }
            if (!grew) break;
        }
        for (ProcessHandle h : all) signal(h, sigkill);
    }

    private static void signal(ProcessHandle h, int sig) {
        try (dev.hako.kernel.Pidfd fd = dev.hako.kernel.Pidfd.open((int) h.pid())) {
            fd.signal(sig);
        } catch (RuntimeException e) {
            h.destroyForcibly(); // gone already, or no pidfd: best effort
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] b = new byte[4096];
        try {
            for (int n; (n = in.read(b)) > 0; ) synchronized (out) { if (out.size() < 65536) out.write(b, 0, n); }
        } catch (IOException ignored) {
            // the hook was killed
        }
    }

    private static String tail(ByteArrayOutputStream out) {
        String s;
        synchronized (out) { s = out.toString(StandardCharsets.UTF_8).strip(); }
        if (s.isEmpty()) return "";
        if (s.length() > 2000) s = "..." + s.substring(s.length() - 2000);
        return ", output: " + s;
    }
}
