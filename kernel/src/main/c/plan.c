/* Parses the launch plan (format: PLAN.md). The buffer is modified in place: fields are decoded where
 * they lie and the plan points into it, so nothing is copied. */
#include "executor.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXF 4096

struct line {
    char *kw;
    char *f[MAXF];
    int n;
};

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes one field in place: "-" is NULL, "%" is "", %XX is a byte. */
static int decode(char *s, char **out) {
    if (strcmp(s, "-") == 0) { *out = NULL; return 0; }
    if (strcmp(s, "%") == 0) { s[0] = 0; *out = s; return 0; }
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '%') {
            int h = hexval(r[1]), l = h < 0 ? -1 : hexval(r[2]);
            if (h < 0 || l < 0) return -1;
            *w++ = (char) (h * 16 + l);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
    *out = s;
    return 0;
}

static void *grow(void *arr, int n, size_t size) {
    void *p = realloc(arr, (size_t) (n + 1) * size);
    if (!p) { fputs("hako-executor: out of memory\n", stderr); _exit(1); }
    memset((char *) p + (size_t) n * size, 0, size);
    return p;
}

#define PUSH(arr, n) (arr = grow(arr, n, sizeof(*(arr))), &(arr)[(n)++])

static char *err_buf;
static size_t err_len;

