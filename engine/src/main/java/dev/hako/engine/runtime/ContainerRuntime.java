package dev.hako.engine.runtime;

import dev.hako.kernel.exec.Stdio;
import dev.hako.oci.runtime.Process;
import dev.hako.runtime.container.ContainerInfo;
import dev.hako.runtime.container.ExecOptions;

import java.nio.file.Path;

/**
 * What the engine asks of an OCI runtime for a container it keeps under hako's monitor: the built-in one
 * ({@link BuiltinRuntime}) or another runtime binary such as runc ({@link ExternalRuntime}, `--runtime`).
 * Failures are the runtime library's exceptions (ContainerException, LaunchException).
 */
public interface ContainerRuntime {
    /** Starts the container of bundle {@code dir} (config.json there) with the monitor holding its stdio. */
    void create(String id, Path dir, Stdio stdio);

    /** Lets a created container run (a no-op for runtimes that create and start in one step). */
    void start(String id);

    /** The runtime's view; throws when it does not know the container. */
    ContainerInfo state(String id);

    void kill(String id, int signal, boolean all);

    /** Removes the runtime's state (and kills what is left when {@code force}); a missing container is fine then. */
    void delete(String id, boolean force);

    void pause(String id);

    void resume(String id);

    /** Runs {@code process} in the container; its exit code (0 at once with detach). */
    int exec(String id, Process process, ExecOptions options);
}
