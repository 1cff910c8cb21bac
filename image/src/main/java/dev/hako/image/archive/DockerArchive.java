package dev.hako.image.archive;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.image.content.BlobWriter;
import dev.hako.image.content.ContentStore;
import dev.hako.image.layer.Compression;
import dev.hako.image.reference.Reference;
import dev.hako.oci.Json;
import dev.hako.oci.image.Descriptor;
import dev.hako.oci.image.Digest;
import dev.hako.oci.image.ImageConfig;
import dev.hako.oci.image.Manifest;
import dev.hako.oci.image.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * docker save's archive: {@code manifest.json} ([{Config, RepoTags, Layers}]), {@code repositories},
 * {@code <config hex>.json}, and per layer {@code <v1 id>/{VERSION,json,layer.tar}} with uncompressed tars.
 * Reading also accepts what skopeo/podman and docker ≥ 25 write (layers as {@code <diffid>.tar},
 * {@code blobs/sha256/…}, symlinks between entries, compressed layer tars).
 */
public final class DockerArchive {
    private DockerArchive() {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ManifestEntry(@JsonProperty("Config") String config, @JsonProperty("RepoTags") List<String> repoTags,
                         @JsonProperty("Layers") List<String> layers) {}

    /** Writes {@code images} (manifests in {@code store}) as a docker-archive to {@code out}; {@code tmp} holds unpacked layers briefly. */
    public static void write(ContentStore store, List<ArchiveImage> images, OutputStream out, Path tmp) throws IOException {
        TarArchiveOutputStream tar = Tars.writer(out);
        List<ManifestEntry> manifest = new ArrayList<>();
        Map<String, Map<String, String>> repositories = new LinkedHashMap<>();
        Set<String> written = new HashSet<>();
        for (ArchiveImage image : images) {
            Manifest m = store.readManifest(image.manifest());
            byte[] configBytes = store.read(m.config(), ContentStore.MAX_CONFIG_SIZE);
            ImageConfig config = Json.parse(configBytes, ImageConfig.class);
            List<Digest> diffIds = config.diffIds();
            if (diffIds.size() != m.layersOrEmpty().size())
                throw new ArchiveException("image " + m.config().digest() + ": config lists " + diffIds.size()
                        + " diff_ids but the manifest has " + m.layersOrEmpty().size() + " layers");
            String configName = m.config().digest().encoded() + ".json";
            if (written.add(configName)) Tars.file(tar, configName, configBytes);
            List<String> layerPaths = new ArrayList<>();
            String parent = "";
            for (int i = 0; i < diffIds.size(); i++) {
                // a v1 ID per layer position, chained like docker's: stable for the same layer stack
                String v1 = Digest.sha256((parent + "\n" + diffIds.get(i)).getBytes(StandardCharsets.UTF_8)).encoded();
                String path = v1 + "/layer.tar";
                if (written.add(path)) {
                    Tars.dir(tar, v1);
                    Tars.file(tar, v1 + "/VERSION", "1.0".getBytes(StandardCharsets.UTF_8));
                    ObjectNode json = Json.mapper().createObjectNode();
                    json.put("id", v1);
                    if (!parent.isEmpty()) json.put("parent", parent);
                    json.put("created", config.created() == null ? "1970-01-01T00:00:00Z" : config.created());
                    if (i == diffIds.size() - 1) {
                        json.put("os", config.os());
                        json.put("architecture", config.architecture());
                    }
                    Tars.file(tar, v1 + "/json", Json.bytes(json));
                    Path plain = uncompressed(store, m.layersOrEmpty().get(i), diffIds.get(i), tmp);
                    try {
                        Tars.file(tar, path, plain);
                    } finally {
                        Files.deleteIfExists(plain);
                    }
                }
                layerPaths.add(path);
                parent = v1;
            }
            List<String> tags = new ArrayList<>();
            for (String n : image.names()) {
                Reference r = Reference.parseLoose(n);
                if (r.tag() == null) continue;
                tags.add(r.familiar());
                String repo = new Reference(r.registry(), r.repository(), null, null).familiar();
                repositories.computeIfAbsent(repo, k -> new LinkedHashMap<>()).put(r.tag(), parent);
            }
            manifest.add(new ManifestEntry(configName, tags.isEmpty() ? null : tags, layerPaths));
        }
        if (!repositories.isEmpty()) Tars.file(tar, "repositories", Json.bytes(repositories));
        Tars.file(tar, "manifest.json", Json.bytes(manifest));
        tar.finish();
        tar.flush();
    }

    /** Decompresses a stored layer into a temp file and checks it against its DiffID. */
    static Path uncompressed(ContentStore store, Descriptor layer, Digest diffId, Path tmp) throws IOException {
        Files.createDirectories(tmp);
        Path f = Files.createTempFile(tmp, "layer-", ".tar");
        try (InputStream raw = store.open(layer.digest());
             DigestInputStream in = new DigestInputStream(Compression.decompress(raw), diffId.newMessageDigest())) {
            Files.copy(in, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Digest got = Digest.fromMessageDigest(diffId.algorithm(), in.getMessageDigest());
            if (!got.equals(diffId)) throw new ArchiveException("layer " + layer.digest() + " uncompresses to " + got + ", config says " + diffId);
            return f;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(f);
            throw e;
        }
    }

    /** True if the tar has a manifest.json at its top (docker-archive, also docker ≥ 25's hybrid). */
    public static boolean looksLike(Path tarFile) throws IOException {
        try (TarArchiveInputStream in = Tars.reader(tarFile)) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (Tars.clean(e.getName()).equals("manifest.json")) return true;
            }
        }
        return false;
    }

