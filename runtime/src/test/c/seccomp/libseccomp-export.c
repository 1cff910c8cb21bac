/*
 * Test helper for LibseccompComparisonTest: builds a filter with libseccomp the way runc does
 * (default action, extra architectures, binary-tree optimisation above 32 rules, rules with the
 * default action skipped, unknown syscall names ignored) and writes seccomp_export_bpf() to OUT.
 *
 *   libseccomp-export IN OUT
 *
 * IN, one item per line:
 *   default ACTION            (ACTION: the SECCOMP_RET value, e.g. 0x50001)
 *   arch NAME                 (libseccomp's name: x86_64, x86, x32, aarch64, arm)
 *   rule ACTION NAME N [INDEX OP VALUE VALUETWO]*N    (OP: libseccomp's enum scmp_compare)
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: libseccomp-export IN OUT\n"); return 2; }
    FILE *in = fopen(argv[1], "r");
    if (!in) { perror(argv[1]); return 2; }
    char word[64];
    unsigned long def;
    if (fscanf(in, "%63s %li", word, &def) != 2 || strcmp(word, "default")) { fprintf(stderr, "default first\n"); return 2; }
    scmp_filter_ctx ctx = seccomp_init((uint32_t)def);
    if (!ctx) { fprintf(stderr, "seccomp_init failed\n"); return 2; }
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    int rules = 0;
    while (fscanf(in, "%63s", word) == 1) {
        if (!strcmp(word, "arch")) {
            char name[64];
            if (fscanf(in, "%63s", name) != 1) return 2;
            uint32_t a = seccomp_arch_resolve_name(name);
            int rc = seccomp_arch_add(ctx, a);
            if (rc != 0 && rc != -EEXIST) { fprintf(stderr, "arch_add %s: %d\n", name, rc); return 2; }
        } else if (!strcmp(word, "rule")) {
            unsigned long action;
            char name[128];
            int n;
            if (fscanf(in, "%li %127s %d", &action, name, &n) != 3 || n < 0 || n > 6) return 2;
            struct scmp_arg_cmp cmp[6];
            for (int i = 0; i < n; i++) {
                unsigned int idx, op;
                unsigned long long v, v2;
                if (fscanf(in, "%u %u %llx %llx", &idx, &op, &v, &v2) != 4) return 2;
                cmp[i] = (struct scmp_arg_cmp){ idx, (enum scmp_compare)op, v, v2 };
            }
            if ((uint32_t)action == (uint32_t)def) continue;
            int nr = seccomp_syscall_resolve_name(name);
            if (nr == __NR_SCMP_ERROR) continue;
            int rc = seccomp_rule_add_array(ctx, (uint32_t)action, nr, n, cmp);
            if (rc != 0) { fprintf(stderr, "rule_add %s: %d\n", name, rc); return 2; }
            rules++;
        } else { fprintf(stderr, "bad line %s\n", word); return 2; }
    }
    if (rules > 32) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0) { perror(argv[2]); return 2; }
    int rc = seccomp_export_bpf(ctx, out);
    if (rc != 0) { fprintf(stderr, "export: %d\n", rc); return 2; }
    close(out);
    seccomp_release(ctx);
    return 0;
}
