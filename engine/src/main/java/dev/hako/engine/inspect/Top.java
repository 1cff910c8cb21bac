package dev.hako.engine.inspect;

import dev.hako.engine.EngineException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * docker top: the host's ps(1) with the user's options (default -ef), its rows filtered to the container's pids.
 * As docker, ps is first asked for just those pids (-q); options that can't be combined with -q (e.g. f) are
 * retried without it. The last column (the command) keeps its spaces.
 */
public record Top(List<String> titles, List<List<String>> processes) {
    private static final String PS = "/bin/ps";

    public static Top of(List<Long> pids, List<String> psArgs) {
        List<String> args = psArgs == null || psArgs.isEmpty() ? List.of("-ef") : psArgs;
        for (String a : args) {
            // docker's validatePSArgs: a custom -o with "=" (renamed headers) hides the PID column
            if (a.contains("=")) throw new EngineException("ps args must not contain '=' (renamed columns): " + a, 1, null);
        }
        StringBuilder q = new StringBuilder();
        for (long p : pids) q.append(q.isEmpty() ? "" : ",").append(p);
        List<String> withPids = new ArrayList<>(args);
        withPids.add("-q");
        withPids.add(q.isEmpty() ? "0" : q.toString());
        Result r = ps(withPids);
        if (r.code != 0) r = ps(args);
        if (r.code != 0) {
            String first = r.err.lines().findFirst().orElse("exit status " + r.code);
            throw new EngineException("ps: " + first, 1, null);
        }
        return parse(r.out, pids);
    }

    /** docker's parsePSOutput: the header's fields are the titles; rows whose PID is one of {@code pids}. */
    static Top parse(String output, List<Long> pids) {
        List<String> lines = output.lines().toList();
        if (lines.isEmpty()) throw new EngineException("Couldn't find PID field in ps output", 1, null);
        List<String> titles = fields(lines.getFirst());
        int pidIndex = titles.indexOf("PID");
        if (pidIndex < 0) throw new EngineException("Couldn't find PID field in ps output", 1, null);
        Set<Long> wanted = new HashSet<>(pids);
        List<List<String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = fields(line);
            if (f.size() <= pidIndex) continue;
            long pid;
            try {
                pid = Long.parseLong(f.get(pidIndex));
            } catch (NumberFormatException e) {
                throw new EngineException("Unexpected pid '" + f.get(pidIndex) + "': " + e.getMessage(), 1, e);
            }
            if (!wanted.contains(pid)) continue;
            int n = titles.size() - 1;
            List<String> row = new ArrayList<>(f.subList(0, Math.min(n, f.size())));
            row.add(f.size() > n ? String.join(" ", f.subList(n, f.size())) : "");
            rows.add(row);
        }
        return new Top(titles, rows);
    }

    private static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        for (String s : line.trim().split("[ \t]+")) if (!s.isEmpty()) out.add(s);
        return out;
    }

    private record Result(int code, String out, String err) {}

    private static Result ps(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(PS);
        cmd.addAll(args);
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] errBytes;
            byte[] out;
            try (var es = p.getErrorStream()) {
                var errFuture = new java.util.concurrent.CompletableFuture<byte[]>();
                Thread.ofVirtual().start(() -> {
                    try {
                        errFuture.complete(es.readAllBytes());
                    } catch (IOException e) {
                        errFuture.complete(new byte[0]);
                    }
                });
                out = p.getInputStream().readAllBytes();
                errBytes = errFuture.join();
            }
            return new Result(p.waitFor(), new String(out, StandardCharsets.UTF_8), new String(errBytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new EngineException("run " + PS + ": " + e.getMessage(), 1, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted", 1, e);
        }
    }
}
