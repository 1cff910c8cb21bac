package dev.hako.engine.container;

import dev.hako.engine.EngineException;
import dev.hako.engine.FileTrees;
import dev.hako.kernel.fs.ReentrantFileLock;
import dev.hako.oci.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Containers on disk: {@code <root>/containers/<id>/} holds container.json ({@link ContainerRecord}),
 * state.json ({@link ContainerState}), the bundle (config.json), the snapshot, the log and the monitor's exit
 * file. Every JSON file is written atomically. Creating and removing take a store-wide lock (a file lock, so
 * concurrent hako processes agree on unique names); lookups take none.
 */
public final class ContainerStore implements dev.hako.image.store.ImageService.ImageUsage {
    private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    public static final String RECORD = "container.json", STATE = "state.json";

    private final Path dir;
    private final SecureRandom random = new SecureRandom();
    private final ReentrantFileLock lock;   // an flock: other stores of this JVM and other processes wait on it

    /** @param root the engine's persistent root (/var/lib/hako) */
    public ContainerStore(Path root) {
        this.dir = root.resolve("containers");
        this.lock = new ReentrantFileLock(dir.resolve(".lock"));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("create " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dir() { return dir; }

    public Path dir(String id) {
        if (!ID.matcher(id).matches()) throw new IllegalArgumentException("not a container id: " + id);
        return dir.resolve(id);
    }

    public static boolean validName(String name) { return NAME.matcher(name).matches(); }

    /** Held while a container's name is reserved or released; close to release. Reentrant for the holding thread. */
    public ReentrantFileLock.Held lock() {
        return lock.lock();
    }

    public String newId() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * Makes the container's directory and writes its record, with a fresh id and {@code name} (null: a generated
     * one). Fails with docker's message when the name is taken.
     */
    public ContainerRecord create(ContainerRecord template, String name) {
        if (name != null && !validName(name))
            throw new EngineException("Invalid container name (" + name + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        try (var _ = lock()) {
            List<ContainerRecord> all = list();
            String chosen = name;
            if (chosen == null) {
                for (int i = 0; chosen == null || taken(all, chosen); i++) chosen = NameGenerator.generate(random, i / 10);
            } else {
                for (ContainerRecord r : all) {
                    if (r.name().equals(chosen))
                        throw new EngineException("Conflict. The container name \"/" + chosen + "\" is already in use by container \""
                                + r.id() + "\". You have to remove (or rename) that container to be able to reuse that name.", 125, null);
                }
            }
            String id;
            do id = newId(); while (Files.exists(dir.resolve(id), LinkOption.NOFOLLOW_LINKS));
            ContainerRecord r = template.withIdentity(id, chosen);
            Path d = dir.resolve(id);
            Files.createDirectory(d);
            Json.writeAtomic(d.resolve(STATE), ContainerState.created());
            // the record last: a directory without it is a half-made container, skipped by list() and removable
            Json.writeAtomic(d.resolve(RECORD), r);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("create container in " + dir + ": " + e.getMessage(), e);
        } catch (EngineException | UncheckedIOException e) {
            throw e;
        } catch (Exception e) {
            throw new EngineException(e.getMessage(), e);
        }
    }

    private static boolean taken(List<ContainerRecord> all, String name) {
        for (ContainerRecord r : all) if (r.name().equals(name)) return true;
        return false;
    }

    public Optional<ContainerRecord> read(String id) {
        Path f = dir(id).resolve(RECORD);
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
        return Optional.of(Json.read(f, ContainerRecord.class));
    }

    public ContainerState state(String id) {
        Path f = dir(id).resolve(STATE);
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return ContainerState.created();
        return Json.read(f, ContainerState.class);
    }

    public void writeState(String id, ContainerState s) { Json.writeAtomic(dir(id).resolve(STATE), s); }

    /** Every complete container record, oldest first. */
    /** What keeps rmi and image prune from removing an image a container was made from. */
    @Override
    public List<String> containersUsing(dev.hako.oci.image.Digest imageId) {
        return list().stream().filter(r -> imageId.toString().equals(r.imageId())).map(ContainerRecord::id).toList();
    }

    public List<ContainerRecord> list() {
        List<ContainerRecord> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String id = p.getFileName().toString();
                if (!ID.matcher(id).matches()) continue;
                try {
                    read(id).ifPresent(out::add);
                } catch (RuntimeException e) {
                    // a damaged record must not hide the others; it still can be removed by id
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("list " + dir + ": " + e.getMessage(), e);
        }
        out.sort((a, b) -> a.created().compareTo(b.created()));
        return out;
    }

    /** docker's lookup order: full id, exact name, then a unique id prefix. */
    public ContainerRecord lookup(String ref) {
        if (ref == null || ref.isEmpty()) throw new EngineException("No such container: " + ref, 1, null);
        if (ID.matcher(ref).matches()) {
            Optional<ContainerRecord> r = read(ref);
            if (r.isPresent()) return r.get();
        }
        List<ContainerRecord> all = list();
        for (ContainerRecord r : all) if (r.name().equals(ref)) return r;
        ContainerRecord match = null;
        if (ref.matches("[0-9a-f]+")) {
            for (ContainerRecord r : all) {
                if (!r.id().startsWith(ref)) continue;
                if (match != null) throw new EngineException("multiple IDs found with provided prefix: " + ref, 1, null);
                match = r;
            }
        }
        if (match == null) throw new EngineException("No such container: " + ref, 1, null);
        return match;
    }

    /** Removes the container's directory (the caller has unmounted its snapshot). */
    public void remove(String id) {
        Path d = dir(id);
        try (var _ = lock()) {
            FileTrees.delete(d);
        } catch (IOException e) {
            throw new UncheckedIOException("remove " + d + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new EngineException(e.getMessage(), e);
        }
    }
}
