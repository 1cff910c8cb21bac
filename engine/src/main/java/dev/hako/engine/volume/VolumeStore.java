package dev.hako.engine.volume;

import dev.hako.engine.EngineException;
import dev.hako.engine.FileTrees;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.fs.Fs;
import dev.hako.kernel.fs.ReentrantFileLock;
import dev.hako.oci.Json;
import dev.hako.runtime.rootfs.MountOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Volumes of the local driver in docker's layout: {@code <root>/volumes/<name>/_data} is what containers see,
 * {@code volume.json} beside it the metadata. A volume with {@code type/device/o} options is a mount of that
 * device on _data, made when a container first uses it and undone when none does (docker's local driver does
 * the same); without options _data is a plain directory.
 *
 * <p>Create and remove take a store-wide file lock, so concurrent hako processes agree on names.
 */
public final class VolumeStore {
    public static final String DRIVER = "local";
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    private static final Set<String> OPTION_KEYS = Set.of("type", "device", "o", "size");
    private static final String META = "volume.json", DATA = "_data";
    private static final DateTimeFormatter CREATED = DateTimeFormatter.ISO_OFFSET_DATE_TIME.withZone(ZoneOffset.UTC);

    private final Path dir;
    private final SecureRandom random = new SecureRandom();
    private final ReentrantFileLock lock;   // an flock: other stores of this JVM and other processes wait on it

    /** @param root the engine's persistent root (/var/lib/hako) */
    public VolumeStore(Path root) {
        this.dir = root.toAbsolutePath().normalize().resolve("volumes");
        this.lock = new ReentrantFileLock(dir.resolve(".lock"));
    }

    public Path dir() { return dir; }

    public static boolean validName(String name) { return name != null && NAME.matcher(name).matches(); }

