#!/usr/bin/env bash
# Host settings the peers need on this kind of machine (hybrid cgroups, no CAP_SYS_RESOURCE).
set -euo pipefail
conf=/etc/containers/containers.conf
if [ "$(id -u)" = 0 ] && ! grep -qs 'hako-host-setup' "$conf"; then
  mkdir -p /etc/containers
  cat > "$conf" <<'CONF'
# written by hako scripts/host-setup.sh (hako-host-setup)
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
fi
