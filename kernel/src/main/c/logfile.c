/* The monitor's log file: docker's json-file driver with its rotation options. <dir>/log-config (written by
 * dev.hako.engine.lifecycle.LogConfig) is "json-file MAX_SIZE MAX_FILE" (MAX_SIZE -1: no limit) or "none";
 * without it: json-file, unlimited. As docker's: before a record is written, a file that has reached
 * MAX_SIZE is rotated (ctr.log -> ctr.log.1 -> ... -> ctr.log.<MAX_FILE-1>, the oldest dropped); with
 * MAX_FILE 1 it is truncated in place. Whole records only, so a reader never sees one split across files. */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int log_dir = -1, log_fd = -1, max_file = 1;
static long long max_size = -1, cur_size;

static int open_log(int flags) {
    return openat(log_dir, "ctr.log", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | flags, 0640);
}

int log_open(int dirfd) {
    log_dir = dirfd;
    char buf[128] = {0}, driver[32] = "json-file";
    int fd = openat(dirfd, "log-config", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n > 0 && sscanf(buf, "%31s %lld %d", driver, &max_size, &max_file) < 1) fail("monitor", "log-config", EINVAL, "%s", buf);
    } else if (errno != ENOENT) {
        fail("monitor", "log-config", errno, "open");
    }
    if (!strcmp(driver, "none")) return -1;
    if (strcmp(driver, "json-file")) fail("monitor", "log-config", EINVAL, "unknown log driver %s", driver);
    if (max_file < 1) max_file = 1;
    log_fd = open_log(0);
    if (log_fd < 0) fail("monitor", "ctr.log", errno, "open");
    struct stat st;
    cur_size = fstat(log_fd, &st) == 0 ? st.st_size : 0;
    return log_fd;
}

void log_state(long long v[3]) { v[0] = log_fd; v[1] = max_size; v[2] = max_file; }

void log_resume(int dirfd, const long long v[3]) {
    log_dir = dirfd;
    log_fd = (int) v[0];
    max_size = v[1];
    max_file = (int) v[2];
    struct stat st;
    cur_size = log_fd >= 0 && fstat(log_fd, &st) == 0 ? st.st_size : 0;
}

static void rotate(void) {
    if (max_file < 2) {
        if (ftruncate(log_fd, 0) == 0) cur_size = 0; /* O_APPEND: the next write lands at 0 */
        return;
    }
    char from[32], to[32];
    for (int i = max_file - 1; i > 1; i--) {
        snprintf(from, sizeof(from), "ctr.log.%d", i - 1);
        snprintf(to, sizeof(to), "ctr.log.%d", i);
        if (renameat(log_dir, from, log_dir, to) < 0 && errno != ENOENT) return;
    }
    if (renameat(log_dir, "ctr.log", log_dir, "ctr.log.1") < 0) return;
    int fd = open_log(O_TRUNC);
    if (fd < 0) return; /* keep appending to the rotated file rather than lose records */
    /* the same fd number, so whoever holds log_fd (monitor.c) keeps a valid one */
    dup3(fd, log_fd, O_CLOEXEC);
    close(fd);
    cur_size = 0;
}

void log_write(const char *buf, size_t n) {
    if (log_fd < 0) return; /* --log-driver none: the pipes are drained, nothing kept */
    if (max_size > 0 && cur_size >= max_size) rotate();
    for (size_t off = 0; off < n;) {
        ssize_t r = write(log_fd, buf + off, n - off);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return; /* a full disk loses log lines, never the container */
        off += (size_t) r;
        cur_size += r;
    }
}
