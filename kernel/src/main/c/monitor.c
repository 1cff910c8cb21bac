/* Monitor mode (--supervision monitor), for the engine: like conmon, P stays as the container's monitor.
 * Java passes the container's directory as fd 0. Before clone, P leaves the JVM (fork; the JVM's child
 * exits at once, so P is reparented and outlives hako), starts a session, becomes a subreaper and gives C
 * pipes as stdout/stderr (stdin /dev/null). Once the container is ready, P closes its line to Java,
 * writes C's output to <dir>/ctr.log in docker's json-file format, and when C dies writes its status
 * (128+n for signal n) to <dir>/exit atomically, then exits.
 * Once ready, P does not stay the executor: monitor_handoff (monitor_handoff.c) execs the small hako-monitor
 * (monitor/main.c, this file's loop and its helpers, linked against the host's libc) with the fds below, so
 * an idle container costs what that program needs, not the executor's set-up memory. */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 16384 /* docker's json-file splits longer lines into partial records */

int g_monitor = 0;

static int mon_dir = -1;
static int mon_pipe[2] = {-1, -1}; /* read ends: stdout, stderr */

#ifndef HAKO_MONITOR_ONLY /* the executor's part: set-up */
static int mon_log = -1;

void monitor_prepare(void) {
    monitor_handoff_note_host();
    mon_dir = fcntl(0, F_DUPFD_CLOEXEC, 3);
    if (mon_dir < 0) fail("monitor", "fd 0", errno, "the container directory");
    struct stat st;
    if (fstat(mon_dir, &st) < 0 || !S_ISDIR(st.st_mode)) fail("monitor", "fd 0", ENOTDIR, "is not the container directory");
    mon_log = log_open(mon_dir); /* logfile.c: -1 for --log-driver none */
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) fail("monitor", NULL, errno, "pipe");
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0) fail("monitor", "/dev/null", errno, "open");
    if (dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) fail("monitor", NULL, errno, "dup2");
    close(null);
    close(out[1]);
    close(err[1]);
    mon_pipe[0] = out[0];
    mon_pipe[1] = err[0];
    attach_prepare(mon_dir); /* attach.c: the attach socket; with -i a stdin pipe as fd 0 */

    pid_t pid = fork();
    if (pid < 0) fail("monitor", NULL, errno, "fork");
    if (pid > 0) _exit(0); /* the JVM reaps this one; the monitor carries on, reparented */
    if (setsid() < 0) fail("monitor", NULL, errno, "setsid");
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) fail("monitor", NULL, errno, "PR_SET_CHILD_SUBREAPER");
    /* a long-lived process must not keep the caller's cwd busy (the plan's paths are absolute) */
    if (chdir("/") < 0) fail("monitor", "/", errno, "chdir");
}

void monitor_close_fds(void) {
    /* C must not hold host fds while it waits on the exec fifo (CVE-2024-21626) */
    if (mon_dir >= 0) close(mon_dir);
    if (mon_log >= 0) close(mon_log);
    for (int i = 0; i < 2; i++) if (mon_pipe[i] >= 0) close(mon_pipe[i]);
    attach_close_fds();
    monitor_handoff_close_image();
}
#endif

struct stream {
    const char *name;
    size_t len;
    int open;
    char buf[LINE_MAX_BYTES]; /* last: an idle monitor touches only the first page of a stream */
};

static void put(char *out, size_t *n, const char *s, size_t len) {
    memcpy(out + *n, s, len);
    *n += len;
}

/* Length of a valid UTF-8 sequence at p (max bytes left), or 0 if invalid. */
static int utf8_len(const unsigned char *p, size_t max) {
    unsigned char c = p[0];
    int len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
    else return 0;
    if ((size_t) len > max) return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    for (int i = 2; i < len; i++) if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    return len;
}

/* One json-file record: {"log":"...","stream":"stdout","time":"RFC3339Nano"} */
static void emit(struct stream *s, const char *data, size_t len) {
    static char out[LINE_MAX_BYTES * 6 + 256];
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    put(out, &n, "{\"log\":\"", 8);
    const unsigned char *p = (const unsigned char *) data;
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        if (c < 0x80) {
            switch (c) {
                case '"': put(out, &n, "\\\"", 2); break;
                case '\\': put(out, &n, "\\\\", 2); break;
                case '\n': put(out, &n, "\\n", 2); break;
                case '\r': put(out, &n, "\\r", 2); break;
                case '\t': put(out, &n, "\\t", 2); break;
                default:
                    if (c < 0x20 || c == 0x7f) {
                        char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                        put(out, &n, u, 6);
                    } else {
                        out[n++] = (char) c;
                    }
            }
            i++;
        } else {
            int l = utf8_len(p + i, len - i);
            if (l) {
                put(out, &n, data + i, (size_t) l);
                i += (size_t) l;
            } else {
                put(out, &n, "\\ufffd", 6);
                i++;
            }
        }
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[64];
    size_t w = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + w, sizeof(when) - w, ".%09ldZ", ts.tv_nsec);
    n += (size_t) snprintf(out + n, sizeof(out) - n, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", s->name, when);
    log_write(out, n); /* logfile.c: rotation */
}

