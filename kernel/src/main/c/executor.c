/* placeholder: replaced by the executor implementation */
#include <stdio.h>
int main(void) { fprintf(stderr, "hako-executor: not implemented\n"); return 1; }
