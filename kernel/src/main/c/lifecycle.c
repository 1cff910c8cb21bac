/* Restart policies in the monitor (engine use). No daemon watches containers, so the monitor decides, when
 * the init has died, whether the container's restart policy asks for another run; if so it waits docker's
 * backoff and execs (replacing itself) the hako command line Java recorded at start, which starts the
 * container again under a new monitor and exits. Files in the container directory (see
 * dev.hako.engine.lifecycle.LifecycleFiles, which writes them):
 *   restart       "POLICY MAX COUNT TIMEOUT_MS": the policy, docker's RestartCount and the current backoff
 *   restart.cmd   the command line, NUL-terminated strings
 *   stopped       present when the user stopped, killed or removed the container (written before the signal)
 *   restarting    "PID STARTTIME EXITCODE": written by us while in backoff (ps shows "Restarting")
 *   monitor       "PID STARTTIME": this monitor, so a reader can tell it from a dead one without polling */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 60000
#define RESET_AFTER_MS 10000 /* a run this long resets the backoff, as docker's restart manager */

static struct timespec started;

static long long elapsed_ms(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000LL + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Field 22 of /proc/self/stat: with the pid, it names this process even after pid reuse. */
static unsigned long long self_starttime(void) {
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p) return 0;
    unsigned long long v = 0;
    int field = 2;
    for (p++; *p && field < 22; p++) if (*p == ' ') field++;
    if (field == 22) v = strtoull(p, NULL, 10);
    return v;
}

/* durable: fsync before the rename (not for what only matters while this boot lasts) */
static int write_atomic(int dirfd, const char *name, const char *text, int durable) {
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%s.tmp", name);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return -1;
    size_t len = strlen(text);
    int ok = write(fd, text, len) == (ssize_t) len && (!durable || fsync(fd) == 0);
    close(fd);
    if (!ok || renameat(dirfd, tmp, dirfd, name) < 0) {
        unlinkat(dirfd, tmp, 0);
        return -1;
    }
    return 0;
}

static ssize_t read_file(int dirfd, const char *name, char *buf, size_t len) {
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return -1;
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, len - 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t) r;
        if (n == len - 1) break;
    }
    close(fd);
    buf[n] = 0;
    return (ssize_t) n;
}

static int stopped_by_user(int dirfd) { return faccessat(dirfd, "stopped", F_OK, AT_SYMLINK_NOFOLLOW) == 0; }

void lifecycle_monitor_running(int dirfd) {
    clock_gettime(CLOCK_MONOTONIC, &started);
    char line[96];
    snprintf(line, sizeof(line), "%d %llu\n", (int) getpid(), self_starttime());
    write_atomic(dirfd, "monitor", line, 0); /* no fsync: it must not delay the container's start */
}

void lifecycle_resume(void) { clock_gettime(CLOCK_MONOTONIC, &started); }

int lifecycle_should_restart(int dirfd, int code) {
    char buf[256], policy[32];
    long long max = 0, count = 0, timeout = 0;
    if (read_file(dirfd, "restart", buf, sizeof(buf)) <= 0) return 0;
    if (sscanf(buf, "%31s %lld %lld %lld", policy, &max, &count, &timeout) != 4) return 0;
    if (stopped_by_user(dirfd)) return 0;
    if (elapsed_ms(&started) >= RESET_AFTER_MS) timeout = 0;
    if (timeout <= 0) timeout = BACKOFF_FIRST_MS;
    else if (timeout < BACKOFF_MAX_MS) timeout *= 2;
    if (timeout > BACKOFF_MAX_MS) timeout = BACKOFF_MAX_MS;
    int restart = 0;
    if (!strcmp(policy, "always") || !strcmp(policy, "unless-stopped")) restart = 1;
    else if (!strcmp(policy, "on-failure")) restart = code != 0 && (max == 0 || count < max);
    if (!restart) return 0;
    snprintf(buf, sizeof(buf), "%s %lld %lld %lld\n", policy, max, count + 1, timeout);
    if (write_atomic(dirfd, "restart", buf, 1) < 0) return 0;
    /* before the exit file: a reader never sees "exited" for a container about to come back */
    snprintf(buf, sizeof(buf), "%d %llu %d\n", (int) getpid(), self_starttime(), code);
    if (write_atomic(dirfd, "restarting", buf, 0) < 0) return 0;
    return (int) timeout;
}

void lifecycle_restart(int dirfd, int timeout_ms) {
    struct timespec ts = {timeout_ms / 1000, (long) (timeout_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
    /* a stop during the backoff wins; the hako command checks again under the container's lock */
    static char cmd[65536];
    ssize_t n = stopped_by_user(dirfd) ? -1 : read_file(dirfd, "restart.cmd", cmd, sizeof(cmd));
    char *argv[256];
    int argc = 0;
    for (ssize_t i = 0; n > 0 && i < n && argc < 255; i += (ssize_t) strlen(cmd + i) + 1) argv[argc++] = cmd + i;
    argv[argc] = NULL;
    if (argc == 0 || argv[0][0] != '/') {
        unlinkat(dirfd, "restarting", 0);
        return;
    }
    /* the hako process is not the monitor: none of the monitor's process state may leak into it */
    prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
    execv(argv[0], argv);
    /* only if the JDK went away: the container stays exited */
    unlinkat(dirfd, "restarting", 0);
}
