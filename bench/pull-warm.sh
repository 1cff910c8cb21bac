#!/usr/bin/env bash
# Warm-JVM pull benchmark: the bench image of bench/pull.sh, pulled N times in ONE JVM (bench/pull/PullBench.java)
# into fresh empty roots, from a local docker-registry. Prints each pull's wall and CPU (user + sys of the JVM)
# and the median of the later half (class loading and JIT done): the steady state of a warm `hako pull`. After each
# pull a `skopeo copy` to an OCI dir runs (same load for both on a shared machine) and the ratios are printed.
# Usage: bench/pull-warm.sh [N] [JVM options...]   (default N=8; e.g. -XX:+UseParallelGC, -XX:StartFlightRecording=...)
# BENCH_WRAP="strace -f ..." runs the JVM under a wrapper (profilers, tracers).
# BENCH_CP_PREPEND=other.jar puts a jar first on the class path (A/B runs against another build); SKOPEO=0 skips skopeo.
set -euo pipefail
cd "$(dirname "$0")/.."
. ./scripts/env.sh
N=${1:-8}; shift || true
work=$(mktemp -d /tmp/hako-bench-pullwarm-XXXXXX)
reg_pid=
cleanup() {
  if [ -n "$reg_pid" ]; then kill "$reg_pid" 2>/dev/null || true; wait "$reg_pid" 2>/dev/null || true; fi
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
[ -d cli/target/lib ] || { echo "pull-warm.sh: build first (mvn -o -q package -DskipTests)" >&2; exit 1; }

. bench/pull/registry.sh

cp=${BENCH_CP_PREPEND:+$BENCH_CP_PREPEND:}$(printf '%s:' cli/target/lib/*.jar)
${BENCH_WRAP:-} java -cp "$cp" --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Dbench.skopeo="$([ "${SKOPEO:-1}" = 0 ] && echo false || echo true)" "$@" bench/pull/PullBench.java "$ref" "$N" "$work"


echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; the registry runs on the same machine)"
