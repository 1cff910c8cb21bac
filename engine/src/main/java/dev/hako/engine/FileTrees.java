package dev.hako.engine;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Removing what the engine's stores own on disk (a container's or a volume's directory). */
public final class FileTrees {
    private FileTrees() {}

    /**
     * Deletes {@code p} and all below it, without following symlinks and without crossing into mounts: a mount
     * left inside (a container's rootfs, a volume's device) is an error naming it, and nothing of it is touched.
     */
    public static void delete(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            Object dev = Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                for (Path c : ds) {
                    if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)
                            && !dev.equals(Files.getAttribute(c, "unix:dev", LinkOption.NOFOLLOW_LINKS)))
                        throw new IOException(c + " is a mount point; unmount it first");
                    delete(c);
                }
            }
        }
        Files.delete(p);
    }
}