static int bad(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_buf, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

static int num(const char *s, unsigned long long *v) {
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    if (s[0] == '-') {
        long long x = strtoll(s, &end, 10);
        *v = (unsigned long long) x;
    } else {
        *v = strtoull(s, &end, 10);
    }
    return errno || *end ? -1 : 0;
}

#define NEED(k, c) do { if (l->n < (c)) return bad("plan: record %s needs %d fields", k, c); } while (0)
#define NUM(i, dst) do { unsigned long long _v; if (num(l->f[i], &_v)) return bad("plan: %s: bad number '%s'", l->kw, l->f[i] ? l->f[i] : "-"); dst = _v; } while (0)

static char **dup_list(char **src, int n) {
    char **a = calloc((size_t) n + 1, sizeof(char *));
    if (!a) _exit(1);
    for (int i = 0; i < n; i++) a[i] = src[i] ? src[i] : (char *) "";
    return a;
}

static int parse_hook(struct line *l, struct hook *h) {
    NEED("hook", 6);
    h->phase = l->f[0];
    h->path = l->f[1];
    unsigned long long t;
    NUM(2, t);
    h->timeout = (int) t;
    h->state = l->f[3];
    unsigned long long na, ne;
    NUM(4, na);
    if (5 + (int) na >= l->n) return bad("plan: hook: bad args count");
    h->nargs = (int) na;
    h->args = dup_list(&l->f[5], h->nargs);
    NUM(5 + (int) na, ne);
    if (6 + (int) na + (int) ne > l->n) return bad("plan: hook: bad env count");
    h->nenv = (int) ne;
    h->env = dup_list(&l->f[6 + na], h->nenv);
    if (!h->path) return bad("plan: hook without a path");
    return 0;
}

static int record(struct plan *p, struct line *l) {
    const char *k = l->kw;
    unsigned long long v;
    if (!strcmp(k, "mode")) {
        NEED(k, 1);
        if (!l->f[0]) return bad("plan: mode is null");
        if (!strcmp(l->f[0], "create")) p->mode = MODE_CREATE;
        else if (!strcmp(l->f[0], "run")) p->mode = MODE_RUN;
        else if (!strcmp(l->f[0], "exec")) p->mode = MODE_EXEC;
        else return bad("plan: unknown mode %s", l->f[0]);
    } else if (!strcmp(k, "ns")) {
        NEED(k, 2);
        if (!l->f[0] || ns_flag(l->f[0]) == 0) return bad("plan: unknown namespace type %s", l->f[0] ? l->f[0] : "-");
        struct ns *n = PUSH(p->ns, p->nns);
        n->type = l->f[0];
        n->path = l->f[1];
        n->fd = -1;
    } else if (!strcmp(k, "uidmap")) {
        p->nuidmap++;
    } else if (!strcmp(k, "gidmap")) {
        p->ngidmap++;
    } else if (!strcmp(k, "setgroups")) {
        NEED(k, 1);
        p->deny_setgroups = l->f[0] && !strcmp(l->f[0], "deny");
    } else if (!strcmp(k, "timeoffset")) {
        NEED(k, 3);
        struct timeoff *t = PUSH(p->toff, p->ntoff);
        t->clock = l->f[0];
        NUM(1, t->secs);
        NUM(2, t->nsecs);
    } else if (!strcmp(k, "rootfs")) {
        NEED(k, 1);
        p->rootfs = l->f[0];
    } else if (!strcmp(k, "rootprop") || !strcmp(k, "prepareroot") || !strcmp(k, "pivot")) {
        NEED(k, 1);
        struct step *s = PUSH(p->steps, p->nsteps);
        s->kind = k[0] == 'r' ? ST_ROOTPROP : k[1] == 'r' ? ST_PREPAREROOT : ST_PIVOT;
        NUM(0, s->flags);
    } else if (!strcmp(k, "readonlyroot")) {
        struct step *s = PUSH(p->steps, p->nsteps);
        s->kind = ST_READONLYROOT;
    } else if (!strcmp(k, "mount")) {
        NEED(k, 11);
        struct step *s = PUSH(p->steps, p->nsteps);
        s->kind = ST_MOUNT;
        struct mount_step *m = &s->m;
        m->source = l->f[0];
        m->target = l->f[1];
        m->fstype = l->f[2];
        NUM(3, m->flags);
        m->data = l->f[4];
        if (l->f[5]) {
            char *save = NULL;
            for (char *t = strtok_r(l->f[5], ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                unsigned long long pv;
                if (num(t, &pv)) return bad("plan: mount: bad propagation %s", t);
                *PUSH(m->props, m->nprops) = pv;
            }
        }
        NUM(6, m->remount_flags);
        m->create_as = l->f[7];
        NUM(8, m->attr_set);
        NUM(9, m->attr_clr);
        m->idmap_userns = l->f[10];
        m->copyup = l->n > 11 && l->f[11] && !strcmp(l->f[11], "1");
        m->tree_fd = -1;
        if (!m->target) return bad("plan: mount without a target");
    } else if (!strcmp(k, "device")) {
        NEED(k, 8);
        struct step *s = PUSH(p->steps, p->nsteps);
        s->kind = ST_DEVICE;
        struct device_step *d = &s->d;
        d->path = l->f[0];
        if (!d->path || !l->f[1] || !l->f[1][0]) return bad("plan: device needs a path and a type");
        d->type = l->f[1][0];
        NUM(2, d->major);
        NUM(3, d->minor);
        NUM(4, v); d->mode = (int) v;
        NUM(5, v); d->uid = (int) v;
        NUM(6, v); d->gid = (int) v;
        d->bind = l->f[7] && !strcmp(l->f[7], "1");
    } else if (!strcmp(k, "symlink")) {
        NEED(k, 2);
        struct step *s = PUSH(p->steps, p->nsteps);
        s->kind = ST_SYMLINK;
        s->a = l->f[0];
        s->b = l->f[1];
        if (!s->a || !s->b) return bad("plan: symlink needs a target and a path");
    } else if (!strcmp(k, "mkdir")) {
        NEED(k, 2);
        struct step *s = PUSH(p->steps, p->nsteps);
        s->kind = ST_MKDIR;
        s->a = l->f[0];
        NUM(1, s->flags);
        if (!s->a) return bad("plan: mkdir without a path");
    } else if (!strcmp(k, "mask") || !strcmp(k, "readonly")) {
        NEED(k, 1);
        struct step *s = PUSH(p->steps, p->nsteps);
        s->kind = k[0] == 'm' ? ST_MASK : ST_READONLY;
        s->a = l->f[0];
        if (!s->a) return bad("plan: %s without a path", k);
    } else if (!strcmp(k, "hook")) {
        NEED(k, 1);
        if (l->f[0] && !strcmp(l->f[0], "createContainer")) {
            struct step *s = PUSH(p->steps, p->nsteps);
            s->kind = ST_HOOK;
            if (parse_hook(l, &s->h)) return -1;
        } else {
            struct hook *h = PUSH(p->starthooks, p->nstarthooks);
            if (parse_hook(l, h)) return -1;
        }
    } else if (!strcmp(k, "sysctl")) {
        NEED(k, 2);
        struct sysctl *s = PUSH(p->sysctls, p->nsysctls);
        s->key = l->f[0];
        s->value = l->f[1] ? l->f[1] : (char *) "";
        if (!s->key) return bad("plan: sysctl without a key");
    } else if (!strcmp(k, "hostname")) {
        NEED(k, 1);
        p->hostname = l->f[0];
    } else if (!strcmp(k, "domainname")) {
        NEED(k, 1);
        p->domainname = l->f[0];
    } else if (!strcmp(k, "args")) {
        p->nargs = l->n;
        p->args = dup_list(l->f, l->n);
    } else if (!strcmp(k, "env")) {
        p->nenv = l->n;
        p->env = dup_list(l->f, l->n);
    } else if (!strcmp(k, "cwd")) {
        NEED(k, 1);
        p->cwd = l->f[0];
    } else if (!strcmp(k, "user")) {
        NEED(k, 2);
        NUM(0, p->uid);
        NUM(1, p->gid);
    } else if (!strcmp(k, "groups")) {
        p->groups = calloc((size_t) l->n + 1, sizeof(gid_t));
        for (int i = 0; i < l->n; i++) NUM(i, p->groups[i]);
        p->ngroups = l->n;
    } else if (!strcmp(k, "umask")) {
        NEED(k, 1);
        NUM(0, v);
        p->umask = (int) v;
    } else if (!strcmp(k, "rlimit")) {
        NEED(k, 3);
        struct rlim *r = PUSH(p->rlimits, p->nrlimits);
        NUM(0, v); r->resource = (int) v;
        NUM(1, r->soft);
        NUM(2, r->hard);
    } else if (!strcmp(k, "caps")) {
        NEED(k, 5);
        p->has_caps = 1;
        NUM(0, p->cap_bnd);
        NUM(1, p->cap_eff);
        NUM(2, p->cap_prm);
        NUM(3, p->cap_inh);
        NUM(4, p->cap_amb);
    } else if (!strcmp(k, "nnp")) {
        NEED(k, 1);
        p->nnp = l->f[0] && !strcmp(l->f[0], "1");
    } else if (!strcmp(k, "seccomp")) {
        NEED(k, 4);
        p->has_seccomp = 1;
        NUM(0, p->seccomp_flags);
        p->seccomp_listener = l->f[1];
        p->seccomp_state = l->f[2];
        char *hex = l->f[3] ? l->f[3] : (char *) "";
        size_t n = strlen(hex);
        if (n % 16) return bad("plan: seccomp program is not a whole number of instructions");
        p->bpf = malloc(n / 2 + 1);
        for (size_t i = 0; i < n / 2; i++) {
            int h = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
            if (h < 0 || lo < 0) return bad("plan: seccomp program is not hex");
            p->bpf[i] = (unsigned char) (h * 16 + lo);
        }
        p->bpf_len = n / 2;
    } else if (!strcmp(k, "personality")) {
        NEED(k, 1);
        p->has_personality = 1;
        NUM(0, p->personality);
    } else if (!strcmp(k, "oomscoreadj")) {
        NEED(k, 1);
        p->has_oom = 1;
        NUM(0, v);
        p->oom = (int) v;
    } else if (!strcmp(k, "apparmor")) {
        NEED(k, 1);
        p->apparmor = l->f[0];
    } else if (!strcmp(k, "selinux")) {
        NEED(k, 1);
        p->selinux = l->f[0];
    } else if (!strcmp(k, "terminal")) {
        NEED(k, 1);
        p->terminal = l->f[0] && !strcmp(l->f[0], "1");
    } else if (!strcmp(k, "consolesize")) {
        NEED(k, 2);
        NUM(0, v); p->con_h = (int) v;
        NUM(1, v); p->con_w = (int) v;
    } else if (!strcmp(k, "passwdhome")) {
        p->passwdhome = 1;
    } else if (!strcmp(k, "ioprio")) {
        NEED(k, 2);
        p->has_ioprio = 1;
        NUM(0, v); p->ioprio_class = (int) v;
        NUM(1, v); p->ioprio_level = (int) v;
    } else if (!strcmp(k, "sched")) {
        NEED(k, 7);
        p->has_sched = 1;
        NUM(0, v); p->sched_policy = (int) v;
        NUM(1, v); p->sched_nice = (int) v;
        NUM(2, v); p->sched_priority = (int) v;
        NUM(3, p->sched_flags);
        NUM(4, p->sched_runtime);
        NUM(5, p->sched_deadline);
        NUM(6, p->sched_period);
    } else if (!strcmp(k, "cpuaffinity")) {
        NEED(k, 2);
        p->cpu_initial = l->f[0];
        p->cpu_final = l->f[1];
    } else if (!strcmp(k, "keyring")) {
        NEED(k, 2);
        p->keyring = l->f[0];
        NUM(1, p->keyring_perms);
        if (!p->keyring) return bad("plan: keyring without a name");
    } else if (!strcmp(k, "execfifo")) {
        NEED(k, 1);
        p->execfifo = l->f[0];
    } else if (!strcmp(k, "consolesocket")) {
        NEED(k, 1);
        p->consolesocket = l->f[0];
    } else if (!strcmp(k, "cgroupjoin")) {
        NEED(k, 1);
        *PUSH(p->cgroupjoin, p->ncgroupjoin) = l->f[0];
    } else if (!strcmp(k, "preservefds")) {
        NEED(k, 1);
        NUM(0, v);
        p->preservefds = (int) v;
    } else {
        return bad("plan: unknown record %s", k);
    }
    return 0;
}

int plan_parse(char *buf, size_t len, struct plan *p, char *err, size_t errlen) {
    err_buf = err;
    err_len = errlen;
    memset(p, 0, sizeof(*p));
    p->umask = -1;
    p->mode = MODE_RUN;
    static struct line l;
    int lineno = 0, ended = 0;
    char *end = buf + len;
    for (char *s = buf; s < end;) {
        char *nl = memchr(s, '\n', (size_t) (end - s));
        if (!nl) return bad("plan: last line is not terminated");
        *nl = 0;
        if (memchr(s, 0, (size_t) (nl - s))) return bad("plan: NUL byte in line %d", lineno + 1);
        char *line = s;
        s = nl + 1;
        lineno++;
        if (!*line) continue;
        if (ended) return bad("plan: data after end");
        l.n = 0;
        char *save = NULL;
        l.kw = strtok_r(line, " ", &save);
        for (char *t = strtok_r(NULL, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
            if (l.n >= MAXF) return bad("plan: too many fields in line %d", lineno);
            if (decode(t, &l.f[l.n])) return bad("plan: bad escape in line %d", lineno);
            l.n++;
        }
        if (lineno == 1) {
            if (strcmp(l.kw, "hako-plan") || l.n != 1 || !l.f[0] || strcmp(l.f[0], "1"))
                return bad("plan: not a hako plan of version 1");
            continue;
        }
        if (!strcmp(l.kw, "end")) { ended = 1; continue; }
        if (record(p, &l)) return -1;
    }
    if (lineno == 0) return bad("plan: empty");
    if (!ended) return bad("plan: no end record (truncated?)");
    if (p->nargs == 0) return bad("plan: process has no args");
    return 0;
}
