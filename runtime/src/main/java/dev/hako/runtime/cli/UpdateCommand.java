package dev.hako.runtime.cli;

import dev.hako.oci.Json;
import dev.hako.oci.OciException;
import dev.hako.oci.runtime.Resources;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

@Command(name = "update", headerHeading = "NAME:%n", header = "   hako-runtime update - update container resource constraints",
        synopsisHeading = "%nUSAGE:%n   ", customSynopsis = "hako-runtime update [command options] <container-id>",
        descriptionHeading = "%nDESCRIPTION:%n",
        description = {"   With -r FILE (or - for stdin) the resources are read as linux.resources JSON of the",
                "runtime-spec (memory, cpu, pids, blockIO, ...) and all other options are ignored."},
        optionListHeading = "%nOPTIONS:%n")
public final class UpdateCommand extends BaseCommand {
    @Option(names = {"--resources", "-r"}, paramLabel = "value",
            description = "path to the file containing the resources to update or '-' to read from the standard input")
    String resources;

    @Option(names = "--blkio-weight", paramLabel = "value", description = "Specifies per cgroup weight, range is from 10 to 1000 (default: 0)")
    Integer blkioWeight;

    @Option(names = "--cpu-period", paramLabel = "value", description = "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default")
    String cpuPeriod;

    @Option(names = "--cpu-quota", paramLabel = "value", description = "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period")
    String cpuQuota;

    @Option(names = {"--cpu-share", "--cpu-shares"}, paramLabel = "value", description = "CPU shares (relative weight vs. other containers)")
    String cpuShare;

    @Option(names = "--cpu-rt-period", paramLabel = "value", description = "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default")
    String cpuRtPeriod;

    @Option(names = "--cpu-rt-runtime", paramLabel = "value", description = "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period")
    String cpuRtRuntime;

    @Option(names = "--cpuset-cpus", paramLabel = "value", description = "CPU(s) to use")
    String cpusetCpus;

    @Option(names = "--cpuset-mems", paramLabel = "value", description = "Memory node(s) to use")
    String cpusetMems;

    @Option(names = "--memory", paramLabel = "value", description = "Memory limit (in bytes)")
    String memory;

    @Option(names = "--memory-reservation", paramLabel = "value", description = "Memory reservation or soft_limit (in bytes)")
    String memoryReservation;

    @Option(names = "--memory-swap", paramLabel = "value", description = "Total memory usage (memory + swap); set '-1' to enable unlimited swap")
    String memorySwap;

    @Option(names = "--kernel-memory", paramLabel = "value", hidden = true)
    String kernelMemory;

    @Option(names = "--kernel-memory-tcp", paramLabel = "value", hidden = true)
    String kernelMemoryTcp;

    @Option(names = "--pids-limit", paramLabel = "value", description = "Maximum number of pids allowed in the container (default: 0)")
    Long pidsLimit;

    @Option(names = "--l3-cache-schema", paramLabel = "value", description = "The string of Intel RDT/CAT L3 cache schema (not supported)")
    String l3CacheSchema;

    @Option(names = "--mem-bw-schema", paramLabel = "value", description = "The string of Intel RDT/MBA memory bandwidth schema (not supported)")
    String memBwSchema;

    @Parameters(hidden = true, paramLabel = "<container-id>", arity = "0..*")
    List<String> args;

    /** The resources to change: only the fields given are non-null. */
    Resources patch(InputStream stdin) {
        if (resources != null) {
            byte[] json;
            try {
                json = resources.equals("-") ? stdin.readAllBytes() : Files.readAllBytes(Path.of(resources));
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
    int execute() {
        checkArgs(args, 1, UsageException.Kind.EXACT);
        return new Actions(parent).update(args.getFirst(), patch(System.in));
    }
}
