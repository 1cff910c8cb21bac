/* Messages between Java, P and C: one SOCK_SEQPACKET datagram each, "keyword field field ...",
 * fields percent-encoded like the plan. Errors are "error <step> <path> <errno> <detail>". */
#include "executor.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int g_report_fd = -1;
int g_detached = 0;

static size_t encode(char *out, size_t cap, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    if (!s) { if (cap > 1) out[n++] = '-'; return n; }
    if (!*s) { if (cap > 1) out[n++] = '%'; return n; }
    if (!strcmp(s, "-")) { if (cap > 3) { memcpy(out, "%2D", 3); n = 3; } return n; }
    for (const unsigned char *p = (const unsigned char *) s; *p && n + 4 < cap; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p == '%') {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        } else {
            out[n++] = (char) *p;
        }
    }
    return n;
}

void msg_send(int fd, const char *keyword, int nfields, const char **fields) {
    static char buf[65536];
    size_t n = strlen(keyword);
    if (n >= sizeof(buf)) return;
    memcpy(buf, keyword, n);
    for (int i = 0; i < nfields && n + 2 < sizeof(buf); i++) {
        buf[n++] = ' ';
        n += encode(buf + n, sizeof(buf) - n, fields[i]);
    }
    while (send(fd, buf, n, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

int msg_recv(int fd, char *buf, size_t len) {
    ssize_t r;
    do {
        r = recv(fd, buf, len - 1, 0);
    } while (r < 0 && errno == EINTR);
    if (r >= 0) buf[r] = 0;
    return (int) r;
}

void report_error(const char *step, const char *path, int err, const char *detail) {
    char e[16];
    snprintf(e, sizeof(e), "%d", err);
    const char *f[] = {step, path, e, detail};
    if (g_report_fd >= 0 && !g_detached) {
        msg_send(g_report_fd, "error", 4, f);
    } else {
        /* nobody listens any more (after create): say it where a person can see it */
        fprintf(stderr, "hako-executor: %s%s%s%s%s%s%s\n", step, path ? " " : "", path ? path : "",
                detail && *detail ? ": " : "", detail ? detail : "", err ? ": " : "", err ? strerror(err) : "");
    }
}

void fail_exit(const char *step, const char *path, int err, const char *detail, int code) {
    report_error(step, path, err, detail);
    _exit(code);
}

void fail(const char *step, const char *path, int err, const char *fmt, ...) {
    char detail[1024] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
    }
    fail_exit(step, path, err, detail, 1);
}

int send_fd(int sock, int fd, const char *data, size_t len) {
    char cbuf[CMSG_SPACE(sizeof(int))];
    memset(cbuf, 0, sizeof(cbuf));
    char dummy = 0;
    struct iovec iov = {.iov_base = len ? (void *) data : &dummy, .iov_len = len ? len : 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    ssize_t r;
    do {
        r = sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -1 : 0;
}
