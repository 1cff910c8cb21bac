package dev.hako.engine.copy;

import dev.hako.engine.Engine;
import dev.hako.engine.EngineException;
import dev.hako.engine.container.ContainerRecord;
import dev.hako.engine.container.Status;
import dev.hako.engine.volume.MountPoint;
import dev.hako.image.layer.TarWriter;
import dev.hako.kernel.Errno;
import dev.hako.kernel.Pidfd;
import dev.hako.kernel.SyscallException;
import dev.hako.kernel.fs.Fs;
import dev.hako.kernel.fs.RootedDir;
import dev.hako.kernel.fs.Stat;
import dev.hako.oci.Json;
import dev.hako.oci.runtime.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * docker cp, both directions, with docker's rules: a directory is copied into an existing directory or as a new
 * one, "SRC/." copies a directory's content, a file replaces a file or lands in a directory, and docker's errors.
 *
 * <p>Symlink-safe (moby CVE-2018-15664): every path in the container is resolved relative to an fd of the
 * container's root with openat2(RESOLVE_IN_ROOT) — for a running container its init's /proc/PID/root (which also
 * shows the volumes mounted in it), for a stopped one the mounted rootfs/ with its volumes and binds mounted on it
 * in a private mount namespace ({@link MountedView}). A container's symlink is never
 * followed on the host, however the container swaps it meanwhile. Nothing from the container is executed or
 * loaded (CVE-2019-14271): no chroot, no helper process, no user or group name lookups — owners stay numeric.
 */
public final class ContainerCopy implements AutoCloseable {
    /** Kernel filesystems mounted in a running container: copied as empty directories, as docker's cp sees them. */
    private static final Set<String> PSEUDO_FS = Set.of("proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue",
            "debugfs", "tracefs", "securityfs", "pstore", "bpf", "configfs", "fusectl", "binfmt_misc");

    private final String ref;
    private final RootedDir root;
    private final String cwd;
    private final Set<String> pseudoMounts;
    private final MountedView view;
    private WriteCheck writeCheck = WriteCheck.NONE;

    private ContainerCopy(String ref, RootedDir root, String cwd, Set<String> pseudoMounts, MountedView view) {
        this.ref = ref;
        this.root = root;
        this.cwd = cwd;
        this.pseudoMounts = pseudoMounts;
        this.view = view;
    }

    /** docker's check before a copy in: a read-only volume, or a read-only rootfs outside the volumes, refuses it. */
    private record WriteCheck(List<MountPoint> mounts, boolean readOnlyRootfs) {
        static final WriteCheck NONE = new WriteCheck(List.of(), false);

        void check(String rel) {
            String abs = "/" + rel;
            MountPoint in = null;
            for (MountPoint p : mounts) {
                String d = p.destination();
                if ((abs.equals(d) || abs.startsWith(d.endsWith("/") ? d : d + "/")) && (in == null || d.length() > in.destination().length())) in = p;
            }
            if (in != null && !in.rw()) throw new EngineException("mounted volume is marked read-only", 1, null);
            if (in == null && readOnlyRootfs) throw new EngineException("container rootfs is marked read-only", 1, null);
        }
    }

    private ContainerCopy withWriteCheck(List<MountPoint> mounts, boolean readOnlyRootfs) {
        writeCheck = new WriteCheck(mounts, readOnlyRootfs);
        return this;
    }

    /** Opens the container's root: its init's root while it runs, else its mounted rootfs. */
    public static ContainerCopy open(Engine engine, String ref) {
        ContainerRecord r = engine.store().lookup(ref);
        List<MountPoint> mounts = engine.mounts(r.id()); // read first: nothing to undo if it fails
        return openRoot(engine, r, ref, mounts).withWriteCheck(mounts, r.options().readOnly);
    }

    private static ContainerCopy openRoot(Engine engine, ContainerRecord r, String ref, List<MountPoint> mounts) {
        Path dir = engine.store().dir(r.id());
        String cwd = "/";
        try {
            Spec spec = Json.read(dir.resolve("config.json"), Spec.class);
            if (spec.process() != null && spec.process().cwd() != null) cwd = spec.process().cwd();
        } catch (RuntimeException e) {
            // relative paths are then taken from /
        }
        Path label = Path.of(ref + ":");
        Status s = engine.status(r);
        if (s.running() && s.pid() > 0) {
            RootedDir live = openLive(s.pid(), label);
            if (live != null) return new ContainerCopy(ref, live, cwd, pseudoMounts(s.pid()), null);
        }
        Path rootfs = engine.mountedRootfs(r.id());
        // stopped: its volumes and binds are mounted on the rootfs where only this copy sees them (docker's too)
        var points = mounts.stream().filter(MountedView::wanted).toList();
        if (!points.isEmpty()) {
            engine.mountVolumeDevices(r.id());
            MountedView view = MountedView.open(rootfs, points);
            return new ContainerCopy(ref, RootedDir.adopt(label, view.takeRoot()), cwd, Set.of(), view);
        }
        int fd = Fs.openat(Fs.AT_FDCWD, rootfs.toString(), Fs.O_PATH | Fs.O_DIRECTORY | Fs.O_NOFOLLOW | Fs.O_CLOEXEC, 0,
                rootfs.toString());
        return new ContainerCopy(ref, RootedDir.adopt(label, fd), cwd, Set.of(), null);
    }

