package dev.hako.runtime.cli;

import dev.hako.oci.Json;
import dev.hako.oci.OciException;
import dev.hako.oci.runtime.Resources;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

public final class UpdateCommand implements CommandSpec.Command {
    static final CommandSpec SPEC = new CommandSpec("update", "update container resource constraints",
            "[command options] <container-id>",
            """
            With -r FILE (or - for stdin) the resources are read as the linux.resources JSON of
            the runtime-spec (memory, cpu, pids, blockIO, ...) and all other options are ignored.""",
            List.of(Flag.string("resources", "r", "path to the file containing the resources to update or '-' to read from the standard input"),
                    Flag.string("blkio-weight", null, "Specifies per cgroup weight, range is from 10 to 1000 (default: 0)"),
                    Flag.string("cpu-period", null, "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default"),
                    Flag.string("cpu-quota", null, "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"),
                    Flag.string("cpu-share", "cpu-shares", "CPU shares (relative weight vs. other containers)"),
                    Flag.string("cpu-rt-period", null, "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default"),
                    Flag.string("cpu-rt-runtime", null, "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period"),
                    Flag.string("cpuset-cpus", null, "CPU(s) to use"),
                    Flag.string("cpuset-mems", null, "Memory node(s) to use"),
                    Flag.string("memory", null, "Memory limit (in bytes)"),
                    Flag.string("memory-reservation", null, "Memory reservation or soft_limit (in bytes)"),
                    Flag.string("memory-swap", null, "Total memory usage (memory + swap); set '-1' to enable unlimited swap"),
                    Flag.string("kernel-memory", null, "(deprecated) Kernel memory limit (in bytes)"),
                    Flag.string("kernel-memory-tcp", null, "(deprecated) Kernel memory limit (in bytes) for tcp buffer"),
                    Flag.string("pids-limit", null, "Maximum number of pids allowed in the container (default: 0)"),
                    Flag.string("l3-cache-schema", null, "The string of Intel RDT/CAT L3 cache schema (not supported)"),
                    Flag.string("mem-bw-schema", null, "The string of Intel RDT/MBA memory bandwidth schema (not supported)")),
            true, UpdateCommand::new);

    final Globals g;
    final List<String> args;
    final String resources;
    final Integer blkioWeight;
    final String cpuPeriod, cpuQuota, cpuShare, cpuRtPeriod, cpuRtRuntime, cpusetCpus, cpusetMems;
    final String memory, memoryReservation, memorySwap, kernelMemory, kernelMemoryTcp;
    final Long pidsLimit;
    final String l3CacheSchema, memBwSchema;

    UpdateCommand(Globals g, ParsedArgs a) throws ParsedArgs.BadFlag {
        this.g = g;
        this.args = a.args();
        this.resources = a.string("resources");
        this.blkioWeight = a.isSet("blkio-weight") ? a.integer("blkio-weight", 0) : null;
        this.cpuPeriod = a.string("cpu-period");
        this.cpuQuota = a.string("cpu-quota");
        this.cpuShare = a.string("cpu-share");
        this.cpuRtPeriod = a.string("cpu-rt-period");
        this.cpuRtRuntime = a.string("cpu-rt-runtime");
        this.cpusetCpus = a.string("cpuset-cpus");
        this.cpusetMems = a.string("cpuset-mems");
        this.memory = a.string("memory");
        this.memoryReservation = a.string("memory-reservation");
        this.memorySwap = a.string("memory-swap");
        this.kernelMemory = a.string("kernel-memory");
        this.kernelMemoryTcp = a.string("kernel-memory-tcp");
        String pl = a.string("pids-limit");
        try {
            this.pidsLimit = pl == null ? null : Long.parseLong(pl);
        } catch (NumberFormatException e) {
            throw new ParsedArgs.BadFlag("invalid value \"" + pl + "\" for flag -pids-limit: parse error");
        }
        this.l3CacheSchema = a.string("l3-cache-schema");
        this.memBwSchema = a.string("mem-bw-schema");
    }

    /** The resources to change: only the fields given are non-null. */
    Resources patch(InputStream stdin) {
        if (resources != null) {
            byte[] json;
            try {
                json = resources.equals("-") ? stdin.readAllBytes() : Files.readAllBytes(g.path(resources));
            } catch (IOException e) {
                throw new CliException("open " + resources + ": " + e.getMessage(), e);
            }
            try {
                return Json.parse(json, Resources.class);
            } catch (OciException e) {
                throw new CliException("decode resources " + resources + ": " + e.getMessage(), e);
            }
        }
        if (l3CacheSchema != null || memBwSchema != null) {
            throw new CliException("Intel RDT is not supported by hako-runtime");
        }
        Resources.Memory mem = null;
        if (memory != null || memoryReservation != null || memorySwap != null || kernelMemory != null || kernelMemoryTcp != null) {
            mem = new Resources.Memory(mem("memory", memory), mem("memory-reservation", memoryReservation),
                    mem("memory-swap", memorySwap), mem("kernel-memory", kernelMemory),
                    mem("kernel-memory-tcp", kernelMemoryTcp), null, null, null, null);
        }
        Resources.Cpu cpu = null;
        if (cpuPeriod != null || cpuQuota != null || cpuShare != null || cpuRtPeriod != null || cpuRtRuntime != null
                || cpusetCpus != null || cpusetMems != null) {
            cpu = new Resources.Cpu(num("cpu-share", cpuShare, false), num("cpu-quota", cpuQuota, true), null,
                    num("cpu-period", cpuPeriod, false), num("cpu-rt-runtime", cpuRtRuntime, true),
                    num("cpu-rt-period", cpuRtPeriod, false), cpusetCpus, cpusetMems, null);
        }
        Resources.BlockIO blkio = null;
        if (blkioWeight != null) {
            if (blkioWeight != 0 && (blkioWeight < 10 || blkioWeight > 1000)) {
                throw new CliException("invalid value " + blkioWeight + " for flag --blkio-weight: range is from 10 to 1000");
            }
            blkio = new Resources.BlockIO(blkioWeight, null, null, null, null, null, null);
        }
        Resources.Pids pids = pidsLimit == null ? null : new Resources.Pids(pidsLimit);
        return new Resources(null, mem, cpu, pids, blkio, null, null, null, null);
    }

    private static Long mem(String flag, String v) {
        if (v == null) return null;
        try {
            return RamSize.parseMemory(v);
        } catch (IllegalArgumentException e) {
            throw new CliException("invalid value for " + flag + ": " + e.getMessage());
        }
    }

    private static Long num(String flag, String v, boolean signed) {
        if (v == null || v.isEmpty()) return null;
        try {
            long n = Long.parseLong(v);
            if (!signed && n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new CliException("invalid value for " + flag + ": " + v);
        }
    }

    @Override
    public int execute() {
        UsageException.check("update", args, 1, UsageException.Kind.EXACT);
        return new Actions(g).update(args.getFirst(), patch(g.in()));
    }
}
