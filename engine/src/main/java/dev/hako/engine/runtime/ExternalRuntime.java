package dev.hako.engine.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hako.engine.EngineException;
import dev.hako.engine.logs.JsonFileLog;
import dev.hako.engine.logs.LogEntry;
import dev.hako.kernel.Errno;
import dev.hako.kernel.exec.Executor;
import dev.hako.kernel.exec.Launch;
import dev.hako.kernel.exec.LaunchException;
import dev.hako.kernel.exec.LaunchPlan;
import dev.hako.kernel.exec.Stdio;
import dev.hako.kernel.exec.Supervision;
import dev.hako.oci.Json;
import dev.hako.oci.runtime.Process;
import dev.hako.runtime.container.ContainerException;
import dev.hako.runtime.container.ContainerInfo;
import dev.hako.runtime.container.ExecOptions;
import dev.hako.runtime.state.Status;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Another OCI runtime binary (runc, crun, a path) running a hako container, as docker's --runtime: the monitor
 * stays hako's (logs, exit file), its "init" is {@code <runtime> run --bundle <dir> <id>} in the foreground (a plan
 * with no namespaces and no root change; the runtime relays signals and exits with the container's status), and
 * kill/state/delete/pause/exec go to the runtime's own commands with its own --root under the engine's run root.
 */
public final class ExternalRuntime implements ContainerRuntime {
    private static final Pattern EXEC_FAILURE = Pattern.compile("exec: \\\\?\"([^\"\\\\]*)\\\\?\": (executable file not found in \\$PATH|no such file or directory|permission denied)");
    private static final Pattern LOGRUS_MSG = Pattern.compile("msg=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final String name;
    private final String binary;
    private final Path root;

    private ExternalRuntime(String name, String binary, Path root) {
        this.name = name;
        this.binary = binary;
        this.root = root;
    }

    /**
     * @param name       runc, crun (looked up on PATH) or an absolute path of a runtime binary
     * @param runRoot    the engine's volatile root; the runtime keeps its state in runRoot/&lt;name&gt;
     * @param searchPath the user's PATH, where a name is looked up (null: the default PATH)
     */
    public static ExternalRuntime of(String name, Path runRoot, String searchPath) {
        String binary = resolve(name, searchPath);
        String dirName = Path.of(binary).getFileName().toString();
        if (dirName.equals("runtime")) dirName = "runtime-ext";  // the built-in runtime's state dir
        return new ExternalRuntime(name, binary, runRoot.resolve(dirName));
    }

    /**
     * The runtime binary for a --runtime value, a name looked up on {@code searchPath} (the user's PATH: the CLI
     * service's own is not its caller's); docker's error when there is none.
     */
    public static String resolve(String name, String searchPath) {
        if (name.startsWith("/")) {
            Path p = Path.of(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p.toString();
            throw new EngineException("unknown or invalid runtime name: " + name);
        }
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) throw new EngineException("unknown or invalid runtime name: " + name);
        for (String dir : (searchPath == null ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" : searchPath).split(":")) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p.toString();
        }
        throw new EngineException("unknown or invalid runtime name: " + name);
    }

    public String name() { return name; }

    public Path root() { return root; }

    // ---------------------------------------------------------------- create

    @Override
    public void create(String id, Path dir, Stdio stdio) {
        var process = new LaunchPlan.ProcessPlan(
                List.of(binary, "--root", root.toString(), "run", "--bundle", dir.toString(), id),
                List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), "/", 0, 0, List.of(),
                null, List.of(), null, false, null, null, null, null, null, false, null, null);
        // EXEC mode with nothing to join: a plain fork + exec under the monitor, in the host's namespaces
        var plan = new LaunchPlan(LaunchPlan.Mode.EXEC, List.of(), List.of(), List.of(), false, List.of(), null, List.of(),
                List.of(), null, null, process, null, null, List.of(), List.of(), 0);
        try (Launch launch = Executor.launch(plan, stdio, Supervision.MONITOR)) {
            launch.proceed();
            launch.awaitReady();
        }
        awaitRunning(id, dir);
    }

    /** The runtime is running once its state says so; if it exited first, its own error tells why. */
    private void awaitRunning(String id, Path dir) {
        Path exit = dir.resolve("exit");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            if (Files.exists(exit)) {
                failureFromLog(dir);
                return; // it ran and is already done
            }
            try {
                Status s = state(id).status();
                if (s == Status.RUNNING || s == Status.PAUSED) return;
            } catch (RuntimeException e) {
                // not there yet
            }
            sleep(5);
        }
        throw new ContainerException(name + " did not start container " + id + " within 30s");
    }

    /** runc's "exec: \"x\": executable file not found in $PATH" as the built-in runtime's failed exec step. */
    private static void failureFromLog(Path dir) {
        String code;
        try {
            code = Files.readString(dir.resolve("exit")).trim();
        } catch (IOException e) {
            return;
        }
        if (code.equals("0")) return;
        for (LogEntry e : new JsonFileLog(dir.resolve("ctr.log")).readFrom(0).entries()) {
            if (!e.stderr()) continue;
            Matcher m = EXEC_FAILURE.matcher(e.log());
            if (m.find() && (e.log().contains("unable to start container process") || e.log().contains("exec failed"))) {
                try {
                    Files.deleteIfExists(dir.resolve("exit"));
                } catch (IOException ex) {
                    // the state stays "created" anyway
                }
                int errno = m.group(2).equals("permission denied") ? Errno.EACCES : Errno.ENOENT;
                throw new LaunchException("exec", m.group(1), errno, m.group(2));
            }
        }
    }

