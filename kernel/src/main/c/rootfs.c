/* The mount namespace work: mounts, devices, symlinks, pivot_root, masked and read-only paths.
 * Every path inside the container is resolved with openat2(RESOLVE_IN_ROOT) from the rootfs fd, so a
 * symlink in the image can never lead a mount, mknod or mask outside the rootfs (CVE-2021-30465,
 * CVE-2026-41579). Mounts go onto the resolved O_PATH fd (move_mount, or /proc/self/fd/N of the host
 * procfs before pivot_root), never onto a path that is looked up again. */
#include "executor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static int g_rootfd = -1;  /* the rootfs, O_PATH; after pivot_root: "/" */
static int g_procfd = -1;  /* a private procfs of the container's pid namespace */
static int g_pivoted = 0;

int sys_openat2(int dirfd, const char *path, unsigned long long flags, unsigned long long mode, unsigned long long resolve) {
    struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
    /* EAGAIN: RESOLVE_IN_ROOT/BENEATH walked ".." while something was renamed or mounted anywhere on the host
     * and could not prove it stayed inside; openat2(2) says to retry */
    for (int attempt = 0; ; attempt++) {
        int fd = (int) syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        if (fd >= 0 || errno != EAGAIN || attempt >= 64) return fd;
    }
}

#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

/* Opens path inside rootfd as O_PATH. create: 0, 'd' (make missing directories) or 'f' (directories,
 * then an empty file as the last component). Components are created one at a time below an fd that
 * was itself resolved inside the root, and re-opened without following symlinks. A dangling symlink
 * on the way is followed by hand, inside the root, as the kernel would (at most 40 of them). */
static int open_in_root_depth(int rootfd, const char *path, int create, int mode, unsigned long long extra, int depth) {
    unsigned long long res = IN_ROOT | extra;
    int fd = sys_openat2(rootfd, path, O_PATH | O_CLOEXEC, 0, res);
    if (fd >= 0 || errno != ENOENT || !create) return fd;
    if (depth > 40) { errno = ELOOP; return -1; }

    char copy[PATH_MAX], prefix[PATH_MAX] = "";
    if (strlen(path) >= sizeof(copy)) { errno = ENAMETOOLONG; return -1; }
    strcpy(copy, path);
    char *comps[PATH_MAX / 2];
    int n = 0;
    char *save = NULL;
    for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
        if (strcmp(c, ".")) comps[n++] = c;
    int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
    if (cur < 0) return -1;
    size_t plen = 0;
    for (int i = 0; i < n; i++) {
        int last = i == n - 1;
        size_t cl = strlen(comps[i]);
        if (plen + cl + 2 >= sizeof(prefix)) { close(cur); errno = ENAMETOOLONG; return -1; }
        size_t parent_len = plen;
        prefix[plen++] = '/';
        memcpy(prefix + plen, comps[i], cl + 1);
        plen += cl;
        int next = sys_openat2(rootfd, prefix, O_PATH | O_CLOEXEC, 0, res);
        if (next < 0) {
            if (errno != ENOENT) goto err;
            struct stat st;
            if (!(extra & RESOLVE_NO_SYMLINKS) && fstatat(cur, comps[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
                /* dangling symlink: continue from its target (absolute: from the root), plus the rest */
                char target[PATH_MAX], rest[PATH_MAX * 2];
                ssize_t tl = readlinkat(cur, comps[i], target, sizeof(target) - 1);
                if (tl < 0) goto err;
                target[tl] = 0;
                prefix[parent_len] = 0;
                int w = target[0] == '/' ? snprintf(rest, sizeof(rest), "%s", target)
                                         : snprintf(rest, sizeof(rest), "%s/%s", prefix, target);
                for (int j = i + 1; j < n && w < (int) sizeof(rest); j++) w += snprintf(rest + w, sizeof(rest) - (size_t) w, "/%s", comps[j]);
                close(cur);
                if (w >= (int) sizeof(rest)) { errno = ENAMETOOLONG; return -1; }
                return open_in_root_depth(rootfd, rest, create, mode, extra, depth + 1);
            }
            int file = last && create == 'f';
            if (file) {
                int f = openat(cur, comps[i], O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode ? mode : 0644);
                if (f < 0 && errno != EEXIST) goto err;
                if (f >= 0) close(f);
            } else if (mkdirat(cur, comps[i], last && mode ? mode : 0755) < 0 && errno != EEXIST) {
                goto err;
            }
            next = sys_openat2(cur, comps[i], O_PATH | O_CLOEXEC | (file ? 0 : O_DIRECTORY), 0,
                               RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | extra);
            if (next < 0) goto err;
        }
        close(cur);
        cur = next;
    }
    return cur;
err:;
    int e = errno;
    close(cur);
    errno = e;
    return -1;
}

int open_in_root(int rootfd, const char *path, int create, int mode, unsigned long long extra) {
    return open_in_root_depth(rootfd, path, create, mode, extra, 0);
}

static void split(const char *path, char *dir, char *base) {
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", path);
    size_t l = strlen(tmp);
    while (l > 1 && tmp[l - 1] == '/') tmp[--l] = 0;
    char *s = strrchr(tmp, '/');
    if (!s) { strcpy(dir, "/"); snprintf(base, PATH_MAX, "%s", tmp); return; }
    snprintf(base, PATH_MAX, "%s", s + 1);
    if (s == tmp) strcpy(dir, "/");
    else { *s = 0; snprintf(dir, PATH_MAX, "%s", tmp); }
}

/* Lexically cleaned absolute path ("/a/./b//../c" -> "/a/c"), for the /proc checks. */
static void clean(const char *in, char *out, size_t cap) {
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", in);
    char *parts[PATH_MAX / 2];
    int n = 0;
    char *save = NULL;
    for (char *c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, ".")) continue;
        if (!strcmp(c, "..")) { if (n) n--; continue; }
        parts[n++] = c;
    }
    size_t l = 0;
    out[0] = 0;
    for (int i = 0; i < n && l + 2 < cap; i++) l += (size_t) snprintf(out + l, cap - l, "/%s", parts[i]);
    if (!n) snprintf(out, cap, "/");
}

