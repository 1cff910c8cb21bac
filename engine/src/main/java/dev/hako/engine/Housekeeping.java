package dev.hako.engine;

import dev.hako.engine.container.ContainerRecord;
import dev.hako.engine.container.ContainerStore;
import dev.hako.engine.volume.Volume;
import dev.hako.engine.volume.VolumeService;
import dev.hako.image.store.ImageRecord;
import dev.hako.image.store.ImageService;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The Engine's container prune and disk usage (docker container prune, system df). */
final class Housekeeping {
    private Housekeeping() {}

    /** Bytes in a container's writable layer (overlay upper; vfs: its whole tree). */
    static long writableSize(ContainerStore store, String id) {
        Path snap = store.dir(id).resolve("snapshot");
        Path upper = snap.resolve("upper");
        return treeSize(Files.isDirectory(upper, LinkOption.NOFOLLOW_LINKS) ? upper : snap);
    }

    static long treeSize(Path dir) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return 0;
        long[] total = {0};
        Set<Object> seen = new HashSet<>();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                    if (a.isRegularFile() && (a.fileKey() == null || seen.add(a.fileKey()))) total[0] += a.size();
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) { return FileVisitResult.CONTINUE; }
            });
        } catch (IOException e) {
            // what cannot be read counts as nothing
        }
        return total[0];
    }

    /** docker container prune: every container that is not running or paused. */
    static Pruned pruneContainers(Engine engine) {
        List<String> deleted = new ArrayList<>();
        long freed = 0;
        for (ContainerView v : engine.list()) {
            if (v.status().running()) continue;
            String id = v.record().id();
            long size = writableSize(engine.store(), id);
            try {
                engine.remove(id, false);
            } catch (RuntimeException e) {
                continue; // started or removed meanwhile
            }
            deleted.add(id);
            freed += size;
        }
        return new Pruned(deleted, freed);
    }

    static DiskUsage diskUsage(Engine engine, ImageService images, VolumeService volumes) {
        List<ContainerView> containers = engine.list();
        Map<String, Integer> byImage = new HashMap<>();
        List<DiskUsage.ContainerItem> citems = new ArrayList<>();
        int cActive = 0;
        long cSize = 0, cFree = 0;
        for (ContainerView v : containers) {
            ContainerRecord r = v.record();
            byImage.merge(r.imageId(), 1, Integer::sum);
            long size = writableSize(engine.store(), r.id());
            boolean running = v.status().running();
            if (running) cActive++;
            else cFree += size;
            cSize += size;
            citems.add(new DiskUsage.ContainerItem(r.id(), r.name(), r.image(), r.args(), r.created(), v.status().state(), size));
        }
        List<DiskUsage.ImageItem> iitems = new ArrayList<>();
        int iActive = 0;
        long iSize = 0, iFree = 0;
        for (ImageRecord r : images.list()) {
            int n = byImage.getOrDefault(r.id().toString(), 0);
            if (n > 0) iActive++;
            else iFree += r.size();
            iSize += r.size();
            iitems.add(new DiskUsage.ImageItem(r.id().toString(), r.repoTags(), r.created(), r.size(), n));
        }
        Map<String, List<String>> users = volumes.usage();
        List<DiskUsage.VolumeItem> vitems = new ArrayList<>();
        int vActive = 0;
        long vSize = 0, vFree = 0;
        for (Volume vol : volumes.list()) {
            int links = users.getOrDefault(vol.name(), List.of()).size();
            long size = volumes.size(vol);
            if (links > 0) vActive++;
            else vFree += size;
            vSize += size;
            vitems.add(new DiskUsage.VolumeItem(vol.name(), links, size));
        }
        return new DiskUsage(new DiskUsage.Row(iitems.size(), iActive, iSize, iFree),
                new DiskUsage.Row(citems.size(), cActive, cSize, cFree),
                new DiskUsage.Row(vitems.size(), vActive, vSize, vFree),
                new DiskUsage.Row(0, 0, 0, 0), iitems, citems, vitems);
    }
}
