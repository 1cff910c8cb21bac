/* The process steps after the mount namespace is done: sysctls, hostname, rlimits, personality, LSM
 * labels, user and groups, capabilities, no_new_privs, seccomp, the exec fifo, startContainer hooks,
 * and the execve itself. */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void run_hook(const struct hook *h) {
    char what[PATH_MAX + 32];
    snprintf(what, sizeof(what), "%s", h->path);
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0) fail("hook", what, errno, "%s: pipe", h->phase);
    pid_t pid = fork();
    if (pid < 0) fail("hook", what, errno, "%s: fork", h->phase);
    if (pid == 0) {
        if (dup2(pipefd[0], 0) < 0) _exit(127);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        char *argv0[] = {h->path, NULL};
        char *noenv[] = {NULL};
        execve(h->path, h->nargs ? h->args : argv0, h->nenv ? h->env : noenv);
        fprintf(stderr, "hako-executor: %s hook %s: %s\n", h->phase, h->path, strerror(errno));
        _exit(127);
    }
    close(pipefd[0]);
    if (h->state) {
        /* the plan was written before the pid existed: its first "pid":0 is ours (getpid(), as runc) */
        static const char tok[] = "\"pid\":0";
        const char *at = strstr(h->state, tok);
        char pidtxt[32];
        snprintf(pidtxt, sizeof(pidtxt), "\"pid\":%d", (int) getpid());
        const char *part[3] = {h->state, pidtxt, at ? at + strlen(tok) : ""};
        size_t plen[3] = {at ? (size_t) (at - h->state) : strlen(h->state), at ? strlen(pidtxt) : 0, strlen(part[2])};
        for (int i = 0; i < 3; i++) {
            size_t done = 0;
            while (done < plen[i]) {
                ssize_t w = write(pipefd[1], part[i] + done, plen[i] - done);
                if (w < 0) { if (errno == EINTR) continue; break; } /* EPIPE: the hook does not read its stdin */
                done += (size_t) w;
            }
        }
    }
    close(pipefd[1]);
    int pfd = (int) syscall(SYS_pidfd_open, pid, 0);
    if (pfd >= 0 && h->timeout > 0) {
        struct pollfd pf = {.fd = pfd, .events = POLLIN};
        int r;
        do {
            r = poll(&pf, 1, h->timeout * 1000);
        } while (r < 0 && errno == EINTR);
        if (r == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            fail("hook", what, ETIMEDOUT, "%s hook timed out after %ds", h->phase, h->timeout);
        }
    }
    if (pfd >= 0) close(pfd);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) fail("hook", what, errno, "%s: wait", h->phase);
    if (WIFEXITED(st) && WEXITSTATUS(st) != 0) fail("hook", what, 0, "%s hook failed: exit status %d", h->phase, WEXITSTATUS(st));
    if (WIFSIGNALED(st)) fail("hook", what, 0, "%s hook killed by signal %d", h->phase, WTERMSIG(st));
}

void apply_sysctls(struct plan *p) {
    for (int i = 0; i < p->nsysctls; i++) {
        char rel[PATH_MAX];
        snprintf(rel, sizeof(rel), "sys/%s", p->sysctls[i].key);
        for (char *c = rel + 4; *c; c++)
            if (*c == '.') *c = '/';
        write_proc(rel, p->sysctls[i].value, "sysctl");
    }
}

static int last_cap(void) {
    int cap = 0;
    while (cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0) cap++;
    return cap - 1;
}

