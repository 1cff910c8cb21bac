package dev.hako.engine.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What `hako run`/`create` flags ask for, before any defaults are applied: docker's Config + HostConfig as one
 * flat bag. Null, zero or empty means "not given". Kept in the container's record (container.json), so later
 * commands (start, restart, inspect, network connect) see what the container was created with.
 *
 * <p>Plain public fields, grouped by concern, so the CLI and embedders set only what they need and new options
 * are one line each. Sizes are bytes.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class RunOptions {
    // ---- process
    /** arguments after the image (replace the image's Cmd) */
    public List<String> command = new ArrayList<>();
    /** --entrypoint: null keeps the image's; "" clears it */
    public String entrypoint;
    /** -e KEY=VALUE (a bare KEY is taken from the caller's environment by the CLI before it gets here) */
    public List<String> env = new ArrayList<>();
    /** -u name|uid[:group|gid] */
    public String user;
    public String workdir;
    public boolean tty;
    public boolean interactive;
    /** docker's StdinOnce (`run -i` in the foreground): the container's stdin closes when the attached client's ends */
    public boolean stdinOnce;

    // ---- attach (-a/--attach: docker's Config.AttachStdin/Stdout/Stderr, shown by inspect; `start -a` attaches
    // stdout and stderr whatever they say, as docker's)
    public boolean attachStdin;
    public boolean attachStdout;
    public boolean attachStderr;

    // ---- identity
    public String hostname;
    /** -l/--label KEY=VALUE */
    public Map<String, String> labels = new LinkedHashMap<>();

    // ---- filesystem
    public boolean readOnly;
    /** --tmpfs /dst[:options] */
    public List<String> tmpfs = new ArrayList<>();
    /** -v /src:/dst[:ro|rw] */
    public List<String> binds = new ArrayList<>();
    /** 0: docker's 64m */
    public long shmSize;

    // ---- resources
    /** --memory (0: no limit) */
    public long memory;
    /** --cpus (0: no limit) */
    public double cpus;
    /** --pids-limit (0: no limit) */
    public long pidsLimit;

    // ---- security
    public List<String> capAdd = new ArrayList<>();
    public List<String> capDrop = new ArrayList<>();
    public boolean privileged;
    /** seccomp=FILE|unconfined, no-new-privileges[:true|false] */
    public List<String> securityOpt = new ArrayList<>();
    public Map<String, String> sysctls = new LinkedHashMap<>();

    // ---- lifecycle (restart policy, stop signal/timeout, init, runtime)
    /** --restart no|on-failure[:N]|always|unless-stopped (null: no) */
    public String restart;
    /** --stop-signal, --stop-timeout (seconds): override the image's */
    public String stopSignal;
    public Integer stopTimeout;
    /** --log-driver json-file|none (null: json-file) and its --log-opt KEY=VALUE (max-size, max-file) */
    public String logDriver;
    public Map<String, String> logOpts = new LinkedHashMap<>();
    /** --init: hako-init as PID 1 (reaps zombies, forwards signals) */
    public boolean init;

    // ---- volumes and mounts (named volumes, --mount)
    /** --mount type=bind|volume|tmpfs,source=…,target=…,… (docker's CSV); -v (named, anonymous, bind) is {@link #binds} */
    public List<String> mounts = new ArrayList<>();

    // ---- network
    /** --network bridge|none|host|container:NAME|NETWORK (repeatable; empty: the default network) */
    public List<String> networks = new ArrayList<>();
    /** --ip (on the first network) */
    public String ip;
    /** --network-alias (on the first network) */
    public List<String> networkAliases = new ArrayList<>();
    /** -p [ip:][hostPort:]containerPort[/proto] */
    public List<String> publish = new ArrayList<>();
    /** -P: every port the image exposes, to a free host port */
    public boolean publishAll;
    public List<String> dns = new ArrayList<>();
    public List<String> dnsSearch = new ArrayList<>();
    public List<String> dnsOptions = new ArrayList<>();
    /** --add-host name:ip */
    public List<String> addHosts = new ArrayList<>();

    // ---- run flags (applied by RunFlags; -l/--label and --label-file fill labels, --env-file fills env)
    /** --ulimit NAME=SOFT[:HARD] */
    public List<String> ulimits = new ArrayList<>();
    /** --device HOST[:CONTAINER][:rwm] */
    public List<String> devices = new ArrayList<>();
    /** --cpu-shares (0: the default 1024) */
    public long cpuShares;
    /** --cpuset-cpus / --cpuset-mems: "0-1,3" */
    public String cpusetCpus;
    public String cpusetMems;
    /** --cpu-period / --cpu-quota (microseconds; quota -1: unlimited) */
    public long cpuPeriod;
    public long cpuQuota;
    /** --memory-swap: memory + swap (-1: unlimited, 0: not given) */
    public long memorySwap;
    /** --memory-reservation (soft limit) */
    public long memoryReservation;
    /** --oom-score-adj (-1000..1000) */
    public int oomScoreAdj;
    /** --group-add GROUP|GID */
    public List<String> groupAdd = new ArrayList<>();
    /** --platform the image was pulled for (pull-on-run) */
    public String platform;
    /** --runtime: null or "" for the built-in one; runc, crun or an absolute path of an OCI runtime */
    public String runtime;

    public RunOptions() {}

    /** Options that only replace the image's Cmd. */
    public static RunOptions of(List<String> command) {
        RunOptions o = new RunOptions();
        o.command = new ArrayList<>(command);
        return o;
    }

    /** Refuses what no container can have; the CLI maps the message to docker's wording. */
    public RunOptions validate() {
        if (memory < 0 || cpus < 0 || pidsLimit < 0 || shmSize < 0) throw new IllegalArgumentException("limits must not be negative");
        RunFlags.validate(this);
        return this;
    }

    /** Whether any flag of the "run flags" section that changes the spec was given. */
    public boolean hasRunFlags() {
        return !ulimits.isEmpty() || !devices.isEmpty() || cpuShares != 0 || cpusetCpus != null || cpusetMems != null
                || cpuPeriod != 0 || cpuQuota != 0 || memorySwap != 0 || memoryReservation != 0 || oomScoreAdj != 0
                || !groupAdd.isEmpty();
    }

    /** Equal when they serialise alike (as stored in container.json). */
    @Override
    public boolean equals(Object other) {
        return other instanceof RunOptions o && tree().equals(o.tree());
    }

    @Override
    public int hashCode() { return tree().hashCode(); }

    @Override
    public String toString() { return tree().toString(); }

    private com.fasterxml.jackson.databind.JsonNode tree() { return dev.hako.oci.Json.mapper().valueToTree(this); }

    public RunOptions withEnv(List<String> e) {
        env = new ArrayList<>(e);
        return this;
    }

    public RunOptions withUser(String u) {
        user = u;
        return this;
    }
}
