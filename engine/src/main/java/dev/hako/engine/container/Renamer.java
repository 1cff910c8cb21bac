package dev.hako.engine.container;

import dev.hako.engine.EngineException;
import dev.hako.oci.Json;

/** docker rename: the record's name changes under the store lock, so two renames cannot take the same name. */
public final class Renamer {
    private Renamer() {}

    public static void rename(ContainerStore store, String ref, String newName) {
        if (ref == null || ref.isEmpty() || newName == null || newName.isEmpty())
            throw new EngineException("Neither old nor new names may be empty", 1, null);
        String name = newName.startsWith("/") ? newName.substring(1) : newName;
        if (!ContainerStore.validName(name))
            throw new EngineException("Invalid container name (" + name + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", 1, null);
        try (var _ = store.lock()) {
            ContainerRecord r = store.lookup(ref);
            if (r.name().equals(name))
                throw new EngineException("Renaming a container with the same name as its current name", 1, null);
            for (ContainerRecord other : store.list()) {
                if (other.name().equals(name))
                    throw new EngineException("Error when allocating new name: Conflict. The container name \"/" + name
                            + "\" is already in use by container \"" + other.id()
                            + "\". You have to remove (or rename) that container to be able to reuse that name.", 1, null);
            }
            Json.writeAtomic(store.dir(r.id()).resolve(ContainerStore.RECORD), r.withIdentity(r.id(), name));
        } catch (EngineException e) {
            throw e;
        } catch (Exception e) {
            throw new EngineException("rename " + ref + ": " + e.getMessage(), 1, e);
        }
    }
}