static char g_procpath[64];
static const char *fdpath(int fd) {
    snprintf(g_procpath, sizeof(g_procpath), "/proc/self/fd/%d", fd);
    return g_procpath;
}

static unsigned long long ms_to_attr(unsigned long long ms, unsigned long long *clr) {
    unsigned long long a = 0;
    if (ms & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
    if (ms & MS_NOSUID) a |= MOUNT_ATTR_NOSUID;
    if (ms & MS_NODEV) a |= MOUNT_ATTR_NODEV;
    if (ms & MS_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
    if (ms & MS_NODIRATIME) a |= MOUNT_ATTR_NODIRATIME;
    if (ms & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) {
        *clr |= MOUNT_ATTR__ATIME;
        if (ms & MS_NOATIME) a |= MOUNT_ATTR_NOATIME;
        else if (ms & MS_STRICTATIME) a |= MOUNT_ATTR_STRICTATIME;
        else a |= MOUNT_ATTR_RELATIME;
    }
    return a;
}

static int setattr(int fd, unsigned int flags, unsigned long long set, unsigned long long clr, unsigned long long prop, int userns) {
    struct mount_attr attr = {.attr_set = set, .attr_clr = clr, .propagation = prop, .userns_fd = (unsigned long long) userns};
    return mount_setattr(fd, "", AT_EMPTY_PATH | flags, &attr, sizeof(attr));
}

/* Files under /proc that a mount may cover (lxcfs and friends); anything else under a procfs is refused. */
static const char *proc_ok[] = {"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
                                "/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev",
                                "/proc/sys/kernel/ns_last_pid", NULL};

/* CVE-2019-16884: nothing but a procfs on the rootfs's /proc, and only known files over a procfs. */
static void check_proc_target(const struct mount_step *m, int tfd, const char *what) {
    if (m->fstype && !strcmp(m->fstype, "proc")) return;
    char c[PATH_MAX];
    clean(m->target, c, sizeof(c));
    for (const char **ok = proc_ok; *ok; ok++)
        if (!strcmp(c, *ok)) return;
    struct stat t, pr;
    struct statfs sf;
    if (fstatfs(tfd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC)
        fail("mount", what, EPERM, "refusing to mount over a procfs path");
    int pfd = sys_openat2(g_rootfd, "proc", O_PATH | O_CLOEXEC, 0, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
    if (pfd >= 0) {
        if (fstat(tfd, &t) == 0 && fstat(pfd, &pr) == 0 && t.st_dev == pr.st_dev && t.st_ino == pr.st_ino)
            fail("mount", what, EPERM, "only a procfs can be mounted on /proc");
        close(pfd);
    }
}

/* tmpcopyup: copies directory `from` into `to` (fds), keeping types, modes, owners and times. Nothing is
 * followed: every name is opened relative to its parent with O_NOFOLLOW, symlinks are copied as links. */
static int copy_tree(int from, int to, int depth) {
    if (depth > 128) { errno = ELOOP; return -1; }
    int dfd = openat(from, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return -1;
    DIR *d = fdopendir(dfd);
    if (!d) { close(dfd); return -1; }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (errno = 0, e = readdir(d))) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
        struct stat st;
        if (fstatat(from, n, &st, AT_SYMLINK_NOFOLLOW) < 0) { rc = -1; break; }
        mode_t perm = st.st_mode & 07777;
        if (S_ISDIR(st.st_mode)) {
            int a = -1, b = -1;
            if (mkdirat(to, n, 0700) < 0
                || (a = openat(from, n, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0
                || (b = openat(to, n, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0
                || copy_tree(a, b, depth + 1) < 0) rc = -1;
            int keep = errno;
            if (a >= 0) close(a);
            if (b >= 0) close(b);
            errno = keep;
        } else if (S_ISREG(st.st_mode)) {
            int a = openat(from, n, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
            int b = a < 0 ? -1 : openat(to, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            char buf[65536];
            ssize_t r = b < 0 ? -1 : 0;
            while (b >= 0 && (r = read(a, buf, sizeof(buf))) > 0)
                for (ssize_t off = 0; off < r; ) {
                    ssize_t w = write(b, buf + off, (size_t) (r - off));
                    if (w < 0) { if (errno == EINTR) continue; r = -1; break; }
                    off += w;
                }
            if (r < 0) rc = -1;
            int keep = errno;
            if (a >= 0) close(a);
            if (b >= 0) close(b);
            errno = keep;
        } else if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t l = readlinkat(from, n, target, sizeof(target) - 1);
            if (l < 0) { rc = -1; break; }
            target[l] = 0;
            if (symlinkat(target, to, n) < 0) rc = -1;
        } else if (mknodat(to, n, st.st_mode, st.st_rdev) < 0) {
            rc = -1;
        }
        if (rc < 0) break;
        /* owner before mode: chown clears set-id bits */
        if (fchownat(to, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0
            || (!S_ISLNK(st.st_mode) && fchmodat(to, n, perm, 0) < 0)) { rc = -1; break; }
        struct timespec t[2] = {st.st_atim, st.st_mtim};
        utimensat(to, n, t, AT_SYMLINK_NOFOLLOW);
    }
    if (rc == 0 && errno) rc = -1;
    int keep = errno;
    closedir(d);
    errno = keep;
    return rc;
}

static void do_mount(struct mount_step *m) {
    char what[PATH_MAX * 2 + 8];
    const char *fstype = m->fstype ? m->fstype : "";
    snprintf(what, sizeof(what), "%s on %s", m->source ? m->source : fstype, m->target);
    unsigned long long extra = 0;
    /* CVE-2023-27561: /proc and /sys must be real directories of the rootfs, not symlinks */
    if (!strcmp(fstype, "proc") || !strcmp(fstype, "sysfs")) extra = RESOLVE_NO_SYMLINKS;
    int is_bind = (m->flags & MS_BIND) != 0;
    int create = 'd';
    int src = -1;
    if (is_bind) {
        if (!m->source) fail("mount", what, EINVAL, "bind mount without a source");
        src = open(m->source, O_PATH | O_CLOEXEC);
        if (src < 0) fail("mount", what, errno, "open source");
        struct stat st;
        if (fstat(src, &st) == 0 && !S_ISDIR(st.st_mode)) create = 'f';
    }
    if (m->create_as) create = !strcmp(m->create_as, "file") ? 'f' : 'd';
    int tfd = open_in_root(g_rootfd, m->target, create, 0, extra);
    if (tfd < 0) {
        if (errno == ELOOP && extra) fail("mount", what, ELOOP, "%s in the rootfs is a symlink; refusing", m->target);
        fail("mount", what, errno, "resolve target in rootfs");
    }
    check_proc_target(m, tfd, what);

    unsigned long long clr = 0, attrs = ms_to_attr(m->remount_flags, &clr);
    int mnt; /* an fd of the new mount's root */
    if (is_bind) {
        unsigned int rec = (m->flags & MS_REC) ? AT_RECURSIVE : 0;
        if (m->tree_fd >= 0) {
            mnt = m->tree_fd; /* idmapped by P */
            m->tree_fd = -1;
        } else {
            mnt = open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec);
            if (mnt < 0) fail("mount", what, errno, "clone source tree");
            if (m->idmap_userns) {
                int u = open(m->idmap_userns, O_RDONLY | O_CLOEXEC);
                if (u < 0) fail("mount", what, errno, "open idmap user namespace %s", m->idmap_userns);
                if (setattr(mnt, rec, MOUNT_ATTR_IDMAP, 0, 0, u) < 0) fail("mount", what, errno, "idmap");
                close(u);
            }
        }
        attrs |= ms_to_attr(m->flags, &clr);
        if ((attrs || clr) && setattr(mnt, 0, attrs, clr, 0, 0) < 0) fail("mount", what, errno, "set mount flags");
        if (move_mount(mnt, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            fail("mount", what, errno, NULL);
        close(src);
    } else {
        unsigned long fl = (unsigned long) (m->flags & ~(unsigned long long) (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE));
        /* copyup writes into the new mount first: read-only only afterwards */
        if (m->copyup && (fl & MS_RDONLY)) { fl &= ~(unsigned long) MS_RDONLY; attrs |= MOUNT_ATTR_RDONLY; }
        if (mount(m->source, fdpath(tfd), fstype, fl, m->data) < 0) fail("mount", what, errno, NULL);
        mnt = open_in_root(g_rootfd, m->target, 0, 0, extra);
        if (mnt < 0) fail("mount", what, errno, "reopen mounted target");
        /* tfd still is the directory under the new mount */
        if (m->copyup && copy_tree(tfd, mnt, 0) < 0) fail("mount", what, errno, "tmpcopyup: copy %s into the new mount", m->target);
        if ((attrs || clr) && setattr(mnt, 0, attrs, clr, 0, 0) < 0) fail("mount", what, errno, "set mount flags");
    }
    if ((m->attr_set || m->attr_clr) && setattr(mnt, AT_RECURSIVE, m->attr_set, m->attr_clr, 0, 0) < 0)
        fail("mount", what, errno, "set recursive mount attributes");
    for (int i = 0; i < m->nprops; i++) {
        unsigned long long p = m->props[i];
        if (setattr(mnt, (p & MS_REC) ? AT_RECURSIVE : 0, 0, 0, p & ~(unsigned long long) MS_REC, 0) < 0)
            fail("mount", what, errno, "set propagation");
    }
    close(mnt);
    close(tfd);
}

static void do_device(struct device_step *d) {
    char dir[PATH_MAX], base[PATH_MAX];
    split(d->path, dir, base);
    if (d->bind) {
        int src = open(d->path, O_PATH | O_CLOEXEC);
        if (src < 0) fail("bind device", d->path, errno, "open host device");
        int tfd = open_in_root(g_rootfd, d->path, 'f', 0, 0);
        if (tfd < 0) fail("bind device", d->path, errno, "resolve in rootfs");
        int t = open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        if (t < 0 || move_mount(t, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            fail("bind device", d->path, errno, NULL);
        close(t);
        close(tfd);
        close(src);
        return;
    }
    mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
    int parent = open_in_root(g_rootfd, dir, 'd', 0, 0);
    if (parent < 0) fail("mknod", d->path, errno, "resolve parent in rootfs");
    dev_t dev = makedev((unsigned int) d->major, (unsigned int) d->minor);
    mode_t mode = type | ((mode_t) d->mode & 07777);
    if (mknodat(parent, base, mode, dev) < 0) {
        if (errno != EEXIST) fail("mknod", d->path, errno, NULL);
        struct stat st;
        if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0) fail("mknod", d->path, errno, NULL);
        if ((st.st_mode & S_IFMT) != type || st.st_rdev != dev) {
            /* something else is there (a symlink, a file of the image): replace it, inside the rootfs */
            if (unlinkat(parent, base, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0 || mknodat(parent, base, mode, dev) < 0)
                fail("mknod", d->path, errno, "replace existing entry");
        }
    }
    if (fchownat(parent, base, (uid_t) d->uid, (gid_t) d->gid, AT_SYMLINK_NOFOLLOW) < 0) fail("chown", d->path, errno, NULL);
    close(parent);
}

static void do_symlink(const char *target, const char *link) {
    char dir[PATH_MAX], base[PATH_MAX];
    split(link, dir, base);
    int parent = open_in_root(g_rootfd, dir, 'd', 0, 0);
    if (parent < 0) fail("symlink", link, errno, "resolve parent in rootfs");
    if (symlinkat(target, parent, base) < 0 && errno != EEXIST) fail("symlink", link, errno, "-> %s", target);
    close(parent);
}

static void do_pivot(struct plan *p, int nopivot) {
    int newroot = open(p->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (newroot < 0) fail("pivot_root", p->rootfs, errno, "open rootfs");
    if (fchdir(newroot) < 0) fail("pivot_root", p->rootfs, errno, "chdir");
    if (nopivot) {
        if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) fail("pivot_root", p->rootfs, errno, "move rootfs to /");
        if (chroot(".") < 0) fail("chroot", p->rootfs, errno, NULL);
    } else {
        int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (oldroot < 0) fail("pivot_root", "/", errno, "open old root");
        if (syscall(SYS_pivot_root, ".", ".") < 0) fail("pivot_root", p->rootfs, errno, NULL);
        if (fchdir(oldroot) < 0) fail("pivot_root", "old root", errno, "chdir");
        /* the old root must not propagate its unmount to the host */
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) fail("pivot_root", "old root", errno, "make slave");
        if (umount2(".", MNT_DETACH) < 0) fail("pivot_root", "old root", errno, "detach");
        close(oldroot);
    }
    if (chdir("/") < 0) fail("pivot_root", "/", errno, "chdir");
    close(newroot);
    close(g_rootfd);
    g_rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (g_rootfd < 0) fail("pivot_root", "/", errno, "open new root");
    g_pivoted = 1;
}

/* CVE-2025-31133: the mask source must really be the null device, checked on the fd that is bound. */
static int g_devnull = -1;
static int devnull_fd(void) {
    int fd = g_devnull;
    if (fd >= 0) return fd;
    /* the last component is not followed: a symlinked /dev/null is refused below, not resolved */
    fd = sys_openat2(g_rootfd, "/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, IN_ROOT);
    if (fd < 0) fail("mask", "/dev/null", errno, "open the container's /dev/null");
    struct stat st;
    if (fstat(fd, &st) < 0) fail("mask", "/dev/null", errno, NULL);
    if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
        fail("mask", "/dev/null", EPERM, "/dev/null is not the null device (char 1:3); refusing to mask with it");
    g_devnull = fd;
    return fd;
}

static void do_mask(const char *path) {
    int nul = devnull_fd();
    int fd = open_in_root(g_rootfd, path, 0, 0, 0);
    if (fd < 0) {
        if (errno == ENOENT) return;
        fail("mask", path, errno, NULL);
    }
    struct stat st;
    if (fstat(fd, &st) < 0) fail("mask", path, errno, NULL);
    int m;
    if (S_ISDIR(st.st_mode)) {
        int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
        if (fs < 0) fail("mask", path, errno, "fsopen tmpfs");
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
            fail("mask", path, errno, "create tmpfs");
        m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        if (m < 0) fail("mask", path, errno, "fsmount tmpfs");
        close(fs);
    } else {
        m = open_tree(nul, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        if (m < 0) fail("mask", path, errno, "clone /dev/null");
    }
    if (move_mount(m, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) fail("mask", path, errno, NULL);
    close(m);
    close(fd);
}

static void do_readonly(const char *path) {
    int fd = open_in_root(g_rootfd, path, 0, 0, 0);
    if (fd < 0) {
        if (errno == ENOENT) return;
        fail("readonly", path, errno, NULL);
    }
    int m = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    if (m < 0) fail("readonly", path, errno, "clone");
    if (setattr(m, AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0, 0, 0) < 0) fail("readonly", path, errno, "set read-only");
    if (move_mount(m, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) fail("readonly", path, errno, NULL);
    close(m);
    close(fd);
}

void procfs_open_private(void) {
    if (g_procfd >= 0) return;
    int fs = fsopen("proc", FSOPEN_CLOEXEC);
    if (fs < 0) return;
    if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
        g_procfd = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    close(fs);
}

/* The procfs handle for /proc writes: private when possible, else a clone of the container's /proc;
 * verified to be a procfs root (CVE-2019-16884, CVE-2025-52881). */
int procfs_fd(void) {
    if (g_procfd >= 0) return g_procfd;
    procfs_open_private();
    if (g_procfd < 0) {
        int fd = open_tree(AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (fd < 0) fd = sys_openat2(AT_FDCWD, "/proc", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        if (fd < 0) fail("procfs", "/proc", errno, "open");
        g_procfd = fd;
    }
    struct statfs sf;
    struct stat st;
    if (fstatfs(g_procfd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC || fstat(g_procfd, &st) < 0 || st.st_ino != 1)
        fail("procfs", "/proc", EPERM, "not the root of a procfs");
    return g_procfd;
}

void write_proc(const char *relpath, const char *value, const char *step) {
    int fd = sys_openat2(procfs_fd(), relpath, O_WRONLY | O_CLOEXEC, 0,
                         RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
    char shown[PATH_MAX];
    snprintf(shown, sizeof(shown), "/proc/%s", relpath);
    if (fd < 0) fail(step, shown, errno, NULL);
    struct statfs sf;
    if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC) fail(step, shown, EPERM, "not on a procfs");
    size_t n = strlen(value);
    if (write(fd, value, n) != (ssize_t) n) fail(step, shown, errno, "write %s", value);
    close(fd);
}

void rootfs_run(struct plan *p, struct prep *prep, void (*after_pivot)(struct plan *, struct prep *)) {
    if (p->rootfs) {
        g_rootfd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (g_rootfd < 0) fail("rootfs", p->rootfs, errno, "open");
    } else {
        g_rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    int did_after = 0;
    for (int i = 0; i < p->nsteps; i++) {
        struct step *s = &p->steps[i];
        switch (s->kind) {
        case ST_ROOTPROP:
            if (mount(NULL, "/", NULL, (unsigned long) s->flags, NULL) < 0) fail("mount", "propagation of /", errno, NULL);
            break;
        case ST_PREPAREROOT:
            if (!p->rootfs) fail("rootfs", NULL, EINVAL, "no rootfs in plan");
            if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) fail("mount", p->rootfs, errno, "bind rootfs onto itself");
            if (s->flags && mount(NULL, p->rootfs, NULL, (unsigned long) s->flags, NULL) < 0)
                fail("mount", p->rootfs, errno, "rootfs propagation");
            close(g_rootfd);
            g_rootfd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (g_rootfd < 0) fail("rootfs", p->rootfs, errno, "open");
            break;
        case ST_MOUNT: do_mount(&s->m); break;
        case ST_DEVICE: do_device(&s->d); break;
        case ST_SYMLINK: do_symlink(s->a, s->b); break;
        case ST_MKDIR: {
            int fd = open_in_root(g_rootfd, s->a, 'd', (int) s->flags, 0);
            if (fd < 0) fail("mkdir", s->a, errno, NULL);
            close(fd);
            break;
        }
        case ST_HOOK: run_hook(&s->h); break;
        case ST_PIVOT:
            if (!p->rootfs) fail("pivot_root", NULL, EINVAL, "no rootfs in plan");
            do_pivot(p, (int) s->flags);
            if (after_pivot) after_pivot(p, prep);
            did_after = 1;
            break;
        case ST_MASK: do_mask(s->a); break;
        case ST_READONLY: do_readonly(s->a); break;
        case ST_READONLYROOT:
            if (setattr(g_rootfd, 0, MOUNT_ATTR_RDONLY, 0, 0, 0) < 0) fail("readonly", "/", errno, "remount root read-only");
            break;
        }
    }
    if (!did_after && after_pivot) after_pivot(p, prep);
}

void rootfs_release(void) {
    if (g_devnull >= 0) close(g_devnull);
    if (g_rootfd >= 0) close(g_rootfd);
    if (g_procfd >= 0) close(g_procfd);
    g_devnull = g_rootfd = g_procfd = -1;
}

/* Writes "c:h:s,c:h:s" as uid_map/gid_map lines ("c h s\n") into /proc/<pid>/<file>. */
static int write_map(pid_t pid, const char *file, const char *spec, size_t len) {
    char path[64], buf[4096];
    size_t n = 0;
    for (size_t i = 0; i < len && n < sizeof(buf) - 2; i++) buf[n++] = spec[i] == ':' ? ' ' : spec[i] == ',' ? '\n' : spec[i];
    buf[n++] = '\n';
    snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t w = write(fd, buf, n);
    int e = errno;
    close(fd);
    errno = e;
    return w == (ssize_t) n ? 0 : -1;
}

/* A user namespace with the mount's own mappings ("maps:UIDS/GIDS", each "c:h:s,…"): a child unshares
 * one and waits while P writes its maps and opens it; then the child goes and the namespace lives on
 * through the returned fd. -1 with errno on failure. */
static int userns_from_maps(const char *spec) {
    const char *uids = spec + 5, *slash = strchr(uids, '/');
    if (!slash) { errno = EINVAL; return -1; }
    int ready[2], hold[2];
    if (pipe2(ready, O_CLOEXEC) < 0) return -1;
    if (pipe2(hold, O_CLOEXEC) < 0) { close(ready[0]); close(ready[1]); return -1; }
    pid_t pid = fork();
    if (pid < 0) { int e = errno; close(ready[0]); close(ready[1]); close(hold[0]); close(hold[1]); errno = e; return -1; }
    if (pid == 0) {
        close(ready[0]);
        close(hold[1]); /* else the read below never sees P let go */
        char c = unshare(CLONE_NEWUSER) == 0 ? 'k' : 'e';
        if (write(ready[1], &c, 1) != 1) _exit(1);
        char x;
        while (read(hold[0], &x, 1) < 0 && errno == EINTR) {}
        _exit(0);
    }
    close(ready[1]);
    close(hold[0]);
    char c = 0;
    ssize_t r;
    do r = read(ready[0], &c, 1); while (r < 0 && errno == EINTR);
    int fd = -1, e = EPERM;
    if (r == 1 && c == 'k') {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
        if (write_map(pid, "uid_map", uids, (size_t) (slash - uids)) == 0
            && write_map(pid, "gid_map", slash + 1, strlen(slash + 1)) == 0)
            fd = open(path, O_RDONLY | O_CLOEXEC);
        e = errno;
    }
    close(ready[0]);
    close(hold[1]); /* lets the child exit */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    errno = e;
    return fd;
}

/* P, after the id maps are written: idmapped bind mounts need CAP_SYS_ADMIN over the source's
 * filesystem, which C (in its new user namespace) does not have. P clones each source tree, idmaps it
 * to the user namespace named in the plan ("/proc/self/ns/user" means C's; "maps:…" one made for the
 * mount's own mappings), and sends it to C in plan order. Returns 0, or -1 after reporting the error. */
int idmap_trees_send(struct plan *p, pid_t child, int cs) {
    for (int i = 0; i < p->nsteps; i++) {
        struct mount_step *m = &p->steps[i].m;
        if (p->steps[i].kind != ST_MOUNT || !m->idmap_userns || !(m->flags & MS_BIND)) continue;
        char what[PATH_MAX * 2 + 8], upath[64];
        snprintf(what, sizeof(what), "%s on %s", m->source ? m->source : "-", m->target);
        const char *ns = m->idmap_userns;
        if (!strcmp(ns, "/proc/self/ns/user")) {
            snprintf(upath, sizeof(upath), "/proc/%d/ns/user", (int) child);
            ns = upath;
        }
        unsigned int rec = (m->flags & MS_REC) ? AT_RECURSIVE : 0;
        int u = !strncmp(ns, "maps:", 5) ? userns_from_maps(ns) : open(ns, O_RDONLY | O_CLOEXEC);
        if (u < 0) { report_error("mount", what, errno, !strncmp(ns, "maps:", 5) ? "make the mount's user namespace"
                                                                                   : "open idmap user namespace"); return -1; }
        int t = open_tree(AT_FDCWD, m->source ? m->source : "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
        if (t < 0) { report_error("mount", what, errno, "clone source tree"); return -1; }
        if (setattr(t, rec, MOUNT_ATTR_IDMAP, 0, 0, u) < 0) { report_error("mount", what, errno, "idmap"); return -1; }
        char idx[32];
        int n = snprintf(idx, sizeof(idx), "tree %d", i);
        if (send_fd(cs, t, idx, (size_t) n) < 0) { report_error("mount", what, errno, "pass idmapped tree"); return -1; }
        close(t);
        close(u);
    }
    return 0;
}

/* C, before "go": the trees from idmap_trees_send. Returns the first message that is not one. */
int idmap_trees_receive(struct plan *p, int cs, char *buf, size_t len) {
    for (;;) {
        char cbuf[CMSG_SPACE(sizeof(int))];
        struct iovec iov = {.iov_base = buf, .iov_len = len - 1};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
        ssize_t r;
        do {
            r = recvmsg(cs, &msg, MSG_CMSG_CLOEXEC);
        } while (r < 0 && errno == EINTR);
        if (r <= 0) return (int) r;
        buf[r] = 0;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        int fd = -1;
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(c), sizeof(int));
        if (strncmp(buf, "tree ", 5)) {
            if (fd >= 0) close(fd);
            return (int) r;
        }
        int i = atoi(buf + 5);
        if (i < 0 || i >= p->nsteps || p->steps[i].kind != ST_MOUNT || fd < 0) fail("mount", NULL, EINVAL, "bad idmapped tree message");
        p->steps[i].m.tree_fd = fd;
    }
}

int root_fd(void) { return g_rootfd; }
