/* hako-executor: spawned by the JVM (dev.hako.kernel.exec.Executor) as
 *     hako-executor --sync FD --plan FD --supervision detach|foreground
 * P (this process) reads the plan, opens what lives on the host (exec fifo, sockets, namespace and
 * cgroup files), joins namespaces by path, clones C with the new ones (EXEC: forks into the joined
 * ones), reports C's pid, waits for "go", relays C's progress to Java, and in FOREGROUND mode stays as
 * C's parent: forwards signals and exits with C's status. C runs the steps and execs. */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

static char *read_all(int fd, size_t *len) {
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 1 >= cap) buf = realloc(buf, cap *= 2);
        if (!buf) fail("plan", NULL, ENOMEM, "read");
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) fail("plan", NULL, errno, "read");
        if (r == 0) break;
        n += (size_t) r;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

static int connect_unix(const char *path, const char *step) {
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) fail(step, path, errno, "socket");
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int dirfd = -1;
    if (strlen(path) < sizeof(sa.sun_path)) {
        strcpy(sa.sun_path, path);
    } else {
        /* too long for sun_path: go through an O_PATH fd of its directory */
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s", path);
        char *slash = strrchr(dir, '/');
        if (!slash) fail(step, path, ENAMETOOLONG, NULL);
        *slash = 0;
        dirfd = open(*dir ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) fail(step, path, errno, "open directory");
        if (snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, slash + 1) >= (int) sizeof(sa.sun_path))
            fail(step, path, ENAMETOOLONG, NULL);
    }
    int r;
    do {
        r = connect(s, (struct sockaddr *) &sa, sizeof(sa));
    } while (r < 0 && errno == EINTR);
    if (r < 0) fail(step, path, errno, "connect");
    if (dirfd >= 0) close(dirfd);
    return s;
}

static void prepare(struct plan *p, struct prep *prep) {
    if (p->execfifo) {
        prep->fifo_fd = open(p->execfifo, O_PATH | O_CLOEXEC);
        if (prep->fifo_fd < 0) fail("exec fifo", p->execfifo, errno, "open");
    }
    if (p->consolesocket) prep->console_fd = connect_unix(p->consolesocket, "console socket");
    if (p->seccomp_listener) prep->listener_fd = connect_unix(p->seccomp_listener, "seccomp listener");
    if (p->ncgroupjoin) {
        prep->cgroup_fds = calloc((size_t) p->ncgroupjoin, sizeof(int));
        for (int i = 0; i < p->ncgroupjoin; i++) {
            prep->cgroup_fds[i] = open(p->cgroupjoin[i], O_WRONLY | O_CLOEXEC);
            if (prep->cgroup_fds[i] < 0) fail("cgroup", p->cgroupjoin[i], errno, "open");
        }
        prep->ncgroup = p->ncgroupjoin;
    }
    /* lowering it needs CAP_SYS_RESOURCE on the host: done here, inherited by C */
    if (p->has_oom) {
        char v[32];
        snprintf(v, sizeof(v), "%d", p->oom);
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, v, strlen(v)) < 0) fail("oom_score_adj", v, errno, NULL);
        close(fd);
    }
    ns_open_paths(p);
    ns_join_paths(p, prep);
    ns_setup_time(p);
}

static void after_pivot(struct plan *p, struct prep *prep) {
    console_setup(p, prep, root_fd(), p->mode != MODE_EXEC);
    apply_sysctls(p);
}

__attribute__((noreturn)) static void child_main(struct plan *p, struct prep *prep, int cs) {
    g_report_fd = cs;
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    /* CVE-2019-5736: until execve, /proc/<pid>/exe of this process is not for container processes */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int i = 0; i < prep->ncgroup; i++) {
        if (write(prep->cgroup_fds[i], "0", 1) < 0) fail("cgroup", p->cgroupjoin[i], errno, "join");
        close(prep->cgroup_fds[i]);
    }
    if (prep->cgroupns_fd >= 0 && setns(prep->cgroupns_fd, CLONE_NEWCGROUP) < 0) fail("setns", "cgroup", errno, "join cgroup namespace");

    char buf[64];
    int n = idmap_trees_receive(p, cs, buf, sizeof(buf));
    if (n <= 0 || strcmp(buf, "go")) _exit(1);

    if (p->mode != MODE_EXEC && prep->userns) {
        if (setresgid(0, 0, 0) < 0) fail("setresgid", "0", errno, "become root in the user namespace (gid map written?)");
        if (setresuid(0, 0, 0) < 0) fail("setresuid", "0", errno, "become root in the user namespace (uid map written?)");
    }
    if (prep->new_cgroupns && unshare(CLONE_NEWCGROUP) < 0) fail("unshare", "cgroup namespace", errno, NULL);
    if (setsid() < 0) fail("setsid", NULL, errno, NULL);
    umask(0);
    /* a fresh procfs of the new pid namespace while the host /proc is still visible (no "too revealing") */
    if (p->mode != MODE_EXEC) procfs_open_private();
    rootfs_run(p, prep, after_pivot);
    process_finish(p, prep);
    _exit(1);
}

