#!/usr/bin/env bash
# Network benchmark, hako vs podman in one run, the same busybox image (imported offline into both):
#  1. `run --rm IMAGE true` on each one's default network (hako: CNI bridge `hako`; podman: its `podman` network),
#     N times: median and p90 wall time, ratio hako/podman;
#  2. TCP throughput through a published port on 127.0.0.1: bash writes SIZE MiB from /dev/zero to the host port,
#     busybox nc in the container reads it to /dev/null; median MB/s of R runs, ratio.
# Usage: bench/network.sh [N] (default 10; env R=5 transfers, SIZE=512 MiB). Needs root, podman, busybox-static.
set -euo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
n=${1:-10}
reps=${R:-5}
size=${SIZE:-512}
[ "$(id -u)" = 0 ] || { echo "bench/network.sh: run as root" >&2; exit 1; }
[ -f "$repo/cli/target/hako-cli.jar" ] || { echo "bench/network.sh: build first (mvn -o -q package -DskipTests)" >&2; exit 1; }
work=$(mktemp -d /tmp/hako-bench-net.XXXXXX)
img=localhost/hako-bench-net:latest
hako="$repo/bin/hako --root $work/root --runroot $work/run"
# crun refuses this host's hybrid cgroup layout; runc works (PODMAN_RUNTIME overrides)
podman="podman --runtime ${PODMAN_RUNTIME:-runc}"
had_bridge=$(ip link show hako0 >/dev/null 2>&1 && echo yes || echo no)
cleanup() {
  [ "$had_bridge" = yes ] || ip link delete hako0 2>/dev/null || true   # the temp root's default bridge
  $hako rm -f hbn-srv >/dev/null 2>&1 || true
  $podman rm -f hbn-srv >/dev/null 2>&1 || true
  podman rmi -f "$img" >/dev/null 2>&1 || true
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

"$repo/scripts/busybox-rootfs.sh" "$work/fs" >/dev/null
tar -C "$work/fs" --numeric-owner -cf "$work/bb.tar" .
$hako import -c 'CMD ["sh"]' "$work/bb.tar" "$img" >/dev/null
podman import -q -c 'CMD ["sh"]' "$work/bb.tar" "$img" >/dev/null

now() { date +%s%N; }
stats() { sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; p=a[int(NR*0.9+0.999)]; printf "%.1f %.1f\n", m, p}'; }

# ---- 1. run --rm with the default network
for tool in hako podman; do
  cmd=$([ $tool = hako ] && echo "$hako" || echo "$podman")
  $cmd run --rm "$img" true >/dev/null   # warm-up: the default network is made on first use
  : > "$work/$tool.run"
  for _ in $(seq "$n"); do
    t0=$(now); $cmd run --rm "$img" true >/dev/null; t1=$(now)
    echo $(( (t1 - t0) / 1000000 )) >> "$work/$tool.run"
  done
  read -r med p90 < <(stats < "$work/$tool.run")
  eval "${tool}_run=$med"
  printf 'run --rm (default network)  %-7s median %8.1f ms   p90 %8.1f ms   (n=%d)\n' "$tool" "$med" "$p90" "$n"
done
awk -v a="$hako_run" -v b="$podman_run" 'BEGIN { printf "run --rm ratio hako/podman: %.2f\n", a / b }'

# ---- 2. TCP throughput through a published port
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
for tool in hako podman; do
  cmd=$([ $tool = hako ] && echo "$hako" || echo "$podman")
  port=$(free_port)
  $cmd run -d --name hbn-srv -p "127.0.0.1:$port:5001" "$img" sh -c 'while true; do nc -l -p 5001 > /dev/null; done' >/dev/null
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  sleep 0.3
  : > "$work/$tool.tcp"
  for _ in $(seq "$reps"); do
    t0=$(now)
    dd if=/dev/zero bs=1M count="$size" 2>/dev/null > "/dev/tcp/127.0.0.1/$port"
    t1=$(now)
    awk -v s="$size" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f\n", s * 1.048576 / (ns / 1e9) }' >> "$work/$tool.tcp"
    sleep 0.2
  done
  $cmd kill hbn-srv >/dev/null 2>&1 || true; $cmd rm -f hbn-srv >/dev/null
  read -r med _ < <(stats < "$work/$tool.tcp")
  eval "${tool}_tcp=$med"
  printf 'TCP via published port      %-7s median %8.1f MB/s  (%d x %d MiB)\n' "$tool" "$med" "$reps" "$size"
done
awk -v a="$hako_tcp" -v b="$podman_tcp" 'BEGIN { printf "TCP throughput ratio hako/podman: %.2f\n", a / b }'
