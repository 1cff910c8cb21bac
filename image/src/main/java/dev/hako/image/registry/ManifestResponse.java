package dev.hako.image.registry;

import dev.hako.image.reference.Reference;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.ImageDocument;

/** A fetched manifest or index: its verified descriptor (media type, digest, size), raw bytes and parsed form. */
public record ManifestResponse(Reference reference, Descriptor descriptor, byte[] bytes, ImageDocument document) {}
