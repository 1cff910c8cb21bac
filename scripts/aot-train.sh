#!/usr/bin/env bash
# Creates the JDK's AOT caches (JEP 483/514: classes loaded and linked ahead of time) for the launchers:
#  - bin/hako-runtime: runtime/target/hako-runtime.aot, from dev.hako.runtime.cli.AotTraining (every command
#    path in one JVM, incl. a busybox create/start/state/kill/delete lifecycle when root);
#  - bin/hako: cli/target/hako-cli.aot, from one representative command (`inspect` of an image imported from
#    a small local tarball: command-line model, image store, JSON), as JDK 25 records one run per cache.
# Both run through the launchers themselves, so JVM flags and class path are exactly those of real runs.
# Optional: the launchers work without the caches. Needs no network.
set -euo pipefail
cd "$(dirname "$0")/.."
. ./scripts/env.sh
repo=$(pwd -P)
work=$(mktemp -d /tmp/hako-aot-train.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs_ok=
if [ "$(id -u)" = 0 ] && { [ -x /bin/busybox ] || [ -x /usr/bin/busybox ]; }; then
  ./scripts/busybox-rootfs.sh "$work/bundle/rootfs" >/dev/null && rootfs_ok=1
fi

jar=$repo/runtime/target/hako-runtime.jar
[ -f "$jar" ] || { echo "aot-train.sh: $jar is missing; build first" >&2; exit 1; }
out=$repo/runtime/target/hako-runtime.aot
rm -f "$out"
HAKO_RUNTIME_AOT_OUTPUT="$out.tmp" "$repo/bin/hako-runtime" "$work"
mv "$out.tmp" "$out"
echo "aot-train.sh: wrote $out ($(du -h "$out" | cut -f1))"

cli_jar=$repo/cli/target/hako-cli.jar
if [ -f "$cli_jar" ] && [ -d "$repo/cli/target/lib" ]; then
  cli_out=$repo/cli/target/hako-cli.aot
  rm -f "$cli_out"
  tarball=$work/rootfs.tar
  if [ -n "$rootfs_ok" ]; then
    tar -C "$work/bundle/rootfs" -cf "$tarball" .
  else
    mkdir -p "$work/tiny/etc" && echo "hako-aot-train" > "$work/tiny/etc/hostname"
    tar -C "$work/tiny" -cf "$tarball" .
  fi
  hako=("$repo/bin/hako" --root "$work/cli-root" --runroot "$work/cli-run")
  image=hako-aot-train:latest
  if "${hako[@]}" import "$tarball" "$image" >/dev/null 2>"$work/cli.err"; then
    HAKO_AOT_OUTPUT="$cli_out.tmp" "${hako[@]}" inspect "$image" >/dev/null
    mv "$cli_out.tmp" "$cli_out"
    echo "aot-train.sh: wrote $cli_out ($(du -h "$cli_out" | cut -f1))"
  else
    echo "aot-train.sh: hako import failed, no cache for bin/hako: $(cat "$work/cli.err")" >&2
  fi
else
  echo "aot-train.sh: $cli_jar is missing; no cache for bin/hako" >&2
fi
