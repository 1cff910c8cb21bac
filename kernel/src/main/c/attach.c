/* The monitor's attach socket (see ATTACH.md): interactive clients (hako run -it, attach, start -a) get the
 * container's live output, send stdin bytes and window sizes, and can close the container's stdin.
 * With a terminal the monitor holds the pty master (C sends it over an internal socketpair, as the
 * foreground proxy does); with -i (attach.conf says "stdin 1") it holds the write end of C's stdin pipe.
 * The socket is a path socket in <dir>/attach (0700), never abstract (CVE-2020-15257). Nothing here may
 * block the monitor: clients are non-blocking with a bounded output buffer (a client that falls too far
 * behind is dropped, logging goes on), and stdin is buffered bounded too (then clients are not read). */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define MAX_CLIENTS 16
#define CLIENT_OUT_MAX (4u << 20) /* queued output per client before it is dropped */
#define FRAME_MAX 65536           /* largest payload a client may send */
#define STDIN_MAX (1u << 20)      /* queued stdin before clients stop being read */
_Static_assert(ATTACH_POLL_SLOTS == 3 + MAX_CLIENTS, "poll slots");

enum { F_STDIN = 0, F_STDOUT = 1, F_STDERR = 2, F_EXIT = 3, F_RESIZE = 4, F_CLOSE_STDIN = 5 };

struct client {
    int fd;
    char *out;
    size_t out_len, out_cap;
    unsigned char in[5 + FRAME_MAX];
    size_t in_len;
};

static struct client clients[MAX_CLIENTS];
static int nclients;
static int at_adir = -1, at_listen = -1;
static int at_stdin_w = -1; /* -i: the write end of the pipe C reads as stdin */
static int at_console = -1;                  /* terminal: P's end of the socketpair C sends the master over */
static int at_master = -1;
static int at_openstdin, at_close_pending;
static char *in_buf;
static size_t in_len;

static void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

void attach_prepare(int dirfd) {
    char conf[256] = {0};
    int cf = openat(dirfd, "attach.conf", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (cf >= 0) {
        ssize_t r = read(cf, conf, sizeof(conf) - 1);
        if (r > 0) conf[r] = 0;
        close(cf);
    }
    at_openstdin = strstr(conf, "stdin 1") != NULL;

    if (mkdirat(dirfd, "attach", 0700) < 0 && errno != EEXIST) fail("attach", "attach", errno, "mkdir");
    at_adir = openat(dirfd, "attach", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (at_adir < 0) fail("attach", "attach", errno, "open directory");
    struct stat st;
    if (fstat(at_adir, &st) < 0 || st.st_uid != geteuid()) fail("attach", "attach", EPERM, "not owned by the monitor");
    if (fchmod(at_adir, 0700) < 0) fail("attach", "attach", errno, "chmod 0700");
    if (unlinkat(at_adir, "socket", 0) < 0 && errno != ENOENT) fail("attach", "attach/socket", errno, "remove the old socket");
    at_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (at_listen < 0) fail("attach", NULL, errno, "socket");
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    /* by its real path (what ss and /proc/net/unix show), or through the directory fd when that is too long */
    char self[64], dir[4096];
    snprintf(self, sizeof(self), "/proc/self/fd/%d", at_adir);
    ssize_t dl = readlink(self, dir, sizeof(dir) - 1);
    if (dl > 0 && (size_t) dl + sizeof("/socket") <= sizeof(sa.sun_path)) {
        memcpy(sa.sun_path, dir, (size_t) dl);
        memcpy(sa.sun_path + dl, "/socket", sizeof("/socket"));
    } else {
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/socket", self);
    }
    if (bind(at_listen, (struct sockaddr *) &sa, sizeof(sa)) < 0) fail("attach", "attach/socket", errno, "bind");
    if (fchmodat(at_adir, "socket", 0600, 0) < 0) fail("attach", "attach/socket", errno, "chmod");
    if (listen(at_listen, MAX_CLIENTS) < 0) fail("attach", "attach/socket", errno, "listen");

    if (at_openstdin) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) fail("attach", NULL, errno, "stdin pipe");
        if (dup2(p[0], 0) < 0) fail("attach", NULL, errno, "dup2 stdin");
        close(p[0]);
        at_stdin_w = p[1];
        set_nonblock(at_stdin_w);
    }
}

int attach_console_open(void) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) fail("attach", NULL, errno, "socketpair for the pty master");
    at_console = sv[0];
    return sv[1];
}

void attach_close_fds(void) {
    if (at_adir >= 0) close(at_adir);
    if (at_listen >= 0) close(at_listen);
    if (at_stdin_w >= 0) close(at_stdin_w);
    if (at_console >= 0) close(at_console);
    at_adir = at_listen = at_stdin_w = at_console = -1;
}