    @Override
    public void start(String id) { /* `run` created and started it */ }

    // ---------------------------------------------------------------- state / signals / delete

    @Override
    public ContainerInfo state(String id) {
        JsonNode s;
        try {
            s = Json.mapper().readTree(call("state", id).stdout);
        } catch (IOException e) {
            throw new ContainerException(name + " state " + id + ": " + e.getMessage(), 1, e);
        }
        Status status = switch (s.path("status").asText()) {
            case "creating" -> Status.CREATING;
            case "created" -> Status.CREATED;
            case "running" -> Status.RUNNING;
            case "paused" -> Status.PAUSED;
            default -> Status.STOPPED;
        };
        Map<String, String> annotations = new LinkedHashMap<>();
        s.path("annotations").properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
        return new ContainerInfo(s.path("ociVersion").asText(), id, status == Status.STOPPED ? 0 : s.path("pid").asInt(),
                status, s.path("bundle").asText(), s.path("rootfs").asText(), s.path("created").asText(),
                s.path("owner").asText(), annotations);
    }

    @Override
    public void kill(String id, int signal, boolean all) {
        if (all) call("kill", "--all", id, Integer.toString(signal));
        else call("kill", id, Integer.toString(signal));
    }

    @Override
    public void delete(String id, boolean force) {
        Result r = run(force ? List.of("delete", "--force", id) : List.of("delete", id));
        if (r.code != 0 && !(force && r.error().contains("does not exist"))) throw new ContainerException(r.error());
    }

    @Override public void pause(String id) { call("pause", id); }

    @Override public void resume(String id) { call("resume", id); }

    // ---------------------------------------------------------------- exec

    @Override
    public int exec(String id, Process process, ExecOptions o) {
        Path spec;
        try {
            Files.createDirectories(root);
            spec = Files.createTempFile(root, "exec-" + id.substring(0, Math.min(12, id.length())) + "-", ".json");
        } catch (IOException e) {
            throw new ContainerException("exec: write the process spec under " + root + ": " + e.getMessage(), 1, e);
        }
        try {
            Json.writeAtomic(spec, process);
            List<String> cmd = new ArrayList<>(List.of(binary, "--root", root.toString(), "exec", "--process", spec.toString()));
            if (o.detach()) cmd.add("--detach");
            cmd.add(id);
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.redirectInput(redirect(o.stdio().in(), true));
            pb.redirectOutput(redirect(o.stdio().out(), false));
            // stderr is read here: runc's own error for a missing command becomes docker's 127/126
            pb.redirectError(ProcessBuilder.Redirect.PIPE);
            java.lang.Process p = pb.start();
            ByteArrayOutputStream tail = new ByteArrayOutputStream();
            boolean forward = !(o.stdio().err() instanceof Stdio.Null);
            Thread copier = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), forward ? new java.io.FileOutputStream(java.io.FileDescriptor.err) : OutputStream.nullOutputStream(), tail));
            int code = p.waitFor();
            copier.join();
            if (code == 255 || code == 1) {
                Matcher m = EXEC_FAILURE.matcher(tail.toString(StandardCharsets.UTF_8));
                if (m.find()) throw new LaunchException("exec", m.group(1), m.group(2).equals("permission denied") ? Errno.EACCES : Errno.ENOENT, m.group(2));
            }
            return code;
        } catch (IOException e) {
            throw new ContainerException(name + " exec: " + e.getMessage(), 1, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerException("interrupted");
        } finally {
            try {
                Files.deleteIfExists(spec);
            } catch (IOException e) {
                // a stale process spec in the runtime's dir harms nothing
            }
        }
    }

    private static ProcessBuilder.Redirect redirect(Stdio.Stream s, boolean input) {
        return switch (s) {
            case Stdio.Inherit i -> ProcessBuilder.Redirect.INHERIT;
            case Stdio.Null n -> input ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null")) : ProcessBuilder.Redirect.DISCARD;
            default -> throw new ContainerException("exec through an external runtime: only inherited or null stdio is supported");
        };
    }

    /** Copies everything, keeping the last 8 KiB in {@code tail}. */
    private static void copy(InputStream in, OutputStream out, ByteArrayOutputStream tail) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
                if (tail.size() > 8192) tail.reset();
                tail.write(buf, 0, n);
            }
        } catch (IOException e) {
            // the runtime went away: its exit code says the rest
        }
    }

    // ---------------------------------------------------------------- running the binary

    private record Result(int code, String stdout, String stderr) {
        /** The runtime's message (logrus' msg="…" when it logs that way). */
        String error() {
            Matcher m = LOGRUS_MSG.matcher(stderr);
            String msg = m.find() ? m.group(1).replace("\\\"", "\"") : stderr.trim();
            return msg.isEmpty() ? "exit status " + code : msg;
        }
    }

    private Result call(String... args) {
        Result r = run(List.of(args));
        if (r.code != 0) throw new ContainerException(r.error());
        return r;
    }

    private Result run(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(binary, "--root", root.toString()));
        cmd.addAll(args);
        try {
            java.lang.Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[][] errBytes = new byte[1][];
            Thread err = Thread.ofVirtual().start(() -> {
                try {
                    errBytes[0] = p.getErrorStream().readAllBytes();
                } catch (IOException e) {
                    errBytes[0] = new byte[0];
                }
            });
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new ContainerException(name + " " + String.join(" ", args) + ": timed out");
            }
            err.join();
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(errBytes[0], StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ContainerException(name + " " + String.join(" ", args) + ": " + e.getMessage(), 1, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerException("interrupted");
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerException("interrupted");
        }
    }
}
