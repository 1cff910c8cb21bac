/* The container's terminal: a pty from the container's own devpts, the slave as controlling terminal
 * and stdio (and bound over /dev/console), the master sent to the console socket with SCM_RIGHTS.
 * The slave is opened with TIOCGPTPEER, never by path, and /dev/console must not be a symlink
 * (CVE-2025-52565).
 * Foreground without a console socket (runc run -t): P makes a socketpair to stand in for the socket,
 * receives the master and copies between it and its own stdio until C exits. */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

void console_setup(struct plan *p, struct prep *prep, int rootfd, int bind_console) {
    if (!p->terminal) return;
    if (prep->console_fd < 0) fail("console", NULL, EINVAL, "terminal requested but no console socket");
    int master = sys_openat2(rootfd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC, 0,
                             RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    if (master < 0) fail("console", "/dev/pts/ptmx", errno, errno == ELOOP ? "symlink in the path; refusing" : "open");
    struct statfs sf;
    if (fstatfs(master, &sf) < 0 || sf.f_type != DEVPTS_SUPER_MAGIC)
        fail("console", "/dev/pts/ptmx", EPERM, "not on a devpts filesystem");
    int unlock = 0;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0) fail("console", "/dev/pts/ptmx", errno, "unlock pty");
    int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) fail("console", "/dev/pts/ptmx", errno, "open pty slave");
    struct stat st;
    if (fstat(slave, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) < 136 || major(st.st_rdev) > 143)
        fail("console", "pty slave", EPERM, "not a pty slave device");
    unsigned int ptn = 0;
    if (ioctl(master, TIOCGPTN, &ptn) < 0) fail("console", "/dev/pts/ptmx", errno, "pty number");
    char name[64];
    snprintf(name, sizeof(name), "/dev/pts/%u", ptn);
    if (p->con_h > 0 || p->con_w > 0) {
        struct winsize ws = {.ws_row = (unsigned short) p->con_h, .ws_col = (unsigned short) p->con_w};
        if (ioctl(master, TIOCSWINSZ, &ws) < 0) fail("console", name, errno, "set window size");
    }
    if (bind_console) {
        int cfd = open_in_root(rootfd, "/dev/console", 'f', 0600, RESOLVE_NO_SYMLINKS);
        if (cfd < 0) fail("console", "/dev/console", errno, errno == ELOOP ? "is a symlink; refusing" : "create");
        if (fstat(cfd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)))
            fail("console", "/dev/console", EPERM, "not a file or a char device; refusing");
        int t = open_tree(slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        if (t < 0 || move_mount(t, "", cfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            fail("console", "/dev/console", errno, "bind pty slave");
        close(t);
        close(cfd);
    }
    if (send_fd(prep->console_fd, master, name, strlen(name)) < 0) fail("console", "console socket", errno, "send pty master");
    close(master);
    close(prep->console_fd);
    prep->console_fd = -1;
    if (ioctl(slave, TIOCSCTTY, 0) < 0) fail("console", name, errno, "make controlling terminal");
    for (int i = 0; i < 3; i++)
        if (dup2(slave, i) < 0) fail("console", name, errno, "dup2 to stdio");
    close(slave);
}

/* ---- the foreground proxy (P) ---- */
static int px_sock = -1, px_master = -1, px_stdin, px_size_given;

int console_proxy_open(int size_given) {
    px_size_given = size_given;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) fail("console", NULL, errno, "socketpair for the pty proxy");
    px_sock = sv[0];
    return sv[1];
}

void console_proxy_child(void) {
    if (px_sock >= 0) close(px_sock);
    px_sock = -1;
}

int console_proxy_active(void) { return px_sock >= 0 || px_master >= 0; }

/* the caller's size: its stdin's terminal, else stdout's or stderr's (exec -t without -i has /dev/null as stdin) */
void console_proxy_winch(void) {
    struct winsize ws;
    if (px_master < 0) return;
    for (int fd = 0; fd < 3; fd++)
        if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) { ioctl(px_master, TIOCSWINSZ, &ws); return; }
}

static void write_all(int fd, const char *b, ssize_t n) {
    while (n > 0) {
        ssize_t w = write(fd, b, (size_t) n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) { struct pollfd pf = {.fd = fd, .events = POLLOUT}; poll(&pf, 1, 100); continue; }
        if (w <= 0) return; /* the reader is gone: drop it, as a terminal would */
        b += w;
        n -= w;
    }
}

int console_proxy_poll(struct pollfd *fds, int n, int idx[3]) {
    idx[0] = idx[1] = idx[2] = -1;
    if (px_sock >= 0) { idx[0] = n; fds[n++] = (struct pollfd){.fd = px_sock, .events = POLLIN}; }
    if (px_master >= 0) {
        idx[1] = n; fds[n++] = (struct pollfd){.fd = px_master, .events = POLLIN};
        if (px_stdin) { idx[2] = n; fds[n++] = (struct pollfd){.fd = 0, .events = POLLIN}; }
    }
    return n;
}

/* master -> stdout; 0 when the pty has no more to give (every slave closed) */
static int pump_out(void) {
    char buf[16384];
    ssize_t r = read(px_master, buf, sizeof(buf));
    if (r > 0) { write_all(1, buf, r); return 1; }
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) return r < 0 && errno == EINTR;
    close(px_master); /* EIO: no slave left */
    px_master = -1;
    return 0;
}

void console_proxy_handle(struct pollfd *fds, int idx[3]) {
    if (idx[0] >= 0 && fds[idx[0]].revents) {
        char name[64], c[CMSG_SPACE(sizeof(int))];
        struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = c, .msg_controllen = sizeof(c)};
        ssize_t r;
        do { r = recvmsg(px_sock, &mh, MSG_CMSG_CLOEXEC); } while (r < 0 && errno == EINTR);
        struct cmsghdr *cm = r > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
        if (cm && cm->cmsg_type == SCM_RIGHTS) {
            memcpy(&px_master, CMSG_DATA(cm), sizeof(int));
            fcntl(px_master, F_SETFL, fcntl(px_master, F_GETFL) | O_NONBLOCK);
            if (!px_size_given) console_proxy_winch(); /* no consoleSize: the caller's terminal's */
            px_stdin = 1;
        }
        close(px_sock);
        px_sock = -1;
    }
    if (idx[1] >= 0 && px_master >= 0 && fds[idx[1]].revents) pump_out();
    if (idx[2] >= 0 && px_master >= 0 && fds[idx[2]].revents) {
        char buf[16384];
        ssize_t r = read(0, buf, sizeof(buf));
        if (r > 0) write_all(px_master, buf, r);
        else if (!(r < 0 && (errno == EINTR || errno == EAGAIN))) px_stdin = 0; /* EOF: a pty has no EOF to pass on */
    }
}

void console_proxy_drain(void) {
    while (px_master >= 0 && pump_out()) {}
}
