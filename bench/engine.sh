#!/usr/bin/env bash
# Engine benchmark (not a test): `hako run --rm IMAGE true` against `podman run --rm IMAGE true` with
# --runtime crun and runc, the same busybox image loaded into both (built offline by scripts/busybox-rootfs.sh),
# N runs each in one go, medians and ratios. Then memory: 20 idle `sleep` containers each under hako's monitor
# and podman's conmon; RSS, PSS and Private_Dirty per monitor process. Needs root, podman and hyperfine.
# Usage: bench/engine.sh [N]   (default 20; env WARMUP=2)
#
# Notes: both run with --network none (bench/network.sh measures networks), each with its own
# --root/--runroot under a temp dir. crun refuses this hybrid-cgroup host, so podman+crun runs inside a private
# mount namespace with the (controller-less) cgroup2 mount at /sys/fs/cgroup/unified unmounted.
set -euo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
n=${1:-20}
warmup=${WARMUP:-2}
[ "$(id -u)" = 0 ] || { echo "bench/engine.sh: run as root" >&2; exit 1; }
for t in podman hyperfine runc crun; do command -v $t >/dev/null || { echo "bench/engine.sh: $t is missing" >&2; exit 1; }; done
[ -f "$repo/cli/target/hako-cli.jar" ] || { echo "bench/engine.sh: build first (mvn -o -q package -DskipTests)" >&2; exit 1; }
grep -qs cgroupfs /etc/containers/containers.conf || echo "warning: /etc/containers/containers.conf has no cgroupfs manager; run scripts/host-setup.sh" >&2

