/* hako executor: what must happen between clone() and execve(). See PLAN.md.
 * One process tree: P (spawned by the JVM) prepares, clones/forks C (the container process), relays
 * the protocol with Java, and in FOREGROUND mode stays to forward signals and report C's exit. */
#ifndef HAKO_EXECUTOR_H
#define HAKO_EXECUTOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum mode { MODE_CREATE, MODE_RUN, MODE_EXEC };

struct ns {
    char *type; /* pid net mnt ipc uts user cgroup time */
    char *path; /* NULL: new */
    int fd;     /* opened by P when path != NULL */
};

struct hook {
    char *phase, *path, *state;
    int timeout;
    char **args;
    int nargs;
    char **env;
    int nenv;
};

enum step_kind {
    ST_ROOTPROP, ST_PREPAREROOT, ST_MOUNT, ST_DEVICE, ST_SYMLINK, ST_MKDIR, ST_MASK, ST_READONLY,
    ST_HOOK, ST_PIVOT, ST_READONLYROOT
};

struct mount_step {
    char *source, *target, *fstype, *data, *create_as, *idmap_userns;
    unsigned long long flags, remount_flags, attr_set, attr_clr;
    unsigned long long *props;
    int nprops;
    int tree_fd; /* idmapped bind: the detached tree P made (needs CAP_SYS_ADMIN over the host fs), or -1 */
    int copyup;  /* tmpcopyup: copy the covered directory's content into the new mount */
};

struct device_step {
    char *path;
    char type;
    unsigned long long major, minor;
    int mode, uid, gid, bind;
};

struct step {
    enum step_kind kind;
    unsigned long long flags;   /* rootprop, prepareroot; pivot: nopivot; mkdir: mode */
    char *a, *b;                /* symlink: target, link; mkdir/mask/readonly: path */
    struct mount_step m;
    struct device_step d;
    struct hook h;
};

struct sysctl { char *key, *value; };
struct rlim { int resource; unsigned long long soft, hard; };
struct timeoff { char *clock; long long secs, nsecs; };

struct plan {
    enum mode mode;
    struct ns *ns; int nns;
    int nuidmap, ngidmap, deny_setgroups;
    struct timeoff *toff; int ntoff;
    char *rootfs;
    struct step *steps; int nsteps;
    struct sysctl *sysctls; int nsysctls;
    char *hostname, *domainname;
    char **args; int nargs;
    char **env; int nenv;
    char *cwd;
    uid_t uid; gid_t gid;
    gid_t *groups; int ngroups;
    int umask; /* -1: unset */
    struct rlim *rlimits; int nrlimits;
    int has_caps;
    unsigned long long cap_bnd, cap_eff, cap_prm, cap_inh, cap_amb;
    int nnp;
    int has_seccomp;
    unsigned long long seccomp_flags;
    char *seccomp_listener, *seccomp_state;
    unsigned char *bpf; size_t bpf_len;
    int has_personality; unsigned long personality;
    int has_oom; int oom;
    char *apparmor, *selinux;
    int terminal, con_h, con_w;
    char *execfifo, *consolesocket;
    char **cgroupjoin; int ncgroupjoin;
    struct hook *starthooks; int nstarthooks;
    int passwdhome;                   /* set HOME from /etc/passwd (env has none) */
    int has_ioprio, ioprio_class, ioprio_level;
    int has_sched, sched_policy, sched_nice, sched_priority;
    unsigned long long sched_flags, sched_runtime, sched_deadline, sched_period;
    char *keyring; unsigned long long keyring_perms;
    char *cpu_initial, *cpu_final;    /* execCPUAffinity lists ("0-3,7"), NULL: leave */
    int preservefds;
};

/* Fds and facts P prepares before clone/fork, inherited by C. */
struct prep {
    int fifo_fd;        /* O_PATH of the exec fifo (CREATE) */
    int console_fd;     /* connected console socket */
    int listener_fd;    /* connected seccomp listener socket */
    int *cgroup_fds; int ncgroup;
    int cgroupns_fd;    /* EXEC: setns deferred to C, after joining cgroups */
    int new_cgroupns;   /* CREATE/RUN: unshare(CLONE_NEWCGROUP) in C after "go" */
    int userns;         /* a user namespace is created or joined */
    int new_userns;
};

/* plan.c */
int plan_parse(char *buf, size_t len, struct plan *p, char *err, size_t errlen);

/* sync.c: messages are one SOCK_SEQPACKET datagram each: keyword and percent-encoded fields */
extern int g_report_fd;
extern int g_detached;
void msg_send(int fd, const char *keyword, int nfields, const char **fields);
int msg_recv(int fd, char *buf, size_t len); /* bytes, 0 at EOF, -1 error */
int send_fd(int sock, int fd, const char *data, size_t len); /* SCM_RIGHTS with data */
void report_error(const char *step, const char *path, int err, const char *detail);
__attribute__((noreturn, format(printf, 4, 5)))
void fail(const char *step, const char *path, int err, const char *fmt, ...);
__attribute__((noreturn)) void fail_exit(const char *step, const char *path, int err, const char *detail, int code);

