#!/usr/bin/env bash
# Shows the main job working: builds hako, prepares a busybox bundle, and runs it with
# bin/hako-runtime (the runc-compatible OCI runtime) — first in one step, then through the
# create / start / state / delete lifecycle that podman and containerd use.
set -euo pipefail
cd "$(dirname "$0")"
./build.sh
bundle=$(mktemp -d /tmp/hako-demo.XXXXXX)
trap 'bin/hako-runtime delete --force hako-demo >/dev/null 2>&1 || true; rm -rf "$bundle"' EXIT
scripts/busybox-rootfs.sh "$bundle/rootfs"
bin/hako-runtime spec --bundle "$bundle"
# a non-interactive command instead of the default interactive shell
sed -i -e 's/"terminal": true/"terminal": false/' \
       -e '/"args": \[/,/\]/c\                "args": [ "sh", "-c", "echo hello from $(hostname): pid $$, uid $(id -u); grep -E \\"^(Cap(Eff|Bnd)|Seccomp|NoNewPrivs):\\" /proc/self/status" ],' \
       "$bundle/config.json"
echo "== bin/hako-runtime run"
bin/hako-runtime run --bundle "$bundle" hako-demo
echo "== create / start / state / delete"
bin/hako-runtime create --bundle "$bundle" hako-demo
bin/hako-runtime state hako-demo
bin/hako-runtime start hako-demo
sleep 0.2
bin/hako-runtime state hako-demo | grep '"status"'
bin/hako-runtime delete hako-demo
echo "done"