work=$(mktemp -d /tmp/hako-bench-engine.XXXXXX)
# bin/hako runs its commands in the CLI service (a warm JVM, see README): a private one here, so that its CPU
# time can be charged to the runs it served
export HAKO_SERVICE_DIR=$work/service
mkdir -m 0700 "$HAKO_SERVICE_DIR"
hako=("$repo/bin/hako" --root "$work/hako-root" --runroot "$work/hako-run")
podman=(podman --root "$work/podman-root" --runroot "$work/podman-run" --storage-driver overlay --events-backend file)
image=hako-bench-busybox:latest
service_pids() { cat "$HAKO_SERVICE_DIR"/*.pid 2>/dev/null | awk 1 || true; }   # one pid a line (the files end without a newline)
service_cpu_ms() {   # user+system ms of the CLI service so far
  local t=0 p
  for p in $(service_pids); do
    [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo $((t * 1000 / $(getconf CLK_TCK)))
}
cleanup() {
  "${hako[@]}" ps -a -q 2>/dev/null | xargs -r "${hako[@]}" rm -f >/dev/null 2>&1 || true
  for p in $(service_pids); do kill "$p" 2>/dev/null || true; done
  "${podman[@]}" rm -a -f >/dev/null 2>&1 || true
  "${podman[@]}" system reset -f >/dev/null 2>&1 || true
  umount -R "$work/podman-root/overlay" 2>/dev/null || true
  rm -rf --one-file-system "$work" 2>/dev/null || true
}
trap cleanup EXIT

echo "== the same busybox image into both"
"$repo/scripts/busybox-rootfs.sh" "$work/fs" >/dev/null
tar -C "$work/fs" --numeric-owner -cf "$work/busybox.tar" .
"${hako[@]}" import "$work/busybox.tar" "$image" >/dev/null
"${podman[@]}" import "$work/busybox.tar" "localhost/$image" >/dev/null 2>&1
"${hako[@]}" run --rm --network none "$image" true
for _ in $(seq 100); do [ -S "$(ls "$HAKO_SERVICE_DIR"/*.sock 2>/dev/null | head -1)" ] && break; sleep 0.1; done
[ -n "$(service_pids)" ] || echo "warning: the CLI service did not start; hako runs in the plain JVM" >&2
"${podman[@]}" run --rm --network none --runtime runc "localhost/$image" true

echo "== startup: $n runs (+$warmup warm-up) of run --rm IMAGE true"
hf() {   # name, command (a string: hyperfine runs it with sh)
  hyperfine --style none --warmup "$warmup" --runs "$n" --export-json "$work/$1.json" "$2" >/dev/null 2>"$work/$1.err" \
    || { echo "$1: failed:"; cat "$work/$1.err"; return 0; }
}
cpu0=$(service_cpu_ms)
hf hako "${hako[*]} run --rm --network none $image true"
hako_service_ms=$(( ($(service_cpu_ms) - cpu0) / (n + warmup) ))
hf podman-runc "${podman[*]} run --rm --network none --runtime runc localhost/$image true"
unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh \
  hyperfine --style none --warmup "$warmup" --runs "$n" --export-json "$work/podman-crun.json" \
  "${podman[*]} run --rm --network none --runtime crun localhost/$image true" >/dev/null 2>"$work/podman-crun.err" \
  || { echo "podman-crun: failed:"; cat "$work/podman-crun.err"; }
cpu0=$(service_cpu_ms)
hf hako-runc "${hako[*]} run --rm --network none --runtime runc $image true"
hako_runc_service_ms=$(( ($(service_cpu_ms) - cpu0) / (n + warmup) ))

# wall-clock median, and CPU time (user+system of the command and its children, mean): on a busy host the
# wall clock mostly measures the wait for a core, the CPU time what each command costs
median() { [ -f "$work/$1.json" ] && python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.1f %.1f" % (r["median"]*1000, (r["user"]+r["system"])*1000))' "$work/$1.json" || echo "nan nan"; }
declare -A ms cpu
for k in hako hako-runc podman-runc podman-crun; do read -r ms[$k] cpu[$k] < <(median $k); done
# the CPU time the service spent on those runs counts as hako's
cpu[hako]=$(python3 -c "print('%.1f' % (${cpu[hako]} + $hako_service_ms))")
cpu[hako-runc]=$(python3 -c "print('%.1f' % (${cpu[hako-runc]} + $hako_runc_service_ms))")
ratio() { python3 -c 'import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print("%.2fx" % (a/b) if b==b and b>0 and a==a else "n/a")' "$1" "$2"; }
printf '%-34s %10s %9s %9s %10s %9s %9s\n' "command" "median ms" "/p+runc" "/p+crun" "cpu ms" "/p+runc" "/p+crun"
for k in hako hako-runc podman-runc podman-crun; do
  printf '%-34s %10s %9s %9s %10s %9s %9s\n' "$k run --rm busybox true" "${ms[$k]}" "$(ratio "${ms[$k]}" "${ms[podman-runc]}")" \
    "$(ratio "${ms[$k]}" "${ms[podman-crun]}")" "${cpu[$k]}" "$(ratio "${cpu[$k]}" "${cpu[podman-runc]}")" "$(ratio "${cpu[$k]}" "${cpu[podman-crun]}")"
done
echo "(hako cpu ms include the CLI service's: $hako_service_ms and $hako_runc_service_ms ms per run)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== memory: 20 idle sleep containers each; per monitor process (hako: hako-monitor; podman: conmon)"
# From /proc/PID/smaps_rollup, averaged: RSS; PSS (shared pages divided among their users: what a monitor really
# adds); Private_Dirty (pages only this monitor has written or holds). "exe memfd": hako runs its binaries from
# sealed memfds, whose pages stay in memory (Shmem) while a monitor runs and show in RSS/PSS only where mapped:
# the sizes of the distinct memfds the monitors run, divided by the monitors (one hako-monitor copy per JVM).
mem() {   # pids on stdin → "rss pss private_dirty memfd count" (KiB, averages)
  local rss=0 pss=0 pd=0 mf=0 k=0 p r q d seen=" "
  while read -r p; do
    [ -r "/proc/$p/smaps_rollup" ] || continue
    read -r r q d < <(awk '/^Rss:/ {r=$2} /^Pss:/ {p=$2} /^Private_Dirty:/ {d=$2} END {print r, p, d}' "/proc/$p/smaps_rollup")
    rss=$((rss + r)); pss=$((pss + q)); pd=$((pd + d))
    case $(readlink "/proc/$p/exe") in /memfd:*)
      read -r q d < <(stat -L -c '%i %s' "/proc/$p/exe")
      case $seen in *" $q "*) ;; *) seen="$seen$q "; mf=$((mf + d / 1024));; esac;; esac
    k=$((k + 1))
  done
  [ $k -gt 0 ] && echo "$((rss / k)) $((pss / k)) $((pd / k)) $((mf / k)) $k" || echo "nan nan nan nan 0"
}
for i in $(seq 1 20); do "${hako[@]}" run -d --network none "$image" sleep 1000 >/dev/null; done
hako_mon=$(for id in $("${hako[@]}" ps -q --no-trunc); do
  pid=$("${hako[@]}" container inspect -f '{{.State.Pid}}' "$id"); awk '/^PPid:/ {print $2}' "/proc/$pid/status"; done | mem)
for i in $(seq 1 20); do "${podman[@]}" run -d --network none --runtime runc "localhost/$image" sleep 1000 >/dev/null; done
conmon=$("${podman[@]}" ps -q --no-trunc | while read -r id; do "${podman[@]}" inspect -f '{{.State.ConmonPid}}' "$id"; done | mem)
printf '%-28s %9s %9s %15s %15s %6s
' "monitor" "RSS KiB" "PSS KiB" "Priv.Dirty KiB" "exe memfd KiB" "count"
printf '%-28s %9s %9s %15s %15s %6s
' "hako monitor" $hako_mon
printf '%-28s %9s %9s %15s %15s %6s
' "podman conmon" $conmon
printf '%-28s %9s %9s %15s %15s %6s
' "hako CLI service (per host)" $(service_pids | mem)
echo "host: $(uname -r), $(nproc) cores; podman $(podman --version | awk '{print $3}'), runc $(runc --version | head -1 | awk '{print $3}'), crun $(crun --version | head -1 | awk '{print $3}')"
