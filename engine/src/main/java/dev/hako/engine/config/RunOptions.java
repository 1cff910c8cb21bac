package dev.hako.engine.config;

import java.util.List;
import java.util.Map;

/**
 * What `hako run`/`create` flags ask for, before any defaults are applied. Null or empty means "not given".
 *
 * @param command     arguments after the image (replace the image's Cmd)
 * @param entrypoint  --entrypoint: null keeps the image's; "" clears it
 * @param env         -e KEY=VALUE (a bare KEY is taken from {@code hostEnv} by the CLI before it gets here)
 * @param user        -u name|uid[:group|gid]
 * @param memory      --memory in bytes (0: no limit)
 * @param cpus        --cpus (0: no limit)
 * @param pidsLimit   --pids-limit (0: no limit)
 * @param securityOpt seccomp=FILE|unconfined, no-new-privileges[:true|false]
 * @param tmpfs       /dst[:options]
 * @param binds       -v /src:/dst[:ro|rw]
 * @param shmSize     bytes (0: docker's 64m)
 */
public record RunOptions(List<String> command, String entrypoint, List<String> env, String user, String workdir,
                         String hostname, boolean readOnly, long memory, double cpus, long pidsLimit,
                         List<String> capAdd, List<String> capDrop, boolean privileged, List<String> securityOpt,
                         List<String> tmpfs, List<String> binds, long shmSize, Map<String, String> sysctls,
                         boolean tty, boolean interactive) {
    public RunOptions {
        command = command == null ? List.of() : List.copyOf(command);
        env = env == null ? List.of() : List.copyOf(env);
        capAdd = capAdd == null ? List.of() : List.copyOf(capAdd);
        capDrop = capDrop == null ? List.of() : List.copyOf(capDrop);
        securityOpt = securityOpt == null ? List.of() : List.copyOf(securityOpt);
        tmpfs = tmpfs == null ? List.of() : List.copyOf(tmpfs);
        binds = binds == null ? List.of() : List.copyOf(binds);
        sysctls = sysctls == null ? Map.of() : Map.copyOf(sysctls);
        if (memory < 0 || cpus < 0 || pidsLimit < 0 || shmSize < 0) throw new IllegalArgumentException("limits must not be negative");
    }

    public static RunOptions of(List<String> command) {
        return new RunOptions(command, null, null, null, null, null, false, 0, 0, 0, null, null, false, null, null,
                null, 0, null, false, false);
    }

    /** A builder-ish copy for the few fields tests and the CLI set one at a time. */
    public RunOptions withEnv(List<String> e) {
        return new RunOptions(command, entrypoint, e, user, workdir, hostname, readOnly, memory, cpus, pidsLimit, capAdd,
                capDrop, privileged, securityOpt, tmpfs, binds, shmSize, sysctls, tty, interactive);
    }

    public RunOptions withUser(String u) {
        return new RunOptions(command, entrypoint, env, u, workdir, hostname, readOnly, memory, cpus, pidsLimit, capAdd,
                capDrop, privileged, securityOpt, tmpfs, binds, shmSize, sysctls, tty, interactive);
    }
}
