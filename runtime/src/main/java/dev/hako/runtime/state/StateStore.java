package dev.hako.runtime.state;

import dev.hako.kernel.fs.LockFile;
import dev.hako.oci.AtomicFiles;
import dev.hako.oci.Json;
import dev.hako.oci.OciException;
import dev.hako.runtime.process.ProcFs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Container state under the runtime root (like /run/runc): {@code <root>/<id>/state.json} written
 * atomically, {@code <root>/<id>/exec.fifo} while created, and {@code <root>/.locks/<id>} locked by every
 * command that acts on the container, so concurrent invocations on one id are serialized. The state file is
 * read and written with Jackson's streaming API, not data binding: runtime commands start a fresh JVM each
 * time, and binding costs far more (reflection, generated classes the AOT cache can't keep) than the command.
 */
public final class StateStore {
    public static final Path DEFAULT_ROOT = Path.of("/run/hako-runtime");
    public static final String STATE_FILE = "state.json";
    public static final String EXEC_FIFO = "exec.fifo";
    public static final String SESSION_KEYRING = "keyring";
    /** The config the container was created from, as the runtime's JSON codec wrote it. */
    public static final String CONFIG_FILE = "config.json";
    private static final String LOCKS = ".locks";
    /** runc's rule: letters, digits, _ + - . and not "." or "..". */
    private static final Pattern ID = Pattern.compile("^[\\w+\\-.]+$");

    private final Path root;

    public StateStore(Path root) {
        this.root = root.toAbsolutePath();
    }

    public Path root() { return root; }

    public Path dir(String id) { return root.resolve(id); }

    public Path execFifo(String id) { return dir(id).resolve(EXEC_FIFO); }

    /** Records the session keyring the init joined, so that exec joins it too (runc: unless --no-new-keyring). */
    public void writeSessionKeyring(String id, String name) {
        AtomicFiles.write(dir(id).resolve(SESSION_KEYRING), name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The session keyring recorded at create; empty when the container keeps the caller's (--no-new-keyring). */
    public Optional<String> sessionKeyring(String id) {
        try {
            return Optional.of(Files.readString(dir(id).resolve(SESSION_KEYRING)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("read " + dir(id).resolve(SESSION_KEYRING) + ": " + e.getMessage(), e);
        }
    }

    public static boolean validId(String id) {
        return id != null && ID.matcher(id).matches() && !id.equals(".") && !id.equals("..");
    }

    /** Makes the container's directory; false if it already exists. The root is created 0700 if missing. */
    public boolean createDir(String id) {
        try {
            if (!Files.isDirectory(root)) {
                Files.createDirectories(root);
                Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
            }
            Files.createDirectory(dir(id), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("mkdir " + dir(id) + ": " + e.getMessage(), e);
        }
    }

    /** An exclusive lock on one container id; close releases it. */
    public final class Lock implements AutoCloseable {
        private final LockFile held;

        private Lock(LockFile held) { this.held = held; }

        @Override
        public void close() { held.close(); }
    }

    /**
     * Locks the container's id, blocking while another command holds it. The lock files live in
     * {@code <root>/.locks/} and are never removed, so a waiter can't end up holding a lock on a deleted file.
     * An flock: another command in this JVM (the runtime service, a warm hako) waits exactly like another process.
     */
    public Lock lock(String id) {
        Path f = root.resolve(LOCKS).resolve(id);
        try {
            Files.createDirectories(f.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("lock " + f + ": " + e.getMessage(), e);
        }
        try {
            return new Lock(LockFile.exclusive(f));
        } catch (UncheckedIOException e) {
            if (Thread.currentThread().isInterrupted())
                throw new IllegalStateException("interrupted while waiting for the lock of " + id, e);
            throw e;
        }
    }

    public Optional<ContainerRecord> read(String id) {
        Path f = dir(id).resolve(STATE_FILE);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new OciException("cannot read " + f + ": " + e, e);
        }
        return Optional.of(StateFile.parse(bytes, f, configFile(id)));
    }

    /**
     * Writes the state file; the config goes to its own file the first time a record carrying it is written
     * (records derived with withInit/withStatus share it, so it is serialized once per container).
     */
    public void write(ContainerRecord r) {
        ContainerRecord.Config c = r.configHolder();
        if (c.present() && !c.stored()) {
            AtomicFiles.write(configFile(r.id()), Json.bytes(c.get()));
            c.markStored();
        }
        AtomicFiles.write(dir(r.id()).resolve(STATE_FILE), StateFile.bytes(r));
    }

    private Path configFile(String id) { return dir(id).resolve(CONFIG_FILE); }

    /** The runtime-spec state JSON (as hooks get it on stdin); null fields are left out. */
    public static String ociStateJson(String ociVersion, String id, String status, int pid, String bundle,
                                      java.util.Map<String, String> annotations) {
        return StateFile.ociState(ociVersion, id, status, pid, bundle, annotations);
    }

    /** Removes the container's directory and everything in it (the lock file last but one: the dir). */
    public void remove(String id) {
        Path d = dir(id);
        if (!Files.exists(d, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(d)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("remove " + d + ": " + e.getMessage(), e);
        }
    }

    /** The ids with a directory under the root, sorted. */
    public List<String> ids() {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && validId(p.getFileName().toString())
                    && !p.getFileName().toString().equals(LOCKS))
                out.add(p.getFileName().toString());
        } catch (IOException e) {
            throw new UncheckedIOException("list " + root + ": " + e.getMessage(), e);
        }
        out.sort(null);
        return out;
    }

    /** True while the recorded init is alive: same pid, same start time, not a zombie. */
    public static boolean initAlive(ContainerRecord r) {
        if (r.initPid() <= 0) return false;
        long start = ProcFs.startTime(r.initPid());
        if (start < 0 || start != r.initStartTime()) return false;
        char s = ProcFs.state(r.initPid());
        return s != 0 && s != 'Z' && s != 'X';
    }

    /**
     * The live status, derived as runc does: stopped when the init is gone; created while the exec fifo
     * exists; paused when the cgroup is frozen; running otherwise.
     */
    public Status status(ContainerRecord r, BooleanSupplier frozen) {
        if (Status.CREATING.ociName().equals(r.status()) && r.initPid() <= 0) return Status.CREATING;
        if (!initAlive(r)) return Status.STOPPED;
        if (Files.exists(execFifo(r.id()), LinkOption.NOFOLLOW_LINKS)) return Status.CREATED;
        if (Status.CREATING.ociName().equals(r.status())) return Status.CREATING;
        if (frozen.getAsBoolean()) return Status.PAUSED;
        return Status.RUNNING;
    }
}
