#!/usr/bin/env bash
# Runtime benchmark: the same busybox /bin/true bundle, N times create + start + wait + delete
# (podman's sequence) under runc, crun and bin/hako-runtime in one run; then `--version` start-up.
# hako runs through the runtime service (warm JVM, started before measuring); hako-jvm is the plain
# JVM path (HAKO_RUNTIME_SERVICE=0: the fallback, and what hako was before the service).
# Prints median and p90 per runtime and the ratios hako/runc, hako/crun. Needs root.
# Usage: bench/runtime.sh [N]   (default 50; env WARMUP=3 iterations not counted)
set -euo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
n=${1:-50}
warmup=${WARMUP:-3}
hako=$repo/bin/hako-runtime
[ "$(id -u)" = 0 ] || { echo "bench/runtime.sh: run as root" >&2; exit 1; }
work=$(mktemp -d /tmp/hako-bench-runtime.XXXXXX)
trap 'rm -rf "$work"' EXIT

bundle=$work/bundle
mkdir -p "$bundle"
"$repo/scripts/busybox-rootfs.sh" "$bundle/rootfs" >/dev/null
runc spec -b "$bundle"
python3 - "$bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
json.dump(c, open(p, "w"), indent=1)
PY

loop=$repo/bench/runtime/loop.py
declare -A results
measure() {   # name, command prefix (string run by sh for crun's unshare), runtime argv...
  local name=$1; shift
  local root=$work/root-$name
  mkdir -p "$root"
  local out=$work/$name.ms
  if [ "$name" = crun ]; then
    # crun refuses hybrid cgroups: hide the (controller-less) cgroup2 mount in a private mount ns, once.
    unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec python3 "$@"' sh \
      "$loop" $((n + warmup)) "$root" "$bundle" "$@" > "$out" || { echo "$name: failed (above)" >&2; return 0; }
  else
    python3 "$loop" $((n + warmup)) "$root" "$bundle" "$@" > "$out" || { echo "$name: failed (above)" >&2; return 0; }
  fi
  tail -n +$((warmup + 1)) "$out" > "$out.kept"
  results[$name]=$(stats < "$out.kept")
}
stats() {   # prints "median p90 mean" of numbers on stdin
  sort -n | awk '{a[NR]=$1; s+=$1} END {
    if (NR == 0) { print "nan nan nan"; exit }
    m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
    i = int(0.9 * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR
    printf "%.1f %.1f %.1f\n", m, a[i], s/NR }'
}
field() { echo "${results[$1]}" | cut -d' ' -f"$2"; }

echo "bench/runtime.sh: $n iterations (+$warmup warm-up) of create+start+wait+delete, busybox /bin/true bundle"
echo "host: $(uname -r), $(nproc) cores; runc $(runc --version | head -1 | awk '{print $3}'), crun $(crun --version | head -1 | awk '{print $3}')"
have_hako=1
# from this shell (not under loop.py's subreaper) the first call starts the runtime service
if ! "$hako" --version >/dev/null 2>&1; then echo "bin/hako-runtime does not run; build first" >&2; have_hako=0; fi
measure runc runc
measure crun crun
[ $have_hako = 1 ] && measure hako "$hako"
[ $have_hako = 1 ] && [ "${BENCH_PLAIN:-1}" = 1 ] && measure hako-jvm env HAKO_RUNTIME_SERVICE=0 "$hako"

printf '\n%-14s %10s %10s %10s\n' runtime "median ms" "p90 ms" "mean ms"
for r in runc crun hako hako-jvm; do
  [ -n "${results[$r]:-}" ] || continue
  printf '%-14s %10s %10s %10s\n' "$r" $(field $r 1) $(field $r 2) $(field $r 3)
done
if [ -n "${results[hako]:-}" ]; then
  awk -v h="$(field hako 1)" -v r="$(field runc 1)" -v c="$(field crun 1)" \
    'BEGIN { printf "\nratio (median): hako/runc %.2f, hako/crun %.2f\n", h/r, h/c }'
fi
if [ -n "${results[hako-jvm]:-}" ]; then
  awk -v h="$(field hako-jvm 1)" -v r="$(field runc 1)" -v c="$(field crun 1)" \
    'BEGIN { printf "ratio (median): hako-jvm/runc %.2f, hako-jvm/crun %.2f\n", h/r, h/c }'
fi

# Start-up: `--version` (JVM start + CLI init for hako; a Go binary's start for runc).
echo
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs 30 --export-json "$work/version.json" \
    "$hako --version" "env HAKO_RUNTIME_SERVICE=0 $hako --version" "runc --version" "crun --version" >/dev/null 2>&1 || true
  python3 - "$work/version.json" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    sys.exit(0)
print("%-28s %10s %10s" % ("--version start-up", "median ms", "mean ms"))
for r in d["results"]:
    name = r["command"].split("/")[-1] + (" (plain JVM)" if "SERVICE=0" in r["command"] else "")
    print("%-28s %10.1f %10.1f" % (name, r["median"] * 1000, r["mean"] * 1000))
PY
else
  for c in "$hako" runc crun; do
    s=$(date +%s%N); for _ in $(seq 20); do "$c" --version >/dev/null; done; e=$(date +%s%N)
    printf '%-28s %10.1f ms mean\n' "$(basename "$c") --version" "$(awk -v d=$((e - s)) 'BEGIN{print d/20/1e6}')"
  done
fi
