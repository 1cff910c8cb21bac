#!/usr/bin/env bash
# Builds hako. On a fresh Debian 12 machine (as root) it first installs what is missing.
# Idempotent; quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")"
. ./scripts/env.sh   # finds JDK >= 25, sets JAVA_HOME

# Debian packages: build tools, the libraries hako calls through FFM (OpenSSL, ISA-L), and the real peers the
# tests compare with.
PACKAGES=(gcc libc6-dev make maven procps libssl3 libisal-dev busybox-static runc crun podman buildah skopeo umoci conmon
          docker-registry containernetworking-plugins slirp4netns uidmap iptables iproute2
          openssl apache2-utils hyperfine libseccomp-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "build.sh: missing Debian packages: ${missing[*]} (run as root to install them)" >&2; exit 1
  fi
  echo "build.sh: installing ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
./scripts/host-setup.sh

# Maven build, skipped when no source file changed since the last one.
stamp=.hako-build/sources.sha256
mkdir -p .hako-build
sum=$(find pom.xml */pom.xml */src -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && [ -f runtime/target/hako-runtime.jar ]; then
  echo "build.sh: up to date"
else
  mvn -q -B install -DskipTests
  echo "$sum" > "$stamp"
  ./scripts/aot-train.sh || echo "build.sh: AOT cache training failed; launchers run without it" >&2
fi
