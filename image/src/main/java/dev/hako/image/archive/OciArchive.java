package dev.hako.image.archive;

import dev.hako.image.content.BlobWriter;
import dev.hako.image.content.ContentStore;
import dev.hako.image.reference.InvalidReferenceException;
import dev.hako.image.reference.Reference;
import dev.hako.oci.Json;
import dev.hako.oci.OciException;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;
import dev.hako.oci.image.ImageDocument;
import dev.hako.oci.image.ImageLayout;
import dev.hako.oci.image.Index;
import dev.hako.oci.image.Manifest;
import dev.hako.oci.image.MediaTypes;
import dev.hako.oci.image.Platform;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** A tar of an OCI image layout (skopeo's and podman's oci-archive). */
public final class OciArchive {
    /** containerd's and docker's annotation with the full image name. */
    public static final String CONTAINERD_IMAGE_NAME = "io.containerd.image.name";

    private OciArchive() {}

    /** Writes oci-layout, index.json (one entry per name, or one unnamed entry) and every blob the images need. */
    public static void write(ContentStore store, List<ArchiveImage> images, OutputStream out) throws IOException {
        TarArchiveOutputStream tar = Tars.writer(out);
        Tars.file(tar, ImageLayout.FILE, Json.bytes(ImageLayout.current()));
        List<Descriptor> entries = new ArrayList<>();
        Set<Digest> written = new HashSet<>();
        Tars.dir(tar, "blobs");
        Tars.dir(tar, "blobs/sha256");
        for (ArchiveImage image : images) {
            Manifest m = store.readManifest(image.manifest());
            List<Descriptor> blobs = new ArrayList<>();
            blobs.add(image.manifest());
            blobs.addAll(m.blobs());
            for (Descriptor b : blobs) {
                if (!written.add(b.digest())) continue;
                Path p = store.blobPath(b.digest());
                if (!java.nio.file.Files.exists(p))
                    throw new ArchiveException("blob " + b.digest() + " of image " + m.config().digest() + " is not in the content store");
                Tars.file(tar, "blobs/" + b.digest().algorithm() + "/" + b.digest().encoded(), p);
            }
            Descriptor base = new Descriptor(image.manifest().mediaType(), image.manifest().digest(), image.manifest().size());
            if (image.names().isEmpty()) entries.add(base);
            for (String name : image.names()) {
                Map<String, String> ann = new TreeMap<>();
                ann.put(CONTAINERD_IMAGE_NAME, name);
                ann.put(Descriptor.ANNOTATION_REF_NAME, name);
                entries.add(base.withAnnotations(ann));
            }
        }
        Tars.file(tar, "index.json", Json.bytes(new Index(MediaTypes.OCI_INDEX, entries)));
        tar.finish();
        tar.flush();
    }

    /**
     * Reads an OCI layout tar: every blob is verified against its name while it is stored; manifests
     * named in index.json (an index entry: the host platform's manifest) are returned with their names.
     */
    public static List<ArchiveImage> read(Path tarFile, ContentStore store, Platform platform) throws IOException {
        byte[] indexJson = null;
        boolean layout = false;
        try (TarArchiveInputStream in = Tars.reader(tarFile)) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (!e.isFile()) continue;
                String n = Tars.clean(e.getName());
                if (n.equals("index.json")) indexJson = Tars.readAll(in, ContentStore.MAX_MANIFEST_SIZE);
                else if (n.equals(ImageLayout.FILE)) layout = true;
                else if (n.startsWith("blobs/")) storeBlob(store, in, e, n, tarFile);
            }
        }
        if (!layout || indexJson == null) throw new ArchiveException(tarFile + ": not an OCI archive (no oci-layout or index.json)");
        Index index = Json.parse(indexJson, Index.class).validate(tarFile + " index.json");
        Map<Digest, ArchiveImage> byManifest = new LinkedHashMap<>();
        for (Descriptor d : index.manifestsOrEmpty()) {
            Descriptor manifest = pick(store, d, platform, tarFile);
            if (manifest == null) continue;
            String name = nameOf(d);
            ArchiveImage prev = byManifest.get(manifest.digest());
            List<String> names = new ArrayList<>(prev == null ? List.of() : prev.names());
            if (name != null && !names.contains(name)) names.add(name);
            byManifest.put(manifest.digest(), new ArchiveImage(names, manifest));
        }
        if (byManifest.isEmpty()) throw new ArchiveException(tarFile + ": index.json names no image for " + platform);
        return List.copyOf(byManifest.values());
    }

    private static void storeBlob(ContentStore store, InputStream in, TarArchiveEntry e, String n, Path tarFile) throws IOException {
        String[] parts = n.split("/");
        if (parts.length != 3) return;
        Digest d;
        try {
            d = new Digest(parts[1], parts[2]);
        } catch (OciException ex) {
            throw new ArchiveException(tarFile + ": " + n + ": " + ex.getMessage());
        }
        try (BlobWriter w = store.writer(new Descriptor("application/octet-stream", d, e.getSize()))) {
            if (w.alreadyExists()) return;
            if (w.offset() > 0) w.reset();
            w.writeAll(in);
            w.commit();
        } catch (RuntimeException ex) {
            throw new ArchiveException(tarFile + ": blob " + n + ": " + ex.getMessage(), ex);
        }
    }

    /** The manifest for {@code d}: itself, or from an index the one for {@code platform}. */
    private static Descriptor pick(ContentStore store, Descriptor d, Platform platform, Path tarFile) {
        if (!store.has(d.digest())) throw new ArchiveException(tarFile + ": index.json names " + d.digest() + " but the blob is missing");
        ImageDocument doc = store.readDocument(d);
        return switch (doc) {
            case Manifest m -> new Descriptor(m.mediaType() != null ? m.mediaType() : MediaTypes.OCI_MANIFEST, d.digest(), d.size());
            case Index idx -> {
                Descriptor sel = idx.select(platform);
                yield sel == null ? null : pick(store, sel, platform, tarFile);
            }
        };
    }

    /** The image name from the annotations: containerd's full name, else ref.name when it is a full name. */
    static String nameOf(Descriptor d) {
        String full = d.annotationsOrEmpty().get(CONTAINERD_IMAGE_NAME);
        String ref = d.refName();
        for (String candidate : new String[]{full, ref}) {
            if (candidate == null) continue;
            // a bare tag ("latest") is not a name; a name has a repository part
            if (!candidate.contains("/") && !candidate.contains(":")) continue;
            try {
                return Reference.parse(candidate).toString();
            } catch (InvalidReferenceException ignored) {
                // try the next
            }
        }
        return null;
    }
}
