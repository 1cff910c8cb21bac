/* placeholder: replaced by the executor implementation.
 * NOTE TO HELPER H1 (from the lead; delete this note when you replace the file):
 *  - Other helpers (H2..H8) work in this same tree right now; edit only your paths; keep everything compiling.
 *  - Do NOT run git commands that change state (commit, stash, reset, checkout, clean); the lead commits.
 *  - export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 ; build with mvn -q -o -pl kernel ...
 *  - Stop and send your report by 04:45 (see `date`), with everything compiling and tests passing.
 *  - Tests: unique names (prefix hako-test-exec-), clean up mounts/processes/temp dirs; keep them fast.
 */
#include <stdio.h>
int main(void) { fprintf(stderr, "hako-executor: not implemented\n"); return 1; }
