/* Namespaces: joined by path in P (user namespace first), created by clone() flags, the time
 * namespace by unshare() + offsets before the clone, the cgroup namespace in C after the cgroups are
 * joined (so its root is the container's cgroup). */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int ns_flag(const char *type) {
    if (!strcmp(type, "pid")) return CLONE_NEWPID;
    if (!strcmp(type, "net") || !strcmp(type, "network")) return CLONE_NEWNET;
    if (!strcmp(type, "mnt") || !strcmp(type, "mount")) return CLONE_NEWNS;
    if (!strcmp(type, "ipc")) return CLONE_NEWIPC;
    if (!strcmp(type, "uts")) return CLONE_NEWUTS;
    if (!strcmp(type, "user")) return CLONE_NEWUSER;
    if (!strcmp(type, "cgroup")) return CLONE_NEWCGROUP;
    if (!strcmp(type, "time")) return CLONE_NEWTIME;
    return 0;
}

void ns_open_paths(struct plan *p) {
    for (int i = 0; i < p->nns; i++) {
        struct ns *n = &p->ns[i];
        if (!n->path) continue;
        n->fd = open(n->path, O_RDONLY | O_CLOEXEC);
        if (n->fd < 0) fail("setns", n->path, errno, "open %s namespace", n->type);
    }
}

static void join(struct ns *n) {
    if (setns(n->fd, ns_flag(n->type)) < 0) fail("setns", n->path, errno, "join %s namespace", n->type);
    close(n->fd);
    n->fd = -1;
}

void ns_join_paths(struct plan *p, struct prep *prep) {
    for (int i = 0; i < p->nns; i++) {
        struct ns *n = &p->ns[i];
        if (ns_flag(n->type) == CLONE_NEWUSER) {
            prep->userns = 1;
            if (n->path) join(n);
            else prep->new_userns = 1;
        }
    }
    for (int i = 0; i < p->nns; i++) {
        struct ns *n = &p->ns[i];
        if (!n->path || n->fd < 0) continue;
        if (ns_flag(n->type) == CLONE_NEWCGROUP && p->mode == MODE_EXEC) {
            prep->cgroupns_fd = n->fd; /* joined by C after it entered the cgroups */
            continue;
        }
        join(n);
    }
}

unsigned long ns_clone_flags(struct plan *p, struct prep *prep) {
    unsigned long flags = 0;
    for (int i = 0; i < p->nns; i++) {
        struct ns *n = &p->ns[i];
        if (n->path) continue;
        int f = ns_flag(n->type);
        if (f == CLONE_NEWTIME) continue;
        if (f == CLONE_NEWCGROUP) { prep->new_cgroupns = 1; continue; }
        flags |= (unsigned long) f;
    }
    return flags;
}

void ns_setup_time(struct plan *p) {
    int want = 0;
    for (int i = 0; i < p->nns; i++)
        if (!p->ns[i].path && ns_flag(p->ns[i].type) == CLONE_NEWTIME) want = 1;
    if (!want) return;
    if (unshare(CLONE_NEWTIME) < 0) fail("unshare", "time namespace", errno, NULL);
    if (p->ntoff == 0) return;
    char buf[512];
    size_t n = 0;
    for (int i = 0; i < p->ntoff && n < sizeof(buf); i++)
        n += (size_t) snprintf(buf + n, sizeof(buf) - n, "%s %lld %lld\n", p->toff[i].clock, p->toff[i].secs, p->toff[i].nsecs);
    int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail("timens_offsets", "/proc/self/timens_offsets", errno, NULL);
    if (write(fd, buf, n) != (ssize_t) n) fail("timens_offsets", "/proc/self/timens_offsets", errno, "write offsets");
    close(fd);
}
