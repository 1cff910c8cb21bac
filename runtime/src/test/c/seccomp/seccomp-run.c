/*
 * Test helper for SeccompKernelTest: loads a compiled seccomp filter into itself, then makes the
 * syscalls named on its command line and prints one line per call: "<spec> ret=<r> errno=<e>".
 *
 *   seccomp-run FILTER_FILE FLAGS SPEC...
 *
 * SPEC:
 *   mkdir:PATH  rmdir:PATH  getpid
 *   raw:NR[:ARG...]       syscall(NR, ARGS) with 64-bit numeric args (0x.. accepted)
 *   i386:NR[:ARG...]      the same through int $0x80, up to 5 args (seccomp sees AUDIT_ARCH_I386)
 *   exec:PATH[:ARG...]    execv (the filter stays in force)
 * With FLAGS containing SECCOMP_FILTER_FLAG_NEW_LISTENER, prints "listener fd=N" after loading.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* i386 ABI through int $0x80 (needs IA32 emulation); five arguments are enough for the tests. */
static long i386_call(long nr, long *a) {
#if defined(__x86_64__)
    long ret;
    __asm__ volatile("int $0x80"
                     : "=a"(ret)
                     : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4])
                     : "memory", "cc", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");
    if (ret < 0 && ret > -4096) { errno = (int)-ret; return -1; }
    return ret;
#else
    (void)nr; (void)a;
    errno = ENOSYS;
    return -1;
#endif
}

static int split(char *s, char **out, int max) {
    int n = 0;
    for (char *tok = strtok(s, ":"); tok && n < max; tok = strtok(NULL, ":")) out[n++] = tok;
    return n;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: seccomp-run FILTER FLAGS SPEC...\n"); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror("open filter"); return 2; }
    static struct sock_filter insns[4096];
    size_t n = fread(insns, sizeof insns[0], 4096, f);
    fclose(f);
    struct sock_fprog prog = { .len = (unsigned short)n, .filter = insns };
    unsigned long flags = strtoul(argv[2], NULL, 0);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) { perror("prctl(PR_SET_NO_NEW_PRIVS)"); return 2; }
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (fd < 0) { printf("load errno=%d\n", errno); fflush(stdout); return 3; }
    if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) printf("listener fd=%ld\n", fd);
    fflush(stdout);

    for (int i = 3; i < argc; i++) {
        char spec[4096];
        snprintf(spec, sizeof spec, "%s", argv[i]);
        char *p[16];
        int np = split(spec, p, 16);
        long args[6] = {0};
        long ret;
        errno = 0;
        if (np == 0) continue;
        if (!strcmp(p[0], "mkdir") && np == 2) ret = syscall(SYS_mkdir, p[1], 0700);
        else if (!strcmp(p[0], "rmdir") && np == 2) ret = syscall(SYS_rmdir, p[1]);
        else if (!strcmp(p[0], "getpid")) ret = syscall(SYS_getpid);
        else if ((!strcmp(p[0], "raw") || !strcmp(p[0], "i386")) && np >= 2) {
            long nr = strtol(p[1], NULL, 0);
            for (int k = 2; k < np && k < 8; k++) args[k - 2] = (long)strtoull(p[k], NULL, 0);
            if (p[0][0] == 'r') ret = syscall(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
            else ret = i386_call(nr, args);
        } else if (!strcmp(p[0], "exec") && np >= 2) {
            printf("%s exec\n", argv[i]);
            fflush(stdout);
            p[np] = NULL;
            execv(p[1], &p[1]);
            ret = -1;
        } else { fprintf(stderr, "bad spec %s\n", argv[i]); return 2; }
        printf("%s ret=%ld errno=%d\n", argv[i], ret < 0 ? -1L : ret, ret < 0 ? errno : 0);
        fflush(stdout);
    }
    return 0;
}