static void set_user_and_caps(struct plan *p, struct prep *prep) {
    int last = last_cap();
    unsigned long long valid = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
    if (p->has_caps) {
        for (int cap = 0; cap <= last; cap++)
            if (!(p->cap_bnd & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
                fail("capabilities", NULL, errno, "drop capability %d from the bounding set", cap);
    }
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) fail("prctl", "PR_SET_KEEPCAPS", errno, NULL);
    if (!(prep->userns && p->deny_setgroups)) {
        if (setgroups((size_t) p->ngroups, p->groups) < 0 && !(prep->userns && errno == EPERM && p->ngroups == 0))
            fail("setgroups", NULL, errno, NULL);
    } else if (p->ngroups > 0) {
        fail("setgroups", NULL, EPERM, "additional groups need setgroups allowed in the user namespace");
    }
    if (setresgid(p->gid, p->gid, p->gid) < 0) fail("setresgid", NULL, errno, "gid %u", (unsigned) p->gid);
    if (setresuid(p->uid, p->uid, p->uid) < 0) fail("setresuid", NULL, errno, "uid %u", (unsigned) p->uid);
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) fail("prctl", "PR_SET_KEEPCAPS", errno, NULL);
    if (!p->has_caps) return;
    unsigned long long eff = p->cap_eff & valid, prm = p->cap_prm & valid, inh = p->cap_inh & valid;
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2] = {
        {.effective = (__u32) eff, .permitted = (__u32) prm, .inheritable = (__u32) inh},
        {.effective = (__u32) (eff >> 32), .permitted = (__u32) (prm >> 32), .inheritable = (__u32) (inh >> 32)},
    };
    if (syscall(SYS_capset, &hdr, data) < 0) fail("capset", NULL, errno, "effective %llx permitted %llx inheritable %llx", eff, prm, inh);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        fail("capabilities", NULL, errno, "clear ambient set");
    for (int cap = 0; cap <= last; cap++)
        if ((p->cap_amb & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            fail("capabilities", NULL, errno, "raise ambient capability %d", cap);
}

static void load_seccomp(struct plan *p, struct prep *prep) {
    struct sock_fprog prog = {.len = (unsigned short) (p->bpf_len / 8), .filter = (struct sock_filter *) p->bpf};
    if (p->bpf_len / 8 == 0 || p->bpf_len / 8 > BPF_MAXINSNS) fail("seccomp", NULL, EINVAL, "program of %zu instructions", p->bpf_len / 8);
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned long) p->seccomp_flags, &prog);
    if (r < 0) fail("seccomp", NULL, errno, "load filter");
    if (p->seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
        if (prep->listener_fd < 0) fail("seccomp", NULL, EINVAL, "listener flag without a listener socket");
        const char *state = p->seccomp_state ? p->seccomp_state : "";
        if (send_fd(prep->listener_fd, (int) r, state, strlen(state)) < 0)
            fail("seccomp", p->seccomp_listener, errno, "send listener fd");
        close((int) r);
        close(prep->listener_fd);
        prep->listener_fd = -1;
    }
}

static const char *env_get(struct plan *p, const char *name) {
    size_t n = strlen(name);
    for (int i = 0; i < p->nenv; i++)
        if (!strncmp(p->env[i], name, n) && p->env[i][n] == '=') return p->env[i] + n + 1;
    return NULL;
}

/* The program to exec, found like execvp does but with the container's PATH. */
static const char *find_program(struct plan *p, char *buf, size_t cap) {
    const char *a0 = p->args[0];
    if (!*a0) { errno = ENOENT; return NULL; }
    if (strchr(a0, '/')) return a0;
    const char *path = env_get(p, "PATH");
    if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    int denied = 0;
    for (const char *s = path;; ) {
        const char *e = strchr(s, ':');
        size_t l = e ? (size_t) (e - s) : strlen(s);
        if (l == 0) snprintf(buf, cap, "%s", a0);
        else snprintf(buf, cap, "%.*s/%s", (int) l, s, a0);
        struct stat st;
        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
            if (access(buf, X_OK) == 0) return buf;
            denied = 1;
        }
        if (!e) break;
        s = e + 1;
    }
    errno = denied ? EACCES : ENOENT;
    return NULL;
}

/* HOME from the container's /etc/passwd entry for the uid, "/" without one (runc). Read after pivot_root,
 * resolved inside the root; only a regular file, bounded. */
static void set_home_from_passwd(struct plan *p) {
    const char *home = "/";
    static char line[4096], found[PATH_MAX];
    int fd = sys_openat2(root_fd(), "etc/passwd", O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    struct stat st;
    FILE *f = NULL;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < (16 << 20)) f = fdopen(fd, "r");
    else if (fd >= 0) close(fd);
    while (f && fgets(line, sizeof(line), f)) {
        char *fld[7] = {0}, *s = line;
        int n = 0;
        line[strcspn(line, "\n")] = 0;
        while (n < 7) {
            fld[n++] = s;
            s = strchr(s, ':');
            if (!s) break;
            *s++ = 0;
        }
        if (n < 6 || !*fld[2]) continue;
        char *end;
        errno = 0;
        unsigned long uid = strtoul(fld[2], &end, 10);
        if (errno || *end || uid != (unsigned long) p->uid) continue;
        if (*fld[5]) { snprintf(found, sizeof(found), "%s", fld[5]); home = found; }
        break;
    }
    if (f) fclose(f);
    char **env = calloc((size_t) p->nenv + 2, sizeof(char *));
    char *h = malloc(strlen(home) + 6);
    if (!env || !h) fail("home", NULL, ENOMEM, NULL);
    memcpy(env, p->env, (size_t) p->nenv * sizeof(char *));
    sprintf(h, "HOME=%s", home);
    env[p->nenv++] = h;
    p->env = env;
}

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_SETPERM 5
#define KEYCTL_DESCRIBE 6
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