/* The master arrived before C reported "created" (console_setup runs first): it is already queued. */
void attach_start(void) {
    if (at_console < 0) return;
    char name[64], c[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = c, .msg_controllen = sizeof(c)};
    ssize_t r;
    do { r = recvmsg(at_console, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT); } while (r < 0 && errno == EINTR);
    struct cmsghdr *cm = r > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
    if (cm && cm->cmsg_type == SCM_RIGHTS) {
        memcpy(&at_master, CMSG_DATA(cm), sizeof(int));
        set_nonblock(at_master);
        /* docker: stdin of a tty container goes to the master; without -i clients send nothing */
        if (at_openstdin) {
            if (at_stdin_w >= 0) close(at_stdin_w); /* C's stdin is the pty slave, not the pipe */
            at_stdin_w = at_master;
        }
    }
    close(at_console);
    at_console = -1;
}

void attach_fds(int v[ATTACH_FDS]) {
    v[0] = at_adir; v[1] = at_listen; v[2] = at_stdin_w; v[3] = at_master; v[4] = at_openstdin;
}

void attach_resume(const int v[ATTACH_FDS]) {
    at_adir = v[0]; at_listen = v[1]; at_stdin_w = v[2]; at_master = v[3]; at_openstdin = v[4];
}

static void drop(int i) {
    close(clients[i].fd);
    free(clients[i].out);
    struct client *c = &clients[i], *last = &clients[--nclients];
    if (c == last) return;
    /* field by field, and only the bytes of `in` in use: a whole-struct copy would dirty its 64 KiB for good */
    c->fd = last->fd;
    c->out = last->out;
    c->out_len = last->out_len;
    c->out_cap = last->out_cap;
    c->in_len = last->in_len;
    memcpy(c->in, last->in, last->in_len);
}

/* Writes what the client can take now; 0 if it had to be dropped. */
static int flush_client(int i) {
    struct client *c = &clients[i];
    while (c->out_len) {
        ssize_t w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) return 1;
        if (w <= 0) { drop(i); return 0; }
        memmove(c->out, c->out + w, c->out_len - (size_t) w);
        c->out_len -= (size_t) w;
    }
    return 1;
}

static void queue(int i, int type, const char *data, size_t len) {
    struct client *c = &clients[i];
    if (c->out_len + len + 5 > CLIENT_OUT_MAX) { drop(i); return; } /* too slow: it goes, the log does not wait */
    if (c->out_len + len + 5 > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 65536;
        while (cap < c->out_len + len + 5) cap *= 2;
        char *n = realloc(c->out, cap);
        if (!n) { drop(i); return; }
        c->out = n;
        c->out_cap = cap;
    }
    unsigned char h[5] = {(unsigned char) type, (unsigned char) (len >> 24), (unsigned char) (len >> 16),
                          (unsigned char) (len >> 8), (unsigned char) len};
    memcpy(c->out + c->out_len, h, 5);
    memcpy(c->out + c->out_len + 5, data, len);
    c->out_len += len + 5;
    flush_client(i);
}

static void broadcast(int type, const char *data, size_t len) {
    for (int i = nclients - 1; i >= 0; i--) queue(i, type, data, len);
}

void attach_output(int is_stderr, const char *data, size_t len) { broadcast(is_stderr ? F_STDERR : F_STDOUT, data, len); }

static void flush_stdin(void) {
    while (at_stdin_w >= 0 && in_len) {
        ssize_t w = write(at_stdin_w, in_buf, in_len);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) return;
        if (w <= 0) { in_len = 0; break; } /* nobody reads the container's stdin any more */
        memmove(in_buf, in_buf + w, in_len - (size_t) w);
        in_len -= (size_t) w;
    }
    if (at_close_pending && !in_len && at_stdin_w >= 0 && at_stdin_w != at_master) {
        close(at_stdin_w);
        at_stdin_w = -1;
    }
}

static void to_stdin(const unsigned char *data, size_t len) {
    if (at_stdin_w < 0 || at_close_pending) return;
    if (!in_buf && !(in_buf = malloc(STDIN_MAX + FRAME_MAX))) return;
    memcpy(in_buf + in_len, data, len);
    in_len += len;
    flush_stdin();
}

static void frame(int i, int type, const unsigned char *p, size_t len) {
    (void) i;
    switch (type) {
        case F_STDIN: to_stdin(p, len); break;
        case F_RESIZE:
            if (at_master >= 0 && len == 4) {
                struct winsize ws = {.ws_row = (unsigned short) (p[0] << 8 | p[1]), .ws_col = (unsigned short) (p[2] << 8 | p[3])};
                ioctl(at_master, TIOCSWINSZ, &ws); /* the kernel tells the foreground process group (SIGWINCH) */
            }
            break;
        case F_CLOSE_STDIN:
            /* a pty has no EOF to pass on; a pipe is closed once what is queued went in */
            at_close_pending = 1;
            flush_stdin();
            break;
        default: break;
    }
}

