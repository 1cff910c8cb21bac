#!/usr/bin/env bash
# Creates the JDK's AOT cache for bin/hako-runtime (JEP 483/514: classes loaded and linked ahead of time),
# by running a representative workload (dev.hako.runtime.cli.AotTraining) through the launcher itself, so
# the JVM flags and class path are exactly those of real runs. Optional: the launcher works without it.
set -euo pipefail
cd "$(dirname "$0")/.."
. ./scripts/env.sh
repo=$(pwd -P)
jar=$repo/runtime/target/hako-runtime.jar
[ -f "$jar" ] || { echo "aot-train.sh: $jar is missing; build first" >&2; exit 1; }
out=$repo/runtime/target/hako-runtime.aot
work=$(mktemp -d /tmp/hako-aot-train.XXXXXX)
trap 'rm -rf "$work"' EXIT
rm -f "$out"
if [ "$(id -u)" = 0 ] && { [ -x /bin/busybox ] || [ -x /usr/bin/busybox ]; }; then
  ./scripts/busybox-rootfs.sh "$work/bundle/rootfs" >/dev/null
fi
HAKO_RUNTIME_AOT_OUTPUT="$out.tmp" "$repo/bin/hako-runtime" "$work"
mv "$out.tmp" "$out"
echo "aot-train.sh: wrote $out ($(du -h "$out" | cut -f1))"