    /** Mount points of kernel filesystems in the init's mount namespace (relative to its root, no leading /). */
    private static Set<String> pseudoMounts(int pid) {
        Set<String> out = new HashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo"))) {
                String[] f = line.split(" ");
                int dash = java.util.Arrays.asList(f).indexOf("-");
                if (dash < 0 || dash + 1 >= f.length || f.length < 5) continue;
                if (PSEUDO_FS.contains(f[dash + 1])) out.add(RootedDir.clamp(f[4].replace("\\040", " ")));
            }
        } catch (IOException e) {
            // the container exited: its rootfs is copied instead, which has no such mounts
        }
        return out;
    }

    /** The init's root through procfs; the pidfd proves the pid was still the init when the root was opened. */
    private static RootedDir openLive(int pid, Path label) {
        Pidfd pidfd;
        try {
            pidfd = Pidfd.open(pid);
        } catch (SyscallException e) {
            return null; // exited meanwhile: the rootfs is what is left
        }
        try (pidfd) {
            int fd = Fs.openat(Fs.AT_FDCWD, "/proc/" + pid + "/root", Fs.O_PATH | Fs.O_DIRECTORY | Fs.O_CLOEXEC, 0,
                    "/proc/" + pid + "/root");
            if (!pidfd.isAlive()) {
                Fs.close(fd);
                return null;
            }
            return RootedDir.adopt(label, fd);
        } catch (SyscallException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- paths

    /** A container path as given (absolute or relative to the WORKDIR), cleaned; "" is the root. */
    private String rel(String path) {
        String abs = path.startsWith("/") ? path : cwd + "/" + path;
        return RootedDir.clamp(abs);
    }

    private static boolean contentsOnly(String path) {
        return path.equals(".") || path.endsWith("/.") || path.equals("/") || path.isEmpty();
    }

    private static boolean endsWithSeparator(String path) {
        return path.endsWith("/") || path.endsWith("/.");
    }

    private EngineException notFound(String path) {
        return new EngineException("Could not find the file " + path + " in container " + ref, 1, null);
    }

    /** What is at a path in the container; {@code follow}: the final symlink is followed, inside the root. */
    private record Found(String rel, Stat stat) {}

    private Found find(String rel, boolean follow) {
        for (int hops = 0; hops < 40; hops++) {
            Stat st;
            try {
                st = root.lstat(rel);
            } catch (SyscallException e) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) return null;
                throw e;
            }
            if (st == null || !st.isSymlink() || !follow || rel.isEmpty()) return st == null ? null : new Found(rel, st);
            String target = root.readlink(rel);
            int slash = rel.lastIndexOf('/');
            rel = RootedDir.clamp(target.startsWith("/") ? target : (slash < 0 ? "" : rel.substring(0, slash)) + "/" + target);
        }
        throw new EngineException("too many levels of symbolic links in " + ref + ":" + rel, 1, null);
    }

    // ---------------------------------------------------------------- out of the container

    private boolean belowPseudoMount(String rel) {
        for (String m : pseudoMounts) if (!m.isEmpty() && rel.startsWith(m + "/")) return true;
        return false;
    }

    /** The source as docker archives it: its base name (or "." for the content of a directory) as the root. */
    private record Source(Found found, String base) {}

    private Source source(String path, boolean follow) {
        String rel = rel(path);
        boolean contents = contentsOnly(path);
        Found f = find(rel, follow || endsWithSeparator(path));
        if (f == null || belowPseudoMount(f.rel())) throw notFound(path); // docker's cp sees no /proc, /sys content
        if (endsWithSeparator(path) && !f.stat().isDirectory()) throw new EngineException("not a directory", 1, null);
        String base = contents || rel.isEmpty() ? "." : rel.substring(rel.lastIndexOf('/') + 1);
        return new Source(f, base);
    }

    /** `docker cp CONTAINER:SRC -`: a tar of SRC on {@code out}. */
    public void copyOut(String srcPath, boolean follow, OutputStream out) {
        Source s = source(srcPath, follow);
        try {
            TreeTar.write(root, s.found().rel(), s.found().stat(), s.base(), new TarWriter(out), pseudoMounts);
            out.flush();
        } catch (IOException e) {
            throw new EngineException("copy " + ref + ":" + srcPath + ": " + e.getMessage(), 1, e);
        } catch (SyscallException e) {
            throw new EngineException(e.getMessage(), 1, e);
        }
    }

    /** `docker cp CONTAINER:SRC DEST`; {@code archive}: keep the owners, else the caller's. */
    public void copyOut(String srcPath, boolean follow, String dest, boolean archive) {
        Source s = source(srcPath, follow);
        Path d = Path.of(dest).toAbsolutePath();
        boolean exists, isDir;
        try {
            // the user's own path: symlinks in it are followed, as docker does on the client side
            exists = Files.exists(d);
            isDir = Files.isDirectory(d);
            if (!exists && !Files.isDirectory(d.getParent()))
                throw new EngineException("lstat " + d.getParent() + ": no such file or directory", 1, null);
        } catch (SecurityException e) {
            throw new EngineException(e.getMessage(), 1, e);
        }
        Plan p = plan(s.found().stat().isDirectory(), s.base(), exists, isDir, dest);
        Path into = p.inParent() ? real(d.getParent()) : real(d);
        int fd = Fs.openat(Fs.AT_FDCWD, into.toString(), Fs.O_PATH | Fs.O_DIRECTORY | Fs.O_CLOEXEC, 0, into.toString());
        try (RootedDir host = RootedDir.adopt(into, fd)) {
            TreeUntar.Owner owner = new TreeUntar.Owner(archive, callerId("unix:uid"), callerId("unix:gid"));
            pipe(out -> TreeTar.write(root, s.found().rel(), s.found().stat(), s.base(), new TarWriter(out), pseudoMounts),
                    in -> TreeUntar.extract(in, host, "", p.renameFrom(s.base()), p.renameTo(d), owner));
        }
    }

    // ---------------------------------------------------------------- into the container

    /** `docker cp SRC CONTAINER:DEST` from a host path. */
    public void copyIn(String src, boolean follow, String destPath, boolean archive) {
        Path s = Path.of(src).toAbsolutePath();
        boolean contents = contentsOnly(src);
        if (!Files.exists(s, LinkOption.NOFOLLOW_LINKS))
            throw new EngineException("lstat " + s.normalize() + ": no such file or directory", 1, null);
        Path resolved;
        try {
            resolved = follow || endsWithSeparator(src) || contents ? s.toRealPath()
                    : s.normalize().getParent() == null ? Path.of("/") : s.normalize().getParent().toRealPath().resolve(s.normalize().getFileName());
        } catch (IOException e) {
            throw new EngineException("lstat " + s + ": " + e.getMessage(), 1, e);
        }
        if (endsWithSeparator(src) && !Files.isDirectory(resolved)) throw new EngineException("not a directory", 1, null);
        Path hostRoot = contents || resolved.getParent() == null ? resolved : resolved.getParent();
        String rel = contents || resolved.getParent() == null ? "" : resolved.getFileName().toString();
        String base = contents || resolved.getParent() == null ? "." : s.normalize().getFileName().toString();
        int fd = Fs.openat(Fs.AT_FDCWD, hostRoot.toString(), Fs.O_PATH | Fs.O_DIRECTORY | Fs.O_CLOEXEC, 0, hostRoot.toString());
        try (RootedDir host = RootedDir.adopt(hostRoot, fd)) {
            Stat st = host.lstat(rel);
            if (st == null) throw new EngineException("lstat " + s + ": no such file or directory", 1, null);
            Target t = target(destPath, st.isDirectory(), base);
            refusePseudoMount(t.into());
            writeCheck.check(t.into());
            pipe(out -> TreeTar.write(host, rel, st, base, new TarWriter(out)),
                    in -> TreeUntar.extract(in, root, t.into(), t.renameFrom(), t.renameTo(), owner(archive)));
        }
    }

    /** `docker cp - CONTAINER:DEST`: a tar stream extracted into the directory DEST. */
    public void copyIn(InputStream tar, String destPath, boolean archive) {
        Found f = find(rel(destPath), true);
        if (f == null || !f.stat().isDirectory())
            throw new EngineException("destination \"" + ref + ":" + destPath + "\" must be a directory", 1, null);
        refusePseudoMount(f.rel());
        writeCheck.check(f.rel());
        try {
            TreeUntar.extract(tar, root, f.rel(), null, null, owner(archive));
        } catch (IOException e) {
            throw new EngineException("copy to " + ref + ":" + destPath + ": " + e.getMessage(), 1, e);
        } catch (SyscallException e) {
            throw new EngineException(e.getMessage(), 1, e);
        }
    }

    /** Writing into the container's /proc or /sys would act with the host's privileges: refused. */
    private void refusePseudoMount(String into) {
        if (pseudoMounts.contains(into) || belowPseudoMount(into))
            throw new EngineException("cannot copy into /" + into + " of container " + ref + ": a kernel filesystem", 1, null);
    }

    /** Into the container, files belong to its root unless -a keeps the archive's owners. */
    private static TreeUntar.Owner owner(boolean archive) { return new TreeUntar.Owner(archive, 0, 0); }

    private record Target(String into, String renameFrom, String renameTo) {}

    private Target target(String destPath, boolean srcIsDir, String base) {
        String rel = rel(destPath);
        Found f = find(rel, true);
        Plan p = plan(srcIsDir, base, f != null, f != null && f.stat().isDirectory(), destPath);
        if (!p.inParent()) return new Target(f.rel(), null, null);
        if (rel.isEmpty()) return new Target("", null, null);
        int slash = rel.lastIndexOf('/');
        String parent = slash < 0 ? "" : rel.substring(0, slash);
        Found pf = find(parent, true);
        if (pf == null || !pf.stat().isDirectory()) throw notFound("/" + parent);
        return new Target(pf.rel(), base.equals(".") ? "" : base, rel.substring(slash + 1));
    }

    // ---------------------------------------------------------------- docker's copy rules

    /**
     * docker's PrepareArchiveCopy: where the source's archive is extracted and whether its root is renamed.
     * {@code inParent}: extracted in the destination's parent with the source's base renamed to the
     * destination's name; else extracted into the destination directory as it is.
     */
    record Plan(boolean inParent) {
        String renameFrom(String base) { return inParent ? (base.equals(".") ? "" : base) : null; }
        String renameTo(Path dest) { return inParent ? dest.getFileName().toString() : null; }
    }

    static Plan plan(boolean srcIsDir, String srcBase, boolean dstExists, boolean dstIsDir, String dstPath) {
        if (dstExists && dstIsDir) return new Plan(false);
        if (dstExists && srcIsDir) throw new EngineException("cannot copy directory", 1, null);
        if (dstExists) return new Plan(true);
        if (srcIsDir) return new Plan(true);
        if (endsWithSeparator(dstPath)) throw new EngineException("no such directory", 1, null);
        return new Plan(true);
    }

    // ---------------------------------------------------------------- plumbing

    private interface TarSource { void write(OutputStream out) throws IOException; }

    private interface TarSink { void read(InputStream in) throws IOException; }

    /** Runs the archiver on a virtual thread into the extractor; either one's failure is reported. */
    private static void pipe(TarSource source, TarSink sink) {
        try (PipedInputStream in = new PipedInputStream(1 << 20); PipedOutputStream out = new PipedOutputStream(in)) {
            Throwable[] failed = new Throwable[1];
            Thread writer = Thread.ofVirtual().name("hako-cp-archive").start(() -> {
                try (out) {
                    source.write(out);
                } catch (Throwable t) {
                    failed[0] = t;
                }
            });
            Throwable sinkFailed = null;
            try {
                sink.read(in);
                in.transferTo(OutputStream.nullOutputStream());
            } catch (Throwable t) {
                sinkFailed = t;
            } finally {
                in.close(); // a writer blocked on a full pipe fails instead of waiting forever
                writer.join();
            }
            // the archiver's own failure explains a truncated stream better than the extractor's
            boolean writerBroke = failed[0] != null && !(sinkFailed != null && failed[0] instanceof IOException);
            if (writerBroke) throw failed[0];
            if (sinkFailed != null) throw sinkFailed;
        } catch (EngineException e) {
            throw e;
        } catch (SyscallException e) {
            throw new EngineException(e.getMessage(), 1, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted", 1, e);
        } catch (Throwable e) {
            throw new EngineException(e.getMessage() == null ? e.toString() : e.getMessage(), 1, e);
        }
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (NoSuchFileException e) {
            throw new EngineException("lstat " + p + ": no such file or directory", 1, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int callerId(String attr) {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), attr);
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        try {
            root.close();
        } finally {
            if (view != null) view.close();
        }
    }
}