    /** A name for an anonymous volume: 64 hex digits, as docker's. */
    public String newAnonymousName() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** The result of {@link #ensure}: {@code created} tells whether this call made the volume. */
    public record Ensured(Volume volume, boolean created) {}

    /**
     * docker volume create: makes the volume, or returns the existing one of that name (docker's behaviour for a
     * repeated create with the same driver).
     */
    public Ensured ensure(String name, String driver, Map<String, String> options, Map<String, String> labels) {
        String d = driver == null || driver.isEmpty() ? DRIVER : driver;
        if (!validName(name))
            throw new EngineException("create " + name + ": \"" + name + "\" includes invalid characters for a local volume name, "
                    + "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path", 1, null);
        if (!d.equals(DRIVER))
            throw new EngineException("create " + name + ": error looking up volume plugin " + d + ": plugin \"" + d + "\" not found", 1, null);
        Map<String, String> opts = options == null ? Map.of() : options;
        validateOptions(name, opts);
        try (var _ = lock()) {
            Volume existing = read(name);
            if (existing != null) return new Ensured(existing, false);
            Path v = dir.resolve(name);
            Files.createDirectories(v.resolve(DATA));
            Volume vol = new Volume(CREATED.format(Instant.now().truncatedTo(ChronoUnit.SECONDS)), DRIVER,
                    labels == null || labels.isEmpty() ? null : new LinkedHashMap<>(labels), v.resolve(DATA).toString(), name,
                    opts.isEmpty() ? null : new LinkedHashMap<>(opts), "local");
            // the metadata last: a directory without it is half-made, skipped by list() and finished by the next create
            Json.writeAtomic(v.resolve(META), vol);
            return new Ensured(vol, true);
        } catch (IOException e) {
            throw new UncheckedIOException("create volume " + name + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The local driver's options: type, device and o go to mount(2); size is accepted (quota, ignored here). */
    private static void validateOptions(String name, Map<String, String> opts) {
        for (String k : opts.keySet())
            if (!OPTION_KEYS.contains(k)) throw new EngineException("create " + name + ": invalid option: \"" + k + "\"", 1, null);
        boolean type = opts.containsKey("type"), device = opts.containsKey("device");
        if (type && !device) throw new EngineException("create " + name + ": missing required option: \"device\"", 1, null);
        if (device && !type) throw new EngineException("create " + name + ": missing required option: \"type\"", 1, null);
        if (opts.containsKey("o") && !type) throw new EngineException("create " + name + ": missing required option: \"type\"", 1, null);
    }

    /** The volume, or null when there is none of that name. */
    public Volume find(String name) {
        if (!validName(name)) return null;
        return read(name);
    }

    /** The volume; docker's "no such volume" error (exit 1) when missing. */
    public Volume get(String name) {
        Volume v = find(name);
        if (v == null) throw new EngineException("get " + name + ": no such volume", 1, null);
        return v;
    }

    private Volume read(String name) {
        Path f = dir.resolve(name).resolve(META);
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return null;
        return Json.read(f, Volume.class);
    }

    /** Every complete volume, by name. */
    public List<Volume> list() {
        List<Volume> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!validName(n)) continue;
                try {
                    Volume v = read(n);
                    if (v != null) out.add(v);
                } catch (RuntimeException e) {
                    // a damaged record must not hide the others
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("list " + dir + ": " + e.getMessage(), e);
        }
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    /** Deletes the volume and its data (the caller checked that no container uses it). */
    public void remove(String name) {
        Volume v = get(name);
        try (var _ = lock()) {
            unmount(v);
            // renamed out of the way first: a removal cut short leaves no half volume under the name
            Path trash = dir.resolve(".removing-" + name + "-" + newAnonymousName().substring(0, 8));
            Files.move(dir.resolve(name), trash, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            FileTrees.delete(trash);
        } catch (IOException e) {
            throw new UncheckedIOException("remove volume " + name + ": " + e.getMessage(), e);
        }
    }

    // ---- the local driver's device mounts

    /** Mounts the volume's device on _data if it has one and it is not mounted yet. */
    public void mount(Volume v) {
        if (!v.mountsDevice()) return;
        Path data = Path.of(v.mountpoint());
        if (isMountPoint(data)) return;
        Map<String, String> o = v.optionsOrEmpty();
        List<String> words = o.get("o") == null || o.get("o").isEmpty() ? List.of() : List.of(o.get("o").split(","));
        MountOptions parsed = MountOptions.parse(words);
        String type = o.get("type");
        String device = o.get("device");
        try {
            Fs.mount(device, data.toString(), type, parsed.flags(), parsed.data());
        } catch (SyscallException e) {
            throw new EngineException("error while mounting volume '" + data + "': failed to mount local volume: mount "
                    + device + ":" + data + ", flags: 0x" + Long.toHexString(parsed.flags())
                    + (parsed.data().isEmpty() ? "" : ", data: " + parsed.data()) + ": " + e.getMessage(), e);
        }
    }

    /** Undoes {@link #mount}: lazily, so a process still inside does not keep the volume from going. */
    public void unmount(Volume v) {
        Path data = Path.of(v.mountpoint());
        if (!v.mountsDevice() || !isMountPoint(data)) return;
        Fs.umount2(data.toString(), Fs.MNT_DETACH);
    }

    static boolean isMountPoint(Path p) {
        try {
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) return false;
            return !Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS)
                    .equals(Files.getAttribute(p.getParent(), "unix:dev", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            return false;
        }
    }

    /** Bytes the volume's files take (each inode once), as docker's df counts them. */
    public long size(Volume v) {
        Path data = Path.of(v.mountpoint());
        if (!Files.isDirectory(data, LinkOption.NOFOLLOW_LINKS)) return 0;
        long[] total = {0};
        Set<Object> seen = new HashSet<>();
        try {
            Files.walkFileTree(data, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                    if (a.isRegularFile() && (a.fileKey() == null || seen.add(a.fileKey()))) total[0] += a.size();
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) { return FileVisitResult.CONTINUE; }
            });
        } catch (IOException e) {
            // unreadable parts count as nothing, as du would skip them
        }
        return total[0];
    }

    /** Whether _data has no entries (docker copies image content only into an empty volume). */
    public static boolean isEmpty(Volume v) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of(v.mountpoint()))) {
            return !ds.iterator().hasNext();
        } catch (IOException e) {
            throw new UncheckedIOException("read " + v.mountpoint() + ": " + e.getMessage(), e);
        }
    }

    private ReentrantFileLock.Held lock() throws IOException {
        Files.createDirectories(dir);
        return lock.lock();
    }
}
