/* The container's terminal: a pty from the container's own devpts, the slave as controlling terminal
 * and stdio (and bound over /dev/console), the master sent to the console socket with SCM_RIGHTS.
 * The slave is opened with TIOCGPTPEER, never by path, and /dev/console must not be a symlink
 * (CVE-2025-52565). */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
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