/* Reads what the client sent; 0 if it is gone. */
static int read_client(int i) {
    struct client *c = &clients[i];
    ssize_t r = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
    if (r <= 0) { drop(i); return 0; }
    c->in_len += (size_t) r;
    size_t off = 0;
    while (c->in_len - off >= 5) {
        unsigned char *h = c->in + off;
        size_t len = (size_t) h[1] << 24 | (size_t) h[2] << 16 | (size_t) h[3] << 8 | h[4];
        if (len > FRAME_MAX) { drop(i); return 0; }
        if (c->in_len - off < 5 + len) break;
        frame(i, h[0], h + 5, len);
        off += 5 + len;
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    return 1;
}

static void accept_clients(void) {
    for (;;) {
        int fd = accept4(at_listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) return;
        if (nclients == MAX_CLIENTS) { close(fd); continue; }
        struct client *c = &clients[nclients++]; /* not a struct literal: it would write all of `in` */
        c->fd = fd;
        c->out = NULL;
        c->out_len = c->out_cap = c->in_len = 0;
    }
}

/* pty master -> log (one stdout record per read, as docker) and clients; 0 once no slave is left */
static int pump_master(void) {
    char buf[16384];
    ssize_t r = read(at_master, buf, sizeof(buf));
    if (r > 0) {
        monitor_log_raw(buf, (size_t) r);
        broadcast(F_STDOUT, buf, (size_t) r);
        return 1;
    }
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) return errno == EINTR;
    if (at_stdin_w == at_master) at_stdin_w = -1;
    close(at_master); /* EIO: every slave is closed */
    at_master = -1;
    return 0;
}

int attach_busy(void) { return at_master >= 0; }

/* The attach fds to poll from slot n on; idx[0] listen, [1] master, [2] stdin, [3..] clients. */
int attach_poll(struct pollfd *fds, int n, int *idx, int child_done) {
    for (int i = 0; i < 3 + MAX_CLIENTS; i++) idx[i] = -1;
    if (at_listen >= 0 && !child_done) { idx[0] = n; fds[n++] = (struct pollfd){.fd = at_listen, .events = POLLIN}; }
    if (at_master >= 0) { idx[1] = n; fds[n++] = (struct pollfd){.fd = at_master, .events = POLLIN}; }
    if (at_stdin_w >= 0 && at_stdin_w != at_master && in_len) { idx[2] = n; fds[n++] = (struct pollfd){.fd = at_stdin_w, .events = POLLOUT}; }
    for (int i = 0; i < nclients; i++) {
        short ev = 0;
        if (!child_done && in_len < STDIN_MAX) ev |= POLLIN;
        if (clients[i].out_len) ev |= POLLOUT;
        if (!ev) continue;
        idx[3 + i] = n;
        fds[n++] = (struct pollfd){.fd = clients[i].fd, .events = ev};
    }
    if (at_master >= 0 && at_master == at_stdin_w && in_len) fds[idx[1]].events |= POLLOUT;
    return n;
}

/* First of all: a client that connected before the container started (run -a, start -a) gets all its output. */
void attach_accept(struct pollfd *fds, int *idx) {
    if (idx[0] >= 0 && fds[idx[0]].revents) accept_clients();
}

void attach_handle(struct pollfd *fds, int *idx) {
    if (idx[1] >= 0 && (fds[idx[1]].revents & POLLOUT)) flush_stdin();
    if (idx[1] >= 0 && (fds[idx[1]].revents & ~POLLOUT) && at_master >= 0) pump_master();
    if (idx[2] >= 0 && fds[idx[2]].revents) flush_stdin();
    /* from the last: drop() moves the last client into the freed slot */
    for (int i = nclients - 1; i >= 0; i--) {
        int k = idx[3 + i];
        if (k < 0 || !fds[k].revents) continue;
        if ((fds[k].revents & POLLOUT) && !flush_client(i)) continue;
        if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) read_client(i);
    }
}

/* The container is gone, before its exit file is written: what the pty still holds goes to the log, and no new
 * client can connect (a connect fails at once). */
void attach_drain(void) {
    while (at_master >= 0 && pump_master()) {}
    if (at_listen >= 0) {
        close(at_listen);
        at_listen = -1;
        unlinkat(at_adir, "socket", 0);
    }
}

/* After the exit file: the exit code to every client, flushed within a bound. */
void attach_finish(int code) {
    char num[32];
    int len = snprintf(num, sizeof(num), "%d", code);
    broadcast(F_EXIT, num, (size_t) len);
    for (int rounds = 0; rounds < 50 && nclients; rounds++) {
        struct pollfd fds[MAX_CLIENTS];
        for (int i = 0; i < nclients; i++) fds[i] = (struct pollfd){.fd = clients[i].fd, .events = POLLOUT};
        int n = nclients;
        if (n <= 0 || n > MAX_CLIENTS) break;
        if (poll(fds, (nfds_t) n, 100) < 0 && errno != EINTR) break;
        for (int i = n - 1; i >= 0; i--) {
            if (!fds[i].revents) continue;
            if (flush_client(i) && !clients[i].out_len) drop(i);
        }
    }
    while (nclients) drop(nclients - 1);
}
