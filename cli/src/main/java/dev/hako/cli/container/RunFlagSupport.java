package dev.hako.cli.container;

import dev.hako.cli.progress.ProgressPrinter;
import dev.hako.engine.Engine;
import dev.hako.engine.EngineException;
import dev.hako.image.registry.RegistryException;
import dev.hako.image.store.ImageNames;
import dev.hako.image.store.PullResult;
import dev.hako.oci.image.Platform;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** What the run flags need on the CLI side: docker's env/label files, pull-on-run, --cidfile. */
final class RunFlagSupport {
    private RunFlagSupport() {}

    /** An error docker reports as "Error response from daemon: …" (the server's words), not "Error: …". */
    static final class DaemonError extends EngineException {
        DaemonError(String message, Throwable cause) { super(message, 125, cause); }
    }

    // ---------------------------------------------------------------- env and label files

    /**
     * docker's key-value file (--env-file, --label-file): one KEY=VALUE a line, leading blanks dropped, blank lines
     * and lines starting with # skipped, a bare KEY takes {@code lookup}'s value (dropped when it has none).
     */
    static List<String> readKeyValueFile(Path file, Function<String, String> lookup) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new EngineException("open " + file + ": no such file or directory", 125, e);
        } catch (IOException e) {
            throw new EngineException("open " + file + ": " + e.getMessage(), 125, e);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new EngineException("env file " + file + " contains invalid utf8 bytes", 125, e);
        }
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        List<String> out = new ArrayList<>();
        for (String raw : text.split("\r?\n", -1)) {
            String line = raw.stripLeading();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int eq = line.indexOf('=');
            String key = eq < 0 ? line : line.substring(0, eq);
            if (key.chars().anyMatch(c -> c == ' ' || c == '\t' || c == '\n' || c == '\u000b' || c == '\f' || c == '\r'))
                throw new EngineException("poorly formatted environment: variable '" + key + "' contains whitespaces", 125, null);
            if (key.isEmpty()) throw new EngineException("poorly formatted environment: no variable name on line '" + line + "'", 125, null);
            if (eq >= 0) {
                out.add(line);
            } else if (lookup != null) {
                String v = lookup.apply(key);
                if (v != null) out.add(key + "=" + v);
            } else {
                out.add(key);
            }
        }
        return out;
    }

    /** -l KEY=VALUE or -l KEY (empty value), in order; later keys replace earlier ones. */
    static void putLabel(Map<String, String> labels, String label) {
        int eq = label.indexOf('=');
        String key = eq < 0 ? label : label.substring(0, eq);
        if (key.isEmpty()) throw new EngineException("invalid argument \"" + label + "\" for \"-l, --label\" flag: invalid label: empty key", 125, null);
        labels.put(key, eq < 0 ? "" : label.substring(eq + 1));
    }

    // ---------------------------------------------------------------- pull on run

    /** --pull missing (default) | always | never: pulls when asked or when the image is not here, progress on {@code err}. */
    static void ensureImage(Engine engine, String image, String policy, String platform, PrintWriter err) {
        String p = policy == null || policy.isEmpty() ? "missing" : policy;
        if (!p.equals("missing") && !p.equals("always") && !p.equals("never"))
            throw new EngineException("invalid pull option: '" + policy + "': must be one of \"always\", \"missing\" or \"never\"", 125, null);
        boolean present;
        try {
            engine.images().resolve(image);
            present = true;
        } catch (RuntimeException e) {
            present = false;
        }
        if (p.equals("never") && !present) throw new DaemonError("No such image: " + shown(image), null);
        if (present && !p.equals("always")) return;
        if (!present) err.println("Unable to find image '" + shown(image) + "' locally");
        err.flush();
        Platform want;
        try {
            want = platform == null || platform.isEmpty() ? null : Platform.parse(platform);
        } catch (RuntimeException e) {
            throw new EngineException("invalid argument \"" + platform + "\" for \"--platform\" flag: " + e.getMessage(), 125, e);
        }
        PullResult r;
        try (PrintStream progress = writerStream(err)) {
            r = engine.images().pull(image, want, new ProgressPrinter(progress, false, 80), true);
        } catch (RuntimeException e) {
            throw pullError(image, e);
        }
        err.println("Digest: " + r.digest());
        String familiar = ImageNames.familiar(r.reference());
        err.println(r.updated() ? "Status: Downloaded newer image for " + familiar : "Status: Image is up to date for " + familiar);
        err.flush();
    }

    /** How docker names the reference in its messages: the user's name with ":latest" when no tag or digest. */
    static String shown(String image) {
        try {
            return ImageNames.familiar(ImageNames.normalize(image));
        } catch (RuntimeException e) {
            return image;
        }
    }

    /** docker's words for a failed pull: unknown repositories and denied access look alike on purpose. */
    static EngineException pullError(String image, RuntimeException e) {
        RegistryException re = null;
        for (Throwable t = e; t != null && re == null; t = t.getCause()) if (t instanceof RegistryException x) re = x;
        if (re == null) return new EngineException(e.getMessage(), 125, e);
        String ref = shown(image);
        String repo = ref.contains("@") ? ref.substring(0, ref.indexOf('@')) : ref.substring(0, ref.lastIndexOf(':') > ref.lastIndexOf('/') ? ref.lastIndexOf(':') : ref.length());
        if (re.isUnauthorized() || "NAME_UNKNOWN".equals(re.code()) || "DENIED".equals(re.code()) || "UNAUTHORIZED".equals(re.code()))
            return new DaemonError("pull access denied for " + repo + ", repository does not exist or may require 'docker login': "
                    + "denied: requested access to the resource is denied", e);
        if (re.isNotFound()) return new DaemonError("manifest for " + ref + " not found: manifest unknown: manifest unknown", e);
        return new DaemonError(re.getMessage(), e);
    }

    /** A PrintStream whose lines go to a PrintWriter (the progress printer writes bytes). */
    private static PrintStream writerStream(PrintWriter w) {
        var buf = new ByteArrayOutputStream() {
            @Override
            public synchronized void flush() {
                w.print(toString(StandardCharsets.UTF_8));
                w.flush();
                reset();
            }

            @Override
            public void close() { flush(); }
        };
        return new PrintStream(buf, true, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- inspect

    /** docker's HostConfig fields of the run flags (what docker shows when they are not given, too). */
    static void hostConfig(dev.hako.engine.config.RunOptions o, Map<String, Object> hc) {
        hc.put("Runtime", o.runtime == null || o.runtime.isEmpty() ? "runc" : o.runtime);
        hc.put("CpuShares", o.cpuShares);
        hc.put("CpuPeriod", o.cpuPeriod);
        hc.put("CpuQuota", o.cpuQuota);
        hc.put("CpusetCpus", o.cpusetCpus == null ? "" : o.cpusetCpus);
        hc.put("CpusetMems", o.cpusetMems == null ? "" : o.cpusetMems);
        hc.put("MemorySwap", o.memorySwap);
        hc.put("MemoryReservation", o.memoryReservation);
        hc.put("OomScoreAdj", o.oomScoreAdj);
        hc.put("GroupAdd", o.groupAdd.isEmpty() ? null : o.groupAdd);
        List<Map<String, Object>> ulimits = new ArrayList<>();
        for (String u : o.ulimits) {
            int eq = u.indexOf('=');
            String[] v = u.substring(eq + 1).split(":");
            long soft = Long.parseLong(v[0]);
            ulimits.add(new java.util.LinkedHashMap<>(Map.of("Name", u.substring(0, eq), "Hard", v.length > 1 ? Long.parseLong(v[1]) : soft, "Soft", soft)));
        }
        hc.put("Ulimits", ulimits.isEmpty() ? null : ulimits);
        List<Map<String, Object>> devices = new ArrayList<>();
        for (String d : o.devices) {
            String[] p = d.split(":");
            String perms = p.length == 3 ? p[2] : p.length == 2 && p[1].matches("[rwm]{1,3}") ? p[1] : "rwm";
            String dst = p.length >= 2 && !p[1].matches("[rwm]{1,3}") ? p[1] : p[0];
            devices.add(new java.util.LinkedHashMap<>(Map.of("PathOnHost", p[0], "PathInContainer", dst, "CgroupPermissions", perms)));
        }
        hc.put("Devices", devices);
    }

    // ---------------------------------------------------------------- --cidfile

    /** docker refuses an existing file before it creates anything. */
    static void checkCidFile(String cidfile) {
        if (cidfile != null && !cidfile.isEmpty() && Files.exists(Path.of(cidfile)))
            throw new EngineException("Container ID file found, make sure the other container isn't running or delete " + cidfile, 125, null);
    }

    /** docker's os.Create: mode 0666 under the caller's umask. */
    static void writeCidFile(String cidfile, String id, dev.hako.cli.Host host) {
        if (cidfile == null || cidfile.isEmpty()) return;
        try (var out = dev.hako.cli.CallerFiles.createNew(host, Path.of(cidfile), dev.hako.cli.CallerFiles.CREATE_MODE)) {
            out.write(id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new EngineException("failed to create the container ID file: " + e.getMessage(), 125, e);
        }
    }

    // ---------------------------------------------------------------- the caller's relative paths

    /** -v ./src:/dst: a relative bind source is the caller's (the CLI service runs in /), made absolute here. */
    static List<String> callerPaths(List<String> volumes, dev.hako.cli.Host host) {
        if (volumes == null) return null;
        List<String> out = new java.util.ArrayList<>(volumes.size());
        for (String v : volumes) {
            int colon = v.indexOf(':');
            String src = colon < 0 ? v : v.substring(0, colon);
            boolean relative = src.equals(".") || src.equals("..") || src.startsWith("./") || src.startsWith("../");
            out.add(relative && colon > 0 ? host.path(src).normalize() + v.substring(colon) : v);
        }
        return out;
    }

    /** --security-opt seccomp=FILE with a relative FILE: the caller's. */
    static List<String> callerSeccompFile(List<String> opts, dev.hako.cli.Host host) {
        if (opts == null) return null;
        List<String> out = new java.util.ArrayList<>(opts.size());
        for (String o : opts) {
            String sep = o.startsWith("seccomp=") ? "=" : o.startsWith("seccomp:") ? ":" : null;
            String file = sep == null ? null : o.substring("seccomp".length() + 1);
            boolean relative = file != null && !file.isEmpty() && !file.equals("unconfined") && !file.startsWith("/");
            out.add(relative ? "seccomp" + sep + host.path(file) : o);
        }
        return out;
    }
}