static int status_code(int st) {
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return 1;
}

__attribute__((noreturn)) static void supervise(pid_t child, int cs, int sync, int sigfd, int foreground) {
    int ready = 0, failed = 0, execing = 0, cs_open = 1, java_open = 1, child_done = 0, st = 0;
    char buf[65536];
    char num[32];
    for (;;) {
        if (failed && !cs_open) {
            if (!child_done) while (waitpid(child, &st, 0) < 0 && errno == EINTR) {}
            int code = status_code(st);
            _exit(code ? code : 1);
        }
        if (ready && !cs_open && child_done) {
            int code = status_code(st);
            snprintf(num, sizeof(num), "%d", code);
            const char *f[] = {num};
            console_proxy_drain();
            msg_send(sync, "exit", 1, f);
            _exit(code);
        }
        struct pollfd fds[6];
        int n = 0, ics = -1, isig, isync = -1;
        if (cs_open) { ics = n; fds[n++] = (struct pollfd){.fd = cs, .events = POLLIN}; }
        isig = n;
        fds[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
        if (java_open && !ready) { isync = n; fds[n++] = (struct pollfd){.fd = sync, .events = POLLIN}; }
        int ipx[3];
        n = console_proxy_poll(fds, n, ipx);
        if (poll(fds, (nfds_t) n, -1) < 0) {
            if (errno == EINTR) continue;
            fail("poll", NULL, errno, NULL);
        }
        if (ics >= 0 && fds[ics].revents) {
            int r = msg_recv(cs, buf, sizeof(buf));
            if (r > 0) {
                if (!strncmp(buf, "error", 5)) {
                    failed = 1;
                    while (send(sync, buf, (size_t) r, MSG_NOSIGNAL) < 0 && errno == EINTR) {}
                } else if (!strcmp(buf, "created")) {
                    ready = 1;
                    msg_send(sync, "ready", 0, NULL);
                    if (g_monitor) monitor_run(child, cs, sync, sigfd, child_done, st);
                    _exit(0); /* CREATE always detaches: the init waits on the exec fifo */
                } else if (!strcmp(buf, "exec")) {
                    execing = 1;
                }
            } else {
                cs_open = 0;
                close(cs);
                if (!failed && !ready) {
                    if (execing) {
                        ready = 1;
                        msg_send(sync, "ready", 0, NULL);
                        if (g_monitor) monitor_run(child, -1, sync, sigfd, child_done, st);
                        if (!foreground) _exit(0);
                    } else {
                        if (!child_done) while (waitpid(child, &st, 0) < 0 && errno == EINTR) {}
                        child_done = 1;
                        char d[128];
                        snprintf(d, sizeof(d), "the container process exited before it was ready (%s %d)",
                                 WIFSIGNALED(st) ? "killed by signal" : "exit status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
                        g_report_fd = sync;
                        report_error("init", NULL, 0, d);
                        failed = 1;
                    }
                }
            }
        }
        if (fds[isig].revents) {
            struct signalfd_siginfo si;
            while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
                if (si.ssi_signo == SIGCHLD) {
                    /* DETACH: never reap C here. Once it exec'd, it is the caller's (conmon, podman: subreapers
                     * that wait for it by the pid file); under load C may exit before we read its "exec", and
                     * reaping it then would leave the caller without the exit status. Failures wait explicitly. */
                    if (!foreground && !g_monitor) continue;
                    int s;
                    pid_t w;
                    while ((w = waitpid(-1, &s, WNOHANG)) > 0)
                        if (w == child) { child_done = 1; st = s; }
                } else if (si.ssi_signo == SIGWINCH && console_proxy_active()) {
                    console_proxy_winch(); /* the pty tells its foreground process group */
                } else if (!child_done) {
                    kill(child, (int) si.ssi_signo);
                }
            }
        }
        console_proxy_handle(fds, ipx);
        if (isync >= 0 && fds[isync].revents) {
            int r = msg_recv(sync, buf, sizeof(buf));
            if (r <= 0) {
                /* Java is gone before the container was ready: leave nothing behind */
                java_open = 0;
                kill(child, SIGKILL);
                while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
                _exit(1);
            }
        }
    }
}

int main(int argc, char **argv) {
    int sync = -1, planfd = -1, foreground = 0, monitor_exe = -1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--sync")) sync = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--plan")) planfd = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--monitor-exe")) monitor_exe = atoi(argv[i + 1]); /* monitor_handoff.c */
        else if (!strcmp(argv[i], "--supervision")) {
            foreground = !strcmp(argv[i + 1], "foreground");
            g_monitor = !strcmp(argv[i + 1], "monitor"); /* monitor.c */
        }
    }
    if (sync < 3 || planfd < 3) {
        fprintf(stderr, "hako-executor: not for direct use; it is spawned by hako (--sync FD --plan FD)\n");
        return 2;
    }
    g_report_fd = sync;
    signal(SIGPIPE, SIG_IGN);
    /* CVE-2019-5736: no process of a container may open /proc/<this>/exe (it is a sealed memfd anyway) */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    size_t len;
    char *text = read_all(planfd, &len);
    close(planfd);
    /* nothing of the JVM stays open here but stdio, the preserved fds and the sync socket */
    if (g_monitor && monitor_exe > sync + 1) {
        syscall(SYS_close_range, sync + 1, monitor_exe - 1, 0);
        syscall(SYS_close_range, monitor_exe + 1, ~0U, 0);
        monitor_handoff_image(monitor_exe);
    } else {
        syscall(SYS_close_range, sync + 1, ~0U, 0);
    }
    fcntl(sync, F_SETFD, FD_CLOEXEC);

    static struct plan p;
    char err[512];
    if (plan_parse(text, len, &p, err, sizeof(err))) fail("plan", NULL, EINVAL, "%s", err);
    set_cpu_affinity(p.cpu_initial, "initial"); /* before any cgroup join; inherited by the container process */
    if (p.preservefds != sync - 3) fail("plan", NULL, EINVAL, "preservefds %d does not match the sync fd %d", p.preservefds, sync);

    /* the host's, opened before any setns (EXEC joins the container's mount namespace) */
    int host_null = open("/dev/null", O_RDWR | O_CLOEXEC);
    struct prep prep = {.fifo_fd = -1, .console_fd = -1, .listener_fd = -1, .cgroupns_fd = -1};
    if (g_monitor) monitor_prepare();
    prepare(&p, &prep);
    if (foreground && p.terminal && prep.console_fd < 0) prep.console_fd = console_proxy_open(p.con_h > 0 || p.con_w > 0); /* runc run -t */
    if (g_monitor && p.terminal && prep.console_fd < 0) prep.console_fd = attach_console_open(); /* the monitor holds the master */

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++) sigaddset(&set, forwarded[i]);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sigfd < 0) fail("signalfd", NULL, errno, NULL);

    int cs[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, cs) < 0) fail("socketpair", NULL, errno, NULL);
    pid_t child;
    unsigned long flags = 0;
    if (p.mode == MODE_EXEC) {
        child = fork();
        if (child < 0) fail("fork", NULL, errno, NULL);
    } else {
        flags = ns_clone_flags(&p, &prep);
        child = (pid_t) syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
        if (child < 0) fail("clone", NULL, errno, "flags %#lx", flags);
    }
    if (child == 0) {
        close(cs[0]);
        close(sync);
        close(sigfd);
        if (host_null >= 0) close(host_null);
        if (g_monitor) monitor_close_fds();
        console_proxy_child();
        child_main(&p, &prep, cs[1]);
    }
    close(cs[1]);
    /* stdio and the preserved fds are C's now: P keeping a copy would hide EOF from whoever reads or
     * writes the other end (a stdin pipe would never close for the container) */
    for (int fd = 0; fd < 3 && host_null >= 0 && !console_proxy_active(); fd++) dup2(host_null, fd);
    if (host_null > 2) close(host_null);
    for (int fd = 3; fd < 3 + p.preservefds; fd++) close(fd);
    if (prep.fifo_fd >= 0) close(prep.fifo_fd);
    if (prep.console_fd >= 0) close(prep.console_fd);
    if (prep.listener_fd >= 0) close(prep.listener_fd);
    if (prep.cgroupns_fd >= 0) close(prep.cgroupns_fd);
    for (int i = 0; i < prep.ncgroup; i++) close(prep.cgroup_fds[i]);

    char num[32];
    snprintf(num, sizeof(num), "%d", (int) child);
    const char *f[] = {num};
    msg_send(sync, "pid", 1, f);
    char buf[64];
    int n = msg_recv(sync, buf, sizeof(buf));
    if (n <= 0 || strcmp(buf, "go")) {
        kill(child, SIGKILL);
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
        return 1;
    }
    if (p.mode != MODE_EXEC && idmap_trees_send(&p, child, cs[0]) < 0) {
        kill(child, SIGKILL);
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
        return 1;
    }
    msg_send(cs[0], "go", 0, NULL);
    supervise(child, cs[0], sync, sigfd, foreground);
}
