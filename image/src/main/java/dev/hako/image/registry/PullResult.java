package dev.hako.image.registry;

import dev.hako.image.reference.Reference;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.ImageConfig;
import dev.hako.oci.image.Manifest;

/**
 * What a pull stored (everything below is in the ContentStore, verified).
 *
 * @param reference the reference as asked for
 * @param source    where it came from (a mirror or the rewritten location of registries.conf)
 * @param index     the image index / manifest list when the reference named one, else null
 * @param manifest  the platform manifest's descriptor (digest = what "docker images --digests" shows when there is no index)
 * @param parsed    the parsed manifest
 * @param config    the config descriptor (its digest is the image ID)
 * @param imageConfig the parsed config
 */
public record PullResult(Reference reference, Reference source, Descriptor index, Descriptor manifest, Manifest parsed,
                         Descriptor config, ImageConfig imageConfig) {

    /** The digest a registry knows this reference by: the index's if any, else the manifest's. */
    public Descriptor repoDigestTarget() { return index != null ? index : manifest; }
}
