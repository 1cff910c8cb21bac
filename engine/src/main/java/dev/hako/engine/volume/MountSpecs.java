package dev.hako.engine.volume;

import dev.hako.engine.EngineException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses `-v` and `--mount` as docker does (moby's volume/mounts/linux_parser.go and the CLI's opts/mount.go),
 * with their error wording. Pure: nothing is looked up or created here.
 */
public final class MountSpecs {
    private MountSpecs() {}

    private static final Set<String> PROPAGATIONS = Set.of("private", "rprivate", "shared", "rshared", "slave", "rslave");
    private static final Set<String> CONSISTENCY = Set.of("consistent", "cached", "delegated", "default");

    /** `-v [SRC:]DST[:MODE]`: SRC absolute (or ./relative) is a bind, otherwise a volume name; no SRC: anonymous. */
    public static MountRequest volumeFlag(String spec) {
        String[] p = spec.split(":", -1);
        if (p.length > 3 || spec.isEmpty()) throw invalidSpec(spec, null);
        for (String x : p) if (x.isEmpty()) throw invalidSpec(spec, null);
        if (p.length == 1) {
            String dst = destination(spec, p[0], "volume");
            return MountRequest.anonymousVolume(dst, MountRequest.Origin.VOLUME_FLAG);
        }
        String src = p[0];
        boolean bind = src.startsWith("/") || src.equals(".") || src.equals("..") || src.startsWith("./") || src.startsWith("../");
        MountRequest.Type type = bind ? MountRequest.Type.BIND : MountRequest.Type.VOLUME;
        String dst = destination(spec, p[1], type.dockerName());
        if (bind) src = Path.of(src).toAbsolutePath().normalize().toString();
        else if (!VolumeStore.validName(src))
            throw new EngineException("create " + src + ": \"" + src + "\" includes invalid characters for a local volume name, "
                    + "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
        String mode = p.length == 3 ? p[2] : "";
        boolean ro = false, noCopy = false, rwSeen = false;
        String propagation = "";
        for (String m : mode.split(",")) {
            if (m.isEmpty() && p.length == 2) continue;
            switch (m) {
                case "ro", "rw" -> {
                    if (rwSeen) throw invalidMode(spec, mode);
                    rwSeen = true;
                    ro = m.equals("ro");
                }
                case "z", "Z" -> { /* SELinux relabel: no SELinux support, accepted as docker does without it */ }
                case "nocopy" -> {
                    if (bind) throw invalidMode(spec, mode);
                    noCopy = true;
                }
                default -> {
                    if (PROPAGATIONS.contains(m)) {
                        if (!bind || !propagation.isEmpty()) throw invalidMode(spec, mode);
                        propagation = m;
                    } else if (!CONSISTENCY.contains(m)) {
                        throw invalidMode(spec, mode);
                    }
                }
            }
        }
        return new MountRequest(type, src, dst, ro, noCopy, mode, propagation, true, null, null, null, null,
                MountRequest.Origin.VOLUME_FLAG);
    }

    private static String destination(String spec, String dst, String type) {
        if (!dst.startsWith("/"))
            throw invalidSpec(spec, "invalid mount config for type \"" + type + "\": invalid mount path: '" + dst + "' mount path must be absolute");
        String clean = Path.of(dst).normalize().toString();
        if (clean.equals("/")) throw invalidSpec(spec, "invalid mount config for type \"" + type + "\": invalid specification: destination can't be '/'");
        return clean;
    }

    private static EngineException invalidSpec(String spec, String detail) {
        return new EngineException("invalid volume specification: '" + spec + "'" + (detail == null ? "" : ": " + detail));
    }

    private static EngineException invalidMode(String spec, String mode) {
        return new EngineException("invalid mode: " + mode + " in volume specification '" + spec + "'");
    }

    /**
     * `--mount type=bind|volume|tmpfs,source=…,target=…,readonly,…` (type defaults to volume). Syntax errors
     * carry the CLI's prefix; config errors are the daemon's "invalid mount config for type …".
     */
    public static MountRequest mountFlag(String spec) {
        String type = "volume";
        String source = null, target = null, propagation = "", volumeDriver = null;
        boolean readOnly = false, noCopy = false, recursive = true;
        boolean bindOpt = false, volumeOpt = false, tmpfsOpt = false;
        Map<String, String> volumeOptions = new LinkedHashMap<>(), labels = new LinkedHashMap<>();
        List<String> tmpfs = new ArrayList<>();
        for (String field : csv(spec)) {
            int eq = field.indexOf('=');
            String key = (eq < 0 ? field : field.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            String value = eq < 0 ? null : field.substring(eq + 1);
            if (value == null) {
                switch (key) {
                    case "readonly", "ro" -> { readOnly = true; continue; }
                    case "volume-nocopy" -> { noCopy = true; volumeOpt = true; continue; }
                    case "bind-nonrecursive" -> { recursive = false; bindOpt = true; continue; }
                    default -> throw flagError(spec, "invalid field '" + field + "' must be a key=value pair");
                }
            }
            switch (key) {
                case "type" -> type = value.toLowerCase(Locale.ROOT);
                case "source", "src" -> source = value;
                case "target", "dst", "destination" -> target = value;
                case "readonly", "ro" -> readOnly = bool(spec, field, value);
                case "consistency" -> { /* macOS file sharing hint: nothing to do on Linux */ }
                case "bind-propagation" -> {
                    if (!PROPAGATIONS.contains(value)) throw flagError(spec, "invalid bind-propagation: \"" + value + "\"");
                    propagation = value;
                    bindOpt = true;
                }
                case "bind-nonrecursive" -> { recursive = !bool(spec, field, value); bindOpt = true; }
                case "volume-nocopy" -> { noCopy = bool(spec, field, value); volumeOpt = true; }
                case "volume-label" -> { put(labels, value); volumeOpt = true; }
                case "volume-driver" -> { volumeDriver = value; volumeOpt = true; }
                case "volume-opt" -> { put(volumeOptions, value); volumeOpt = true; }
                case "tmpfs-size" -> { tmpfs.add("size=" + tmpfsSize(spec, value)); tmpfsOpt = true; }
                case "tmpfs-mode" -> {
                    try {
                        tmpfs.add("mode=" + Integer.toOctalString(Integer.parseInt(value, 8)));
                    } catch (NumberFormatException e) {
                        throw flagError(spec, "invalid value for " + key + ": " + value);
                    }
                    tmpfsOpt = true;
                }
                default -> throw flagError(spec, "unexpected key '" + key + "' in '" + field + "'");
            }
        }
        if (target == null || target.isEmpty()) throw flagError(spec, "target is required");
        if (volumeOpt && !type.equals("volume")) throw flagError(spec, "cannot mix 'volume-*' options with mount type '" + type + "'");
        if (bindOpt && !type.equals("bind")) throw flagError(spec, "cannot mix 'bind-*' options with mount type '" + type + "'");
        if (tmpfsOpt && !type.equals("tmpfs")) throw flagError(spec, "cannot mix 'tmpfs-*' options with mount type '" + type + "'");
        String where = "invalid mount config for type \"" + type + "\": ";
        if (!target.startsWith("/")) throw new EngineException(where + "invalid mount path: '" + target + "' mount path must be absolute");
        String dst = Path.of(target).normalize().toString();
        if (dst.equals("/")) throw new EngineException(where + "invalid specification: destination can't be '/'");
        switch (type) {
            case "bind" -> {
                if (source == null || source.isEmpty()) throw new EngineException(where + "field Source must not be empty");
                if (!source.startsWith("/")) throw new EngineException(where + "invalid mount path: '" + source + "' mount path must be absolute");
                return new MountRequest(MountRequest.Type.BIND, Path.of(source).normalize().toString(), dst, readOnly, false, "",
                        propagation, recursive, null, null, null, null, MountRequest.Origin.MOUNT_FLAG);
            }
            case "volume" -> {
                String name = source == null || source.isEmpty() ? null : source;
                if (name != null && !VolumeStore.validName(name))
                    throw new EngineException("create " + name + ": \"" + name + "\" includes invalid characters for a local volume name, "
                            + "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
                return new MountRequest(MountRequest.Type.VOLUME, name, dst, readOnly, noCopy, "", "", true, volumeOptions, labels,
                        volumeDriver, null, MountRequest.Origin.MOUNT_FLAG);
            }
            case "tmpfs" -> {
                if (source != null && !source.isEmpty()) throw new EngineException(where + "field Source must not be specified");
                return new MountRequest(MountRequest.Type.TMPFS, null, dst, readOnly, false, "", "", false, null, null, null, tmpfs,
                        MountRequest.Origin.MOUNT_FLAG);
            }
            default -> throw new EngineException(where + "mount type unknown");
        }
    }

    /** Docker's --mount is CSV: a field may be quoted to hold commas ("volume-opt=o=size=1m,uid=1000"). */
    static List<String> csv(String spec) {
        List<String> out = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < spec.length(); i++) {
            char c = spec.charAt(i);
            if (c == '"') {
                if (quoted && i + 1 < spec.length() && spec.charAt(i + 1) == '"') { b.append('"'); i++; }
                else quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(b.toString());
                b.setLength(0);
            } else {
                b.append(c);
            }
        }
        if (quoted) throw flagError(spec, "extraneous or missing \" in quoted-field");
        out.add(b.toString());
        out.removeIf(String::isEmpty);
        return out;
    }

    private static void put(Map<String, String> m, String kv) {
        int eq = kv.indexOf('=');
        if (eq < 0) m.put(kv, "");
        else m.put(kv.substring(0, eq), kv.substring(eq + 1));
    }

    private static boolean bool(String spec, String field, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "1", "true" -> true;
            case "0", "false" -> false;
            default -> throw flagError(spec, "invalid value for '" + field.substring(0, field.indexOf('=')) + "': " + v);
        };
    }

    /** docker's RAMInBytes for tmpfs-size: 1024, 64m, 1g. */
    private static long tmpfsSize(String spec, String v) {
        String t = v.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("b") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) t = t.substring(0, t.length() - 1);
        long mult = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 't' -> 1L << 40;
            default -> 1;
        };
        if (mult > 1) t = t.substring(0, t.length() - 1);
        try {
            double d = Double.parseDouble(t);
            if (d < 0) throw new NumberFormatException();
            return (long) (d * mult);
        } catch (NumberFormatException e) {
            throw flagError(spec, "invalid value for tmpfs-size: " + v);
        }
    }

    private static EngineException flagError(String spec, String detail) {
        return new EngineException("invalid argument \"" + spec + "\" for \"--mount\" flag: " + detail);
    }
}
