package dev.hako.oci.runtime;

import java.util.List;

public record Mount(
        String destination,
        String type,
        String source,
        List<String> options,
        List<IdMapping> uidMappings,
        List<IdMapping> gidMappings) {

    public List<String> optionsOrEmpty() { return options == null ? List.of() : options; }
}
