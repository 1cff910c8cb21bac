package dev.hako.oci.runtime;

import java.util.List;
import java.util.Map;

public record Linux(
        List<Namespace> namespaces,
        List<IdMapping> uidMappings,
        List<IdMapping> gidMappings,
        Map<String, TimeOffset> timeOffsets,
        List<Device> devices,
        String cgroupsPath,
        Resources resources,
        String rootfsPropagation,
        Seccomp seccomp,
        Map<String, String> sysctl,
        List<String> maskedPaths,
        List<String> readonlyPaths,
        String mountLabel,
        Personality personality,
        IntelRdt intelRdt) {

    public List<Namespace> namespacesOrEmpty() { return namespaces == null ? List.of() : namespaces; }

    /** type: pid network mount ipc uts user cgroup time; path null means a new namespace. */
    public record Namespace(String type, String path) {}

    public record TimeOffset(long secs, long nanosecs) {}

    public record Device(String type, String path, Long major, Long minor, Integer fileMode, Integer uid, Integer gid) {}

    public record Personality(String domain, List<String> flags) {}

    public record IntelRdt(String closID, String l3CacheSchema, String memBwSchema) {}

    public record Seccomp(String defaultAction, Integer defaultErrnoRet, List<String> architectures,
                          List<String> flags, String listenerPath, String listenerMetadata,
                          List<Syscall> syscalls) {}

    public record Syscall(List<String> names, String action, Integer errnoRet, List<SeccompArg> args) {}

    public record SeccompArg(int index, long value, Long valueTwo, String op) {}

    public Linux withResources(Resources r) {
        return new Linux(namespaces, uidMappings, gidMappings, timeOffsets, devices, cgroupsPath, r,
                rootfsPropagation, seccomp, sysctl, maskedPaths, readonlyPaths, mountLabel, personality, intelRdt);
    }
}
