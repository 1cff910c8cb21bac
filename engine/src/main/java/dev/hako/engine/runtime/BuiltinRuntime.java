package dev.hako.engine.runtime;

import dev.hako.kernel.exec.Stdio;
import dev.hako.kernel.exec.Supervision;
import dev.hako.oci.runtime.Process;
import dev.hako.runtime.container.ContainerInfo;
import dev.hako.runtime.container.CreateOptions;
import dev.hako.runtime.container.ExecOptions;
import dev.hako.runtime.container.Runtime;

import java.nio.file.Path;

/** hako's own runtime library, its executor staying as the monitor. */
public record BuiltinRuntime(Runtime runtime) implements ContainerRuntime {
    @Override
    public void create(String id, Path dir, Stdio stdio) {
        runtime.create(id, dir, CreateOptions.defaults().withStdio(stdio), Supervision.MONITOR);
    }

    @Override public void start(String id) { runtime.start(id); }

    @Override public ContainerInfo state(String id) { return runtime.state(id); }

    @Override public void kill(String id, int signal, boolean all) { runtime.kill(id, signal, all); }

    @Override public void delete(String id, boolean force) { runtime.delete(id, force); }

    @Override public void pause(String id) { runtime.pause(id); }

    @Override public void resume(String id) { runtime.resume(id); }

    @Override public int exec(String id, Process process, ExecOptions options) { return runtime.exec(id, process, options); }
}
