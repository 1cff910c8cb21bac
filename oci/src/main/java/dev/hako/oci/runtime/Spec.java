package dev.hako.oci.runtime;

import java.util.List;
import java.util.Map;

/** The runtime-spec config.json. Unknown fields are ignored; absent ones are null. */
public record Spec(
        String ociVersion,
        Process process,
        Root root,
        String hostname,
        String domainname,
        List<Mount> mounts,
        Hooks hooks,
        Map<String, String> annotations,
        Linux linux) {

    public List<Mount> mountsOrEmpty() { return mounts == null ? List.of() : mounts; }

    public Spec withProcess(Process p) {
        return new Spec(ociVersion, p, root, hostname, domainname, mounts, hooks, annotations, linux);
    }

    public Spec withLinux(Linux l) {
        return new Spec(ociVersion, process, root, hostname, domainname, mounts, hooks, annotations, l);
    }
}