/* ns.c */
int ns_flag(const char *type);
void ns_open_paths(struct plan *p);
void ns_join_paths(struct plan *p, struct prep *prep);
unsigned long ns_clone_flags(struct plan *p, struct prep *prep);
void ns_setup_time(struct plan *p);

/* rootfs.c */
int root_fd(void);
int open_in_root(int rootfd, const char *path, int create, int mode, unsigned long long extra_resolve);
void rootfs_run(struct plan *p, struct prep *prep, void (*after_pivot)(struct plan *, struct prep *));
int procfs_fd(void);
void rootfs_release(void);
int idmap_trees_send(struct plan *p, pid_t child, int cs);
int idmap_trees_receive(struct plan *p, int cs, char *buf, size_t len); /* closes the root, /dev/null and procfs handles */
void procfs_open_private(void);
void write_proc(const char *relpath, const char *value, const char *step);

/* console.c */
void console_setup(struct plan *p, struct prep *prep, int rootfd, int bind_console);
/* FOREGROUND terminal without a console socket: P proxies the pty to its own stdio */
struct pollfd;
int console_proxy_open(int size_given); /* the end C uses as its console socket */
void console_proxy_child(void);        /* in C: drop P's end */
int console_proxy_active(void);
int console_proxy_poll(struct pollfd *fds, int n, int idx[3]);
void console_proxy_handle(struct pollfd *fds, int idx[3]);
void console_proxy_winch(void);        /* P's stdin window size onto the pty */
void console_proxy_drain(void);

/* process.c */
void run_hook(const struct hook *h);
void set_cpu_affinity(const char *list, const char *which);
void process_finish(struct plan *p, struct prep *prep);
void apply_sysctls(struct plan *p);

/* monitor.c: --supervision monitor, the engine's container monitor (like conmon) */
extern int g_monitor;
void monitor_prepare(void);
void monitor_close_fds(void);
__attribute__((noreturn)) void monitor_run(pid_t child, int cs, int sync, int sigfd, int child_done, int st);
__attribute__((noreturn)) void monitor_loop(pid_t child, int sigfd, int child_done, int st);
void monitor_fds(int fds[3]);          /* the container directory, the stdout and stderr pipes */
void monitor_resume(const int fds[3]); /* in hako-monitor: the same (the log: log_resume) */
/* monitor_handoff.c: exec hako-monitor in place of the executor (returns only if it cannot) */
void monitor_handoff_note_host(void);  /* in monitor_prepare, before any setns */
void monitor_handoff_image(int fd);    /* --monitor-exe: the JVM's sealed memfd of hako-monitor */
void monitor_handoff_close_image(void);
void monitor_handoff(pid_t child, int sigfd, int child_done, int st);
/* logfile.c: json-file log with docker's rotation (log-config in the container directory) */
int log_open(int dirfd);
void log_write(const char *buf, size_t n);
void log_state(long long v[3]);                  /* fd (-1: none), max size, max files: for hako-monitor */
void log_resume(int dirfd, const long long v[3]);
/* lifecycle.c: restart policies, decided by the monitor when the init has died */
void lifecycle_monitor_running(int dirfd);
void lifecycle_resume(void); /* in hako-monitor: the run's clock (lifecycle_monitor_running ran before the exec) */
int lifecycle_should_restart(int dirfd, int code); /* backoff in ms, 0: no restart */
void lifecycle_restart(int dirfd, int backoff_ms);
void monitor_log_raw(const char *data, size_t len); /* one stdout record as is (a pty's output) */

/* attach.c: the monitor's attach socket, stdin (-i) and pty master (terminal); see ATTACH.md */
#define ATTACH_POLL_SLOTS 19
void attach_prepare(int dirfd);     /* in monitor_prepare: socket, stdin pipe */
int attach_console_open(void);      /* terminal: the end C uses as its console socket */
void attach_close_fds(void);        /* in C */
void attach_start(void);            /* in monitor_run: take the pty master */
int attach_poll(struct pollfd *fds, int n, int *idx, int child_done);
void attach_accept(struct pollfd *fds, int *idx);
void attach_handle(struct pollfd *fds, int *idx);
void attach_output(int is_stderr, const char *data, size_t len);
int attach_busy(void);              /* the pty may still hold output */
void attach_drain(void);            /* the container is gone: the pty's rest to the log, the socket removed */
void attach_finish(int code);       /* after the exit file: the exit code to the clients */
#define ATTACH_FDS 5
void attach_fds(int v[ATTACH_FDS]);         /* after attach_start: what hako-monitor takes over */
void attach_resume(const int v[ATTACH_FDS]);

/* small helpers */
int sys_openat2(int dirfd, const char *path, unsigned long long flags, unsigned long long mode, unsigned long long resolve);
const char *errname(int err);

#endif
