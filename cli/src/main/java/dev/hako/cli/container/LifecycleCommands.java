package dev.hako.cli.container;

import dev.hako.engine.Engine;
import dev.hako.engine.EngineException;
import dev.hako.engine.config.RunOptions;
import dev.hako.engine.container.ContainerRecord;
import dev.hako.engine.lifecycle.LogConfig;
import dev.hako.engine.lifecycle.RestartPolicy;
import dev.hako.engine.logs.JsonFileLog;
import dev.hako.engine.logs.LogEntry;
import dev.hako.engine.logs.LogTime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** restart, and the lifecycle parts of run/create (restart policy, log options), logs and inspect. */
public final class LifecycleCommands {
    private LifecycleCommands() {}

    @Command(name = "restart", description = "Restart one or more containers")
    public static final class Restart extends ContainerCommands.Base {
        @Option(names = {"-t", "--time"}, description = "Seconds to wait before killing the container") Integer time;
        @Option(names = {"-s", "--signal"}, description = "Signal to send to the container") String signal;
        @Parameters(arity = "1..*", paramLabel = "CONTAINER") List<String> refs;

        @Override
        int execute() {
            return forEachEcho(refs, ref -> engine().restart(ref, time, signal));
        }
    }

    /** False with --log-driver none (docker's run attaches to the output instead; hako's monitor keeps none). */
    static boolean logReadable(Engine engine, String ref) {
        RunOptions o = engine.store().lookup(ref).options();
        return !LogConfig.of(o.logDriver, o.logOpts).none();
    }

    /** docker's client-side check: a container that removes itself on exit can't be restarted. */
    static void checkRm(boolean rm, String restart) {
        if (rm && !RestartPolicy.parse(restart).none())
            throw new EngineException("Conflicting options: cannot specify both --restart and --rm", 125, null);
    }

    /** --log-opt KEY=VALUE, repeatable; "max-size=10m,max-file=3" in one flag is taken too. */
    static Map<String, String> logOpts(List<String> flags) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String flag : flags) {
            for (String kv : flag.split(",")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) throw new EngineException("invalid log opt '" + kv + "': expected KEY=VALUE", 125, null);
                out.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return out;
    }

    /**
     * docker logs: the kept records (rotated files first) from {@code since} to {@code until}, the last
     * {@code tail} of them (negative: all), then with {@code follow} what comes until the container has exited.
     */
    static void printLog(Engine engine, String ref, boolean follow, boolean timestamps, int tail, String since, String until,
                         PrintWriter out, PrintWriter err) {
        Instant now = Instant.now();
        Instant from, to;
        try {
            from = since == null || since.isEmpty() ? null : LogTime.parse(since, "since", now);
            to = until == null || until.isEmpty() ? null : LogTime.parse(until, "until", now);
        } catch (IllegalArgumentException e) {
            throw new EngineException(e.getMessage(), 1, e);
        }
        JsonFileLog.Follower log = engine.log(ref).follower();
        boolean first = true;
        while (true) {
            boolean done = !follow || engine.inspect(ref).status().exited();
            List<LogEntry> entries = new ArrayList<>();
            for (LogEntry e : log.poll()) if (within(e, from, to)) entries.add(e);
            if (first && tail >= 0 && entries.size() > tail) entries = entries.subList(entries.size() - tail, entries.size());
            first = false;
            for (LogEntry e : entries) (e.stderr() ? err : out).print(timestamps ? e.time() + " " + e.log() : e.log());
            out.flush();
            err.flush();
            if (done) return;
            if (entries.isEmpty()) Engine.sleep(50);
        }
    }

    private static boolean within(LogEntry e, Instant from, Instant to) {
        if (from == null && to == null) return true;
        Instant t;
        try {
            t = Instant.parse(e.time());
        } catch (RuntimeException x) {
            return true;
        }
        return (from == null || !t.isBefore(from)) && (to == null || !t.isAfter(to));
    }

    /** docker inspect's lifecycle fields: State.Restarting, RestartCount, HostConfig.RestartPolicy/LogConfig, Config.StopTimeout. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> details(Engine engine, Map<String, Object> d, String ref) {
        ContainerRecord r = engine.store().lookup(ref);
        RunOptions o = r.options();
        var state = (Map<String, Object>) d.get("State");
        if (state != null) {
            boolean restarting = "restarting".equals(state.get("Status"));
            state.put("Restarting", restarting);
            if (restarting) state.put("Running", true); // docker: a restarting container counts as running
        }
        d.put("RestartCount", engine.restartCount(r.id()));
        Map<String, Object> config = new LinkedHashMap<>((Map<String, Object>) d.getOrDefault("Config", Map.of()));
        if (r.stopTimeout() != null) config.put("StopTimeout", r.stopTimeout());
        d.put("Config", config);
        Map<String, Object> host = new LinkedHashMap<>((Map<String, Object>) d.getOrDefault("HostConfig", Map.of()));
        RestartPolicy p = RestartPolicy.parse(o.restart);
        host.put("RestartPolicy", Map.of("Name", p.name(), "MaximumRetryCount", p.maxRetries()));
        LogConfig lc = LogConfig.of(o.logDriver, o.logOpts);
        host.put("LogConfig", Map.of("Type", lc.driver(), "Config", o.logOpts));
        host.put("Init", o.init ? Boolean.TRUE : null);
        d.put("HostConfig", host);
        return d;
    }
}