    /**
     * Reads a docker-archive: stores configs and layers (as they are, compressed or not) in {@code store},
     * writes an OCI manifest per image and returns them with their names.
     */
    public static List<ArchiveImage> read(Path tarFile, ContentStore store) throws IOException {
        // pass 1: the index files and the symlinks between entries
        Map<String, String> links = new HashMap<>();
        Map<String, byte[]> small = new HashMap<>();
        try (TarArchiveInputStream in = Tars.reader(tarFile)) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                String n = Tars.clean(e.getName());
                if (e.isSymbolicLink()) links.put(n, Tars.resolveLink(n, e.getLinkName()));
                else if (e.isLink()) links.put(n, Tars.clean(e.getLinkName()));
                else if (e.isFile() && (n.equals("manifest.json") || n.equals("repositories")))
                    small.put(n, Tars.readAll(in, ContentStore.MAX_MANIFEST_SIZE));
            }
        }
        byte[] mj = small.get("manifest.json");
        if (mj == null) throw new ArchiveException(tarFile + ": not a docker archive (no manifest.json)");
        List<ManifestEntry> entries = Json.mapper().readValue(mj, new TypeReference<List<ManifestEntry>>() {});
        Set<String> configs = new HashSet<>(), layers = new HashSet<>();
        for (ManifestEntry me : entries) {
            if (me.config() == null || me.layers() == null)
                throw new ArchiveException(tarFile + ": manifest.json entry without Config or Layers");
            configs.add(follow(links, Tars.clean(me.config())));
            for (String l : me.layers()) layers.add(follow(links, Tars.clean(l)));
        }
        // pass 2: configs into memory, layers into the content store
        Map<String, byte[]> configBytes = new HashMap<>();
        Map<String, Descriptor> layerDescs = new HashMap<>();
        try (TarArchiveInputStream in = Tars.reader(tarFile)) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (!e.isFile()) continue;
                String n = Tars.clean(e.getName());
                if (configs.contains(n)) configBytes.put(n, Tars.readAll(in, ContentStore.MAX_CONFIG_SIZE));
                if (layers.contains(n) && !layerDescs.containsKey(n)) layerDescs.put(n, storeLayer(store, in, n));
            }
        }
        List<ArchiveImage> out = new ArrayList<>();
        for (ManifestEntry me : entries) {
            String cn = follow(links, Tars.clean(me.config()));
            byte[] cb = configBytes.get(cn);
            if (cb == null) throw new ArchiveException(tarFile + ": config " + me.config() + " is not in the archive");
            ImageConfig config = Json.parse(cb, ImageConfig.class).validate(tarFile + " " + cn);
            if (config.diffIds().size() != me.layers().size())
                throw new ArchiveException(tarFile + ": " + cn + " lists " + config.diffIds().size()
                        + " diff_ids but manifest.json has " + me.layers().size() + " layers");
            Descriptor configDesc = store.put(MediaTypes.OCI_CONFIG, cb);
            List<Descriptor> ls = new ArrayList<>();
            for (String l : me.layers()) {
                Descriptor d = layerDescs.get(follow(links, Tars.clean(l)));
                if (d == null) throw new ArchiveException(tarFile + ": layer " + l + " is not in the archive");
                ls.add(d);
            }
            Manifest m = new Manifest(MediaTypes.OCI_MANIFEST, configDesc, ls);
            Descriptor md = store.put(MediaTypes.OCI_MANIFEST, Json.bytes(m));
            List<String> names = new ArrayList<>();
            if (me.repoTags() != null) for (String t : me.repoTags()) names.add(Reference.parse(t).toString());
            out.add(new ArchiveImage(names, md));
        }
        return out;
    }

    private static String follow(Map<String, String> links, String name) {
        for (int i = 0; i < 16 && links.containsKey(name); i++) name = links.get(name);
        return name;
    }

    /** Streams one layer entry into the store; its media type follows the detected compression. */
    static Descriptor storeLayer(ContentStore store, InputStream entry, String name) throws IOException {
        BufferedInputStream in = new BufferedInputStream(entry, 1 << 16);
        in.mark(4);
        byte[] head = new byte[4];
        int n = in.readNBytes(head, 0, 4);
        in.reset();
        String mediaType = Compression.detect(head, n).ociMediaType();
        try (BlobWriter w = store.writer(mediaType)) {
            w.writeAll(in);
            return w.commit();
        } catch (RuntimeException e) {
            throw new ArchiveException("store layer " + name + ": " + e.getMessage(), e);
        }
    }

}