/* runc: a session keyring of the container's own, so keys of the caller's session do not leak in */
static void join_keyring(struct plan *p) {
    long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, p->keyring, 0, 0, 0);
    if (id < 0) {
        if (errno == ENOSYS) return; /* no keyrings in this kernel: nothing to leak either */
        fail("keyring", p->keyring, errno, "join session keyring");
    }
    if (!p->keyring_perms) return;
    char desc[512];
    long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof(desc) - 1, 0);
    if (n < 0) fail("keyring", p->keyring, errno, "describe");
    desc[n < (long) sizeof(desc) ? n : (long) sizeof(desc) - 1] = 0;
    /* "type;uid;gid;perm;description", perm in hex */
    char *s = desc;
    for (int i = 0; i < 3 && s; i++) { s = strchr(s, ';'); if (s) s++; }
    if (!s) fail("keyring", p->keyring, EINVAL, "unexpected description %s", desc);
    unsigned long perm = strtoul(s, NULL, 16) | (unsigned long) p->keyring_perms;
    if (syscall(SYS_keyctl, KEYCTL_SETPERM, id, perm, 0, 0) < 0) fail("keyring", p->keyring, errno, "set permissions %#lx", perm);
}

struct hako_sched_attr {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
};

/* sched_setaffinity from a CPU list such as "0-3,7" (runtime-spec execCPUAffinity) */
void set_cpu_affinity(const char *list, const char *which) {
    if (!list || !*list) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    const char *s = list;
    while (*s) {
        char *end;
        unsigned long lo = strtoul(s, &end, 10), hi = lo;
        if (end == s) fail("sched_setaffinity", NULL, EINVAL, "execCPUAffinity.%s: bad CPU list \"%s\"", which, list);
        if (*end == '-') {
            s = end + 1;
            hi = strtoul(s, &end, 10);
            if (end == s || hi < lo) fail("sched_setaffinity", NULL, EINVAL, "execCPUAffinity.%s: bad CPU list \"%s\"", which, list);
        }
        if (hi >= CPU_SETSIZE) fail("sched_setaffinity", NULL, EINVAL, "execCPUAffinity.%s: CPU %lu out of range", which, hi);
        for (unsigned long c = lo; c <= hi; c++) CPU_SET(c, &set);
        if (*end == ',') end++;
        else if (*end) fail("sched_setaffinity", NULL, EINVAL, "execCPUAffinity.%s: bad CPU list \"%s\"", which, list);
        s = end;
    }
    if (sched_setaffinity(0, sizeof(set), &set) < 0)
        fail("sched_setaffinity", NULL, errno, "execCPUAffinity.%s \"%s\"", which, list);
}

static void set_priorities(struct plan *p) {
    set_cpu_affinity(p->cpu_final, "final"); /* the cgroup is joined by now (runtime-spec) */
    if (p->has_sched) {
        struct hako_sched_attr a = {
            .size = sizeof(a), .sched_policy = (uint32_t) p->sched_policy, .sched_flags = p->sched_flags,
            .sched_nice = p->sched_nice, .sched_priority = (uint32_t) p->sched_priority,
            .sched_runtime = p->sched_runtime, .sched_deadline = p->sched_deadline, .sched_period = p->sched_period,
        };
        if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
            fail("sched_setattr", NULL, errno, "policy %d nice %d priority %d", p->sched_policy, p->sched_nice, p->sched_priority);
    }
    if (p->has_ioprio) {
        int v = (p->ioprio_class << 13) | p->ioprio_level;
        if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, v) < 0)
            fail("ioprio_set", NULL, errno, "class %d level %d", p->ioprio_class, p->ioprio_level);
    }
}

static void chdir_inside(struct plan *p) {
    const char *cwd = p->cwd && *p->cwd ? p->cwd : "/";
    /* CVE-2024-21626: no magic links (a /proc/self/fd/N cwd), and the result must be under the root */
    int fd = sys_openat2(AT_FDCWD, cwd, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd < 0) fail("chdir", cwd, errno, "working directory");
    if (fchdir(fd) < 0) fail("chdir", cwd, errno, "working directory");
    close(fd);
    char buf[PATH_MAX];
    long r = syscall(SYS_getcwd, buf, sizeof(buf));
    if (r < 0 || buf[0] != '/') fail("chdir", cwd, r < 0 ? errno : EPERM, "working directory is outside the container root");
}