/* Emits every complete line in the buffer; a full buffer without a newline goes out as a partial record. */
static void flush_lines(struct stream *s, int eof) {
    size_t start = 0;
    for (size_t i = 0; i < s->len; i++) {
        if (s->buf[i] == '\n') {
            emit(s, s->buf + start, i + 1 - start);
            start = i + 1;
        }
    }
    if (start < s->len && (eof || (start == 0 && s->len == sizeof(s->buf)))) {
        emit(s, s->buf + start, s->len - start);
        start = s->len;
    }
    memmove(s->buf, s->buf + start, s->len - start);
    s->len -= start;
}

static void read_stream(struct stream *s, int fd) {
    ssize_t r = read(fd, s->buf + s->len, sizeof(s->buf) - s->len);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (r <= 0) {
        flush_lines(s, 1);
        s->open = 0;
        return;
    }
    attach_output(s->name[3] == 'e', s->buf + s->len, (size_t) r); /* std(e)rr */
    s->len += (size_t) r;
    flush_lines(s, 0);
}

void monitor_log_raw(const char *data, size_t len) {
    static struct stream tty; /* in .bss: an initializer would put its buffer in the file (each monitor's memfd) */
    tty.name = "stdout";
    emit(&tty, data, len);
}

static void write_exit(int code) {
    char num[32];
    int len = snprintf(num, sizeof(num), "%d\n", code);
    int fd = openat(mon_dir, "exit.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return;
    if (write(fd, num, (size_t) len) == len && fsync(fd) == 0) {
        close(fd);
        if (renameat(mon_dir, "exit.tmp", mon_dir, "exit") == 0) fsync(mon_dir);
        return;
    }
    close(fd);
}

#ifndef HAKO_MONITOR_ONLY
void monitor_run(pid_t child, int cs, int sync, int sigfd, int child_done, int st) {
    if (cs >= 0) close(cs);
    close(sync); /* Java may go away now: the container is ours */
    g_report_fd = -1;
    lifecycle_monitor_running(mon_dir);
    attach_start();
    monitor_handoff(child, sigfd, child_done, st); /* returns only if hako-monitor cannot run */
    monitor_loop(child, sigfd, child_done, st);
}
#endif

void monitor_fds(int fds[3]) {
    fds[0] = mon_dir;
    fds[1] = mon_pipe[0];
    fds[2] = mon_pipe[1];
}

void monitor_resume(const int fds[3]) {
    mon_dir = fds[0];
    mon_pipe[0] = fds[1];
    mon_pipe[1] = fds[2];
}

void monitor_loop(pid_t child, int sigfd, int child_done, int st) {
    static struct stream streams[2]; /* in .bss, as tty above; fields set one by one: the buffers stay untouched */
    streams[0].name = "stdout";
    streams[1].name = "stderr";
    streams[0].open = streams[1].open = 1;
    for (;;) {
        if (child_done && !streams[0].open && !streams[1].open && !attach_busy()) break;
        struct pollfd fds[3 + ATTACH_POLL_SLOTS];
        int iat[ATTACH_POLL_SLOTS];
        int n = 0, idx[2] = {-1, -1};
        for (int i = 0; i < 2; i++)
            if (streams[i].open) { idx[i] = n; fds[n++] = (struct pollfd){.fd = mon_pipe[i], .events = POLLIN}; }
        int isig = n;
        fds[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
        n = attach_poll(fds, n, iat, child_done);
        /* once the init is dead, a writer that escaped its pid namespace must not keep us forever */
        int r = poll(fds, (nfds_t) n, child_done ? 2000 : -1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        attach_accept(fds, iat);   /* before any output is read: a new client must not miss it */
        for (int i = 0; i < 2; i++)
            if (idx[i] >= 0 && fds[idx[i]].revents) read_stream(&streams[i], mon_pipe[i]);
        attach_handle(fds, iat);
        if (fds[isig].revents) {
            struct signalfd_siginfo si;
            while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
                if (si.ssi_signo == SIGCHLD) {
                    int s;
                    pid_t w;
                    /* as subreaper we also reap orphans the container leaves behind */
                    while ((w = waitpid(-1, &s, WNOHANG)) > 0)
                        if (w == child) { child_done = 1; st = s; }
                } else if (!child_done) {
                    kill(child, (int) si.ssi_signo);
                }
            }
        }
    }
    for (int i = 0; i < 2; i++) if (streams[i].open) flush_lines(&streams[i], 1);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
    attach_drain();
    int backoff = lifecycle_should_restart(mon_dir, code); /* lifecycle.c: restart policy */
    write_exit(code);
    attach_finish(code);
    if (backoff > 0) lifecycle_restart(mon_dir, backoff); /* returns only if it does not restart */
    _exit(0);
}
