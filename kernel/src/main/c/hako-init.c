/* hako-init: `hako run --init`'s PID 1 (like tini / docker-init), bind-mounted read-only at
 * /sbin/docker-init and run as `docker-init -- CMD ARGS...`. It starts CMD as its only child, forwards
 * every signal it gets to it, reaps every zombie of the container (orphans are reparented to PID 1), and
 * exits with CMD's status (128+n when CMD died of signal n) as soon as CMD is gone; the kernel then ends
 * whatever else runs in the pid namespace. A separate static program, not part of the executor. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int first = 1;
    if (first < argc && !strcmp(argv[first], "--")) first++;
    if (first >= argc) {
        fprintf(stderr, "hako-init: usage: hako-init -- COMMAND [ARG...]\n");
        return 1;
    }
    /* all signals wait in the queue for sigwaitinfo: blocked, they are not dropped as PID 1's default */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);

    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "hako-init: fork: %s\n", strerror(errno));
        return 1;
    }
    if (child == 0) {
        /* its own process group, in the terminal's foreground if there is one (job control in shells) */
        setpgid(0, 0);
        if (isatty(0)) tcsetpgrp(0, getpid());
        sigprocmask(SIG_SETMASK, &old, NULL);
        execvp(argv[first], argv + first);
        int err = errno;
        fprintf(stderr, "hako-init: exec %s: %s\n", argv[first], strerror(err));
        _exit(err == ENOENT ? 127 : 126);
    }
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&all, &si);
        if (sig < 0) continue; /* EINTR */
        if (sig != SIGCHLD) {
            kill(child, sig);
            continue;
        }
        int st;
        pid_t w;
        while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
            if (w != child) continue; /* a reaped orphan */
            if (WIFEXITED(st)) return WEXITSTATUS(st);
            return 128 + WTERMSIG(st);
        }
    }
}
