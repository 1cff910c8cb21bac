/* hako-monitor: the container monitor after set-up. Not run by hand: the executor (monitor_handoff.c) execs it in
 * its own place, as the container's parent, with
 *     hako-monitor --state CHILD,DONE,STATUS,SIGFD,DIR,STDOUT,STDERR,ATTACHDIR,LISTEN,STDIN,MASTER,OPENSTDIN,LOG,MAXSIZE,MAXFILE
 * (fds, -1 for none) and runs monitor.c's loop on them. */
#include "../executor.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#define NSTATE 15

int main(int argc, char **argv) {
    /* CVE-2019-5736, as the executor: nobody opens /proc/<this>/exe (a sealed memfd anyway) */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    prctl(PR_SET_NAME, "hako-monitor", 0, 0, 0);
    long long v[NSTATE];
    int n = 0;
    if (argc == 3 && !strcmp(argv[1], "--state")) {
        const char *p = argv[2];
        for (char *end; n >= 0 && n < NSTATE; p = end + 1) {
            v[n++] = strtoll(p, &end, 10);
            if (end == p || *end != (n < NSTATE ? ',' : 0)) n = -1;
        }
    }
    if (n != NSTATE) {
        fprintf(stderr, "hako-monitor: not for direct use; the executor runs it as a container's monitor\n");
        return 2;
    }
    g_report_fd = -1;
    signal(SIGPIPE, SIG_IGN);
    int mon[3] = {(int) v[4], (int) v[5], (int) v[6]};
    int at[ATTACH_FDS] = {(int) v[7], (int) v[8], (int) v[9], (int) v[10], (int) v[11]};
    long long log[3] = {v[12], v[13], v[14]};
    monitor_resume(mon);
    attach_resume(at);
    log_resume(mon[0], log);
    lifecycle_resume();
    monitor_loop((pid_t) v[0], (int) v[3], (int) v[1], (int) v[2]);
}
