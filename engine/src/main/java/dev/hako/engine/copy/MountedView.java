package dev.hako.engine.copy;

import dev.hako.engine.EngineException;
import dev.hako.engine.volume.MountPoint;
import dev.hako.kernel.Errno;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.fs.Fs;
import dev.hako.kernel.fs.RootedDir;
import dev.hako.kernel.fs.Stat;
import dev.hako.kernel.fs.ThreadMountNamespace;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

/**
 * A stopped container's filesystem as its process would see it: the rootfs with the container's volumes and
 * binds mounted at their destinations (docker mounts them for cp on a stopped container too), so cp reaches
 * into them. The mounts live in a mount namespace of one dedicated thread: nobody else sees them, and they
 * vanish with the thread, also if hako is killed mid-copy. Destinations are resolved inside the rootfs
 * (openat2 RESOLVE_IN_ROOT) and mounted through the resolved fd, as the runtime does: a symlink in the image
 * can't send a volume anywhere on the host. Missing mount points are made, as the runtime would at start.
 */
final class MountedView implements AutoCloseable {
    private final Thread holder;
    private final CountDownLatch release;
    private final int rootFd;

    private MountedView(Thread holder, CountDownLatch release, int rootFd) {
        this.holder = holder;
        this.release = release;
        this.rootFd = rootFd;
    }

    /** Whether a mount point is one cp must see through (volumes and binds; a tmpfs has no content when stopped). */
    static boolean wanted(MountPoint p) { return "volume".equals(p.type()) || "bind".equals(p.type()); }

    /** @param points the container's mounts, parents before children (mounts.json's order) */
    static MountedView open(Path rootfs, List<MountPoint> points) {
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().name("hako-cp-mounts").daemon().start(() -> {
            try {
                ThreadMountNamespace.enter();
                mountAll(rootfs, points);
                // opened after the mounts: this fd's walks cross them (from any thread)
                ready.complete(Fs.openat(Fs.AT_FDCWD, rootfs.toString(), Fs.O_PATH | Fs.O_DIRECTORY | Fs.O_NOFOLLOW | Fs.O_CLOEXEC,
                        0, rootfs.toString()));
            } catch (Throwable t) {
                ready.completeExceptionally(t);
                return;
            }
            // the namespace must outlive every walk through the fd; its end unmounts everything
            while (true) {
                try {
                    release.await();
                    return;
                } catch (InterruptedException e) {
                    // only close() ends it
                }
            }
        });
        try {
            return new MountedView(holder, release, ready.get());
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof EngineException ee) throw ee;
            throw new EngineException("mount the volumes of " + rootfs.getParent() + " for cp: " + c.getMessage(), 1, c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            release.countDown();
            throw new EngineException("interrupted", 1, e);
        }
    }

    private static void mountAll(Path rootfs, List<MountPoint> points) {
        try (RootedDir root = RootedDir.open(rootfs)) {
            for (MountPoint p : points) {
                if (!wanted(p)) continue;
                String rel = RootedDir.clamp(p.destination());
                if (rel.isEmpty()) continue; // a mount over / is refused at create; never shadow the rootfs here
                int src;
                try {
                    src = Fs.openat(Fs.AT_FDCWD, p.source(), Fs.O_PATH | Fs.O_CLOEXEC, 0, p.source());
                } catch (SyscallException e) {
                    throw new EngineException("error while mounting volume '" + p.source() + "' on " + p.destination()
                            + ": " + e.getMessage(), 1, e);
                }
                try {
                    Stat st = Fs.fstat(src, p.source());
                    int dst = mountPoint(root, rel, st.isDirectory());
                    try {
                        Fs.mount(RootedDir.procPath(src), RootedDir.procPath(dst), null, Fs.MS_BIND | Fs.MS_REC, null);
                    } finally {
                        Fs.close(dst);
                    }
                    root.invalidate(); // a cached parent may now be covered by the mount
                    if (!p.rw()) {
                        int top = root.open(rel, Fs.O_PATH, 0);
                        try {
                            Fs.mount(null, RootedDir.procPath(top), null, Fs.MS_REMOUNT | Fs.MS_BIND | Fs.MS_RDONLY, null);
                        } finally {
                            Fs.close(top);
                        }
                    }
                } finally {
                    Fs.close(src);
                }
            }
        }
    }

    /** The destination as an O_PATH fd resolved inside the root; made (a directory, or an empty file) when missing. */
    private static int mountPoint(RootedDir root, String rel, boolean dir) {
        try {
            return root.open(rel, Fs.O_PATH, 0);
        } catch (SyscallException e) {
            if (e.errno() != Errno.ENOENT) throw e;
        }
        if (dir) {
            root.mkdirs(rel);
        } else {
            int slash = rel.lastIndexOf('/');
            if (slash > 0) root.mkdirs(rel.substring(0, slash));
            Fs.close(root.createFile(rel, 0644));
        }
        return root.open(rel, Fs.O_PATH, 0);
    }

    /** An fd of the rootfs with the mounts on it; the caller owns it (close it before this view). */
    int takeRoot() { return rootFd; }

    @Override
    public void close() {
        release.countDown();
        try {
            holder.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
