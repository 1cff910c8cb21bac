/* The executor's way out of the monitor role: once the container is ready, P execs hako-monitor (monitor/main.c),
 * a small program built from monitor.c, attach.c, logfile.c and lifecycle.c and linked against the host's libc
 * (shared pages, as conmon's), with the monitor's fds and the child's state on its command line. The exec keeps
 * what the monitor is: the pid (the container's parent, the "monitor" file), the session, the subreaper flag,
 * the signal mask and the signalfd; it drops the executor's static image with its set-up memory and the sealed
 * memfd the JVM spawned it from. hako-monitor is embedded here and run from a sealed memfd: the JVM's (--monitor-exe,
 * shared by the monitors one JVM starts) when it holds this very image, else one made here; no file on the host
 * can be swapped under it. It is only run while P's mount namespace and root are the ones it started
 * with (the dynamic loader reads the host's libraries); otherwise, or if the exec fails, the executor goes on
 * monitoring itself. */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: executable memfd, even with vm.memfd_noexec=1 */
#endif

extern const unsigned char hako_monitor_image[], hako_monitor_image_end[];
__asm__(".section .rodata\n"
        ".balign 16\n"
        ".globl hako_monitor_image\n"
        "hako_monitor_image:\n"
        ".incbin \"" HAKO_MONITOR_BLOB "\"\n"
        ".globl hako_monitor_image_end\n"
        "hako_monitor_image_end:\n"
        ".previous\n");

static struct stat host_mnt, host_root;
static int host_known;

void monitor_handoff_note_host(void) {
    host_known = stat("/proc/self/ns/mnt", &host_mnt) == 0 && stat("/", &host_root) == 0;
}

static int same_file(const char *path, const struct stat *was) {
    struct stat now;
    return stat(path, &now) == 0 && now.st_dev == was->st_dev && now.st_ino == was->st_ino;
}

static int given_image = -1;

void monitor_handoff_image(int fd) {
    given_image = fd;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
}

void monitor_handoff_close_image(void) {
    if (given_image >= 0) close(given_image);
    given_image = -1;
}

/* The JVM's copy (one per JVM, so the monitors it starts share its pages), if it is sealed and exactly the image
 * embedded here: a hako-monitor of another build would not read this executor's --state. */
static int given_image_fd(void) {
    const int want = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
    size_t len = (size_t) (hako_monitor_image_end - hako_monitor_image);
    struct stat st;
    if (given_image < 0 || (fcntl(given_image, F_GET_SEALS) & want) != want) return -1;
    if (fstat(given_image, &st) < 0 || (size_t) st.st_size != len) return -1;
    void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, given_image, 0);
    if (m == MAP_FAILED) return -1;
    int same = memcmp(m, hako_monitor_image, len) == 0;
    munmap(m, len);
    return same ? given_image : -1;
}

static int image_fd(void) {
    int fd = given_image_fd();
    if (fd >= 0) return fd;
    fd = memfd_create("hako-monitor", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) fd = memfd_create("hako-monitor", MFD_CLOEXEC | MFD_ALLOW_SEALING); /* before 6.3 */
    if (fd < 0) return -1;
    const unsigned char *p = hako_monitor_image;
    size_t left = (size_t) (hako_monitor_image_end - hako_monitor_image);
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { close(fd); return -1; }
        p += w;
        left -= (size_t) w;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) { close(fd); return -1; }
    return fd;
}

static void set_cloexec(const int *fds, int n, int on) {
    for (int i = 0; i < n; i++) if (fds[i] >= 0) fcntl(fds[i], F_SETFD, on ? FD_CLOEXEC : 0);
}

void monitor_handoff(pid_t child, int sigfd, int child_done, int st) {
    if (!host_known || !same_file("/proc/self/ns/mnt", &host_mnt) || !same_file("/", &host_root)) return;
    int img = image_fd();
    if (img < 0) return;
    int m[3], a[ATTACH_FDS];
    long long l[3];
    monitor_fds(m);
    attach_fds(a);
    log_state(l);
    /* the fds hako-monitor takes over (attach's fifth value is a flag, not an fd) */
    int keep[] = {sigfd, m[0], m[1], m[2], a[0], a[1], a[2], a[3], (int) l[0]};
    int nkeep = (int) (sizeof(keep) / sizeof(keep[0]));
    char state[512];
    snprintf(state, sizeof(state), "%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%lld,%lld,%lld", (int) child, child_done, st, sigfd,
             m[0], m[1], m[2], a[0], a[1], a[2], a[3], a[4], l[0], l[1], l[2]);
    char *argv[] = {"hako-monitor", "--state", state, NULL};
    char *envp[] = {NULL}; /* nothing of the caller's environment (LD_PRELOAD, ...) reaches the loader */
    set_cloexec(keep, nkeep, 0);
    syscall(SYS_execveat, img, "", argv, envp, AT_EMPTY_PATH);
    set_cloexec(keep, nkeep, 1);
    close(img);
}
