#!/usr/bin/env bash
# Cold-pull benchmark: hako pull vs skopeo copy (to an OCI dir, no unpack) vs podman pull (unpacks),
# from a local docker-registry, each into an empty store. Prints medians and ratios.
# Usage: bench/pull.sh [N]   (N runs per tool, default 3). Needs root, docker-registry, skopeo, podman.
# The image (5 gzip layers, ~300 MB unpacked: random + compressible data; HAKO_BENCH_IMAGE=host: this machine's
# programs, libraries and text, compressed ~3:1 as real images are) is built offline and cached
# outside the repository in $HAKO_BENCH_CACHE/pull-image (default /var/tmp/hako-bench; delete it to rebuild).
set -euo pipefail
cd "$(dirname "$0")/.."
. ./scripts/env.sh
N=${1:-3}
here=$PWD
work=$(mktemp -d /tmp/hako-bench-pull-XXXXXX)
reg_pid=
cleanup() {   # errexit applies in traps: a killed registry's wait status must not skip the rm
  if [ -n "$reg_pid" ]; then kill "$reg_pid" 2>/dev/null || true; wait "$reg_pid" 2>/dev/null || true; fi
  for p in $(cat "$work"/service/*.pid 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

[ -f cli/target/hako-cli.jar ] || { echo "pull.sh: build first (./build.sh)" >&2; exit 1; }

. bench/pull/registry.sh

# ---- runs ----
# bin/hako runs its commands in the CLI service (a warm JVM, see README): a private one here, started before
# the runs, whose CPU time is charged to the pulls it served
export HAKO_SERVICE_DIR=$work/service
mkdir -m 0700 "$HAKO_SERVICE_DIR"
service_pids() { cat "$HAKO_SERVICE_DIR"/*.pid 2>/dev/null || true; }
service_cpu() {   # user+system seconds of the CLI service so far
  local t=0 p
  for p in $(service_pids); do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$t / $(getconf CLK_TCK)" | bc -l
}
bin/hako version >/dev/null
for _ in $(seq 100); do [ -S "$(ls "$HAKO_SERVICE_DIR"/*.sock 2>/dev/null | head -1)" ] && break; sleep 0.1; done
[ -n "$(service_pids)" ] || echo "warning: the CLI service did not start; hako pulls in the plain JVM" >&2
now() { date +%s.%N; }
declare -A times cpus
cpu=(/usr/bin/time -f '%U %S' -o "$work/cpu")   # user + sys seconds of the tool: meaningful on a loaded machine
run() {   # $1 tool, $2 run number
  local t0 t1 d=$work/$1-$2 s0 extra=0
  mkdir -p "$d"; sync
  case $1 in
    hako)   s0=$(service_cpu); t0=$(now); "${cpu[@]}" bin/hako --root "$d/root" pull -q "$ref" >/dev/null; t1=$(now)
            extra=$(echo "$(service_cpu) - $s0" | bc -l) ;;
    skopeo) t0=$(now); "${cpu[@]}" skopeo copy -q --src-tls-verify=false "docker://$ref" "oci:$d/oci:bench" >/dev/null; t1=$(now) ;;
    podman) local rr=/tmp/hkbp-$2-$$; t0=$(now)
            "${cpu[@]}" podman --root "$d/root" --runroot "$rr" --storage-driver overlay --events-backend none \
              pull -q --tls-verify=false "$ref" >/dev/null; t1=$(now)
            podman --root "$d/root" --runroot "$rr" --storage-driver overlay rmi -a -f >/dev/null 2>&1 || true
            umount -R "$d/root/overlay" 2>/dev/null || true; rm -rf "$rr" ;;
  esac
  # deleted at once: kept, each later run was slower than the one before (seen on this VM: the copies into new
  # page-cache pages, as the cache grew into memory not used before). On ext4 without a journal, creating files
  # right after thousands were deleted is slower too (it skips their inodes for 30 s): that costs the unpackers
  # (hako, podman) on HAKO_BENCH_IMAGE=host
  rm -rf --one-file-system "$d"
  times[$1]+="$(echo "$t1 - $t0" | bc) "
  cpus[$1]+="$(awk -v x="$extra" '{print $1 + $2 + x}' "$work/cpu") "
}
for i in $(seq "$N"); do for tool in hako skopeo podman; do run $tool "$i"; done; done

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }
printf '\nimage (%s): 5 gzip layers, %s MB compressed, %s MB unpacked; %s cold pulls per tool from 127.0.0.1 (%s)\n' \
  "$bench_image" "$((compressed / 1000000))" "$unpacked" "$N" "$(nproc) cores"
printf '%-8s %10s %12s   %s\n' tool "median s" "median cpu s" "runs (s)"
for tool in hako skopeo podman; do
  m=$(echo "${times[$tool]}" | median); eval "m_$tool=$m"
  printf '%-8s %10s %12s   %s\n' "$tool" "$m" "$(echo "${cpus[$tool]}" | median)" "${times[$tool]}"
done
echo "(cpu = user + sys of the tool's processes, hako's CLI service included, not the registry's; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
printf 'ratios: hako/skopeo = %.2f   hako/podman = %.2f   (< 1 = hako faster)\n' \
  "$(echo "$m_hako / $m_skopeo" | bc -l)" "$(echo "$m_hako / $m_podman" | bc -l)"
echo "(skopeo only downloads and verifies into an OCI dir; hako and podman also unpack the layers)"