void process_finish(struct plan *p, struct prep *prep) {
    if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0) fail("sethostname", p->hostname, errno, NULL);
    if (p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0) fail("setdomainname", p->domainname, errno, NULL);
    for (int i = 0; i < p->nrlimits; i++) {
        struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};
        if (setrlimit(p->rlimits[i].resource, &rl) < 0) {
            char r[32];
            snprintf(r, sizeof(r), "resource %d", p->rlimits[i].resource);
            fail("setrlimit", r, errno, "soft %llu hard %llu", p->rlimits[i].soft, p->rlimits[i].hard);
        }
    }
    if (p->has_personality && personality(p->personality) < 0) fail("personality", NULL, errno, NULL);
    char rel[64];
    if (p->apparmor && *p->apparmor) {
        char v[PATH_MAX];
        snprintf(v, sizeof(v), "exec %s", p->apparmor);
        snprintf(rel, sizeof(rel), "%d/attr/apparmor/exec", getpid());
        write_proc(rel, v, "apparmor");
    }
    if (p->selinux && *p->selinux) {
        snprintf(rel, sizeof(rel), "%d/attr/exec", getpid());
        write_proc(rel, p->selinux, "selinux");
    }
    if (p->mode != MODE_EXEC && p->cwd && *p->cwd) {
        int fd = open_in_root(root_fd(), p->cwd, 'd', 0755, 0);
        if (fd >= 0) close(fd); /* a missing cwd is made as runc does; other errors show at chdir */
    }
    if (p->passwdhome) set_home_from_passwd(p);
    if (p->keyring) join_keyring(p);
    set_priorities(p); /* raising them needs CAP_SYS_NICE / CAP_SYS_ADMIN: before the capabilities go */
    /* without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the capabilities go */
    if (p->has_seccomp && !p->nnp) load_seccomp(p, prep);
    set_user_and_caps(p, prep);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* a uid change cleared it; until created/exec it still holds */
    chdir_inside(p);
    char buf[PATH_MAX];
    const char *prog = find_program(p, buf, sizeof(buf));
    if (!prog) {
        int e = errno;
        fail_exit("exec", p->args[0], e, e == ENOENT ? "executable file not found in $PATH" : "permission denied", e == ENOENT ? 127 : 126);
    }
    if (p->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail("prctl", "PR_SET_NO_NEW_PRIVS", errno, NULL);
    if (p->umask >= 0) umask((mode_t) p->umask);
    else umask(022);
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);

    if (p->mode == MODE_CREATE) {
        if (prep->fifo_fd < 0) fail("exec fifo", NULL, EINVAL, "create mode without an exec fifo");
        /* While blocked here only stdio and the fifo are open (SECURITY.md): the fifo is reopened by a
         * path string through the container's own /proc (checked to be a procfs; nothing of the
         * container runs yet), and the other handles are closed first. */
        struct statfs sf;
        int viaproc = statfs("/proc", &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
        snprintf(rel, sizeof(rel), "%d/fd/%d", getpid(), prep->fifo_fd);
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", prep->fifo_fd);
        int pfd = viaproc ? -1 : procfs_fd();
        if (viaproc) rootfs_release();
        msg_send(g_report_fd, "created", 0, NULL);
        g_detached = 1; /* from here errors go to stderr: P has gone */
        close(g_report_fd);
        g_report_fd = -1;
        int fd;
        do {
            fd = viaproc ? open(path, O_WRONLY | O_CLOEXEC) : openat(pfd, rel, O_WRONLY | O_CLOEXEC);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) fail("exec fifo", p->execfifo, errno, "open for writing");
        if (write(fd, "0", 1) != 1) fail("exec fifo", p->execfifo, errno, "write");
        /* fd stays open (close-on-exec): `start` reads to EOF, so it returns after the execve, as runc */
        close(prep->fifo_fd);
    }
    for (int i = 0; i < p->nstarthooks; i++) run_hook(&p->starthooks[i]);

    /* CVE-2024-21626: nothing of the host crosses the exec but stdio and the preserved fds */
    if (syscall(SYS_close_range, 3 + p->preservefds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) fail("close_range", NULL, errno, NULL);
    for (int fd = 3; fd < 3 + p->preservefds; fd++) fcntl(fd, F_SETFD, 0);
    for (int fd = 0; fd < 3; fd++) {
        int fl = fcntl(fd, F_GETFD);
        if (fl > 0) fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
    }
    if (!g_detached) msg_send(g_report_fd, "exec", 0, NULL);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (p->has_seccomp && p->nnp) load_seccomp(p, prep);
    execve(prog, p->args, p->env);
    int e = errno;
    fail_exit("exec", p->args[0], e, NULL, e == ENOENT ? 127 : 126);
}
