# Sourced by bench/pull.sh and bench/pull-warm.sh (cwd: the repository; $work: a scratch dir; sets reg_pid for the
# caller's cleanup): builds the bench image once (cached in $HAKO_BENCH_CACHE/pull-image, default /var/tmp/hako-bench),
# starts a docker-registry on a free 127.0.0.1 port and pushes the image there. Sets $ref, $img, $bench_image, $compressed and $unpacked (MB).
# The image: 5 gzip layers, ~300 MB unpacked (random + compressible data). HAKO_BENCH_IMAGE=host makes them from
# this machine's /usr instead (programs, libraries, text: compressed as real images are, ~3:1).
bench_image=${HAKO_BENCH_IMAGE:-synthetic}
host_dirs=(usr/lib/gcc usr/lib/python3.11 usr/lib/python3 usr/libexec usr/share/perl)
case $bench_image in
  synthetic) img=${HAKO_BENCH_CACHE:-/var/tmp/hako-bench}/pull-image ;;
  host)      img=${HAKO_BENCH_CACHE:-/var/tmp/hako-bench}/pull-image-host ;;
  *)         echo "HAKO_BENCH_IMAGE must be synthetic or host, not $bench_image" >&2; exit 2 ;;
esac
# ---- the image: an OCI layout written by hand (tar | gzip, sha256sum) ----
if [ ! -f "$img/index.json" ]; then
  echo "building the test image in $img ..." >&2
  rm -rf "$img"; mkdir -p "$img/blobs/sha256"
  tmp=$work/build; mkdir -p "$tmp"
  diffids=(); layers=(); total=0
  for i in 1 2 3 4 5; do
    d=$tmp/l$i; mkdir -p "$d/data$i"
    if [ "$bench_image" = host ]; then
      tar -C / --numeric-owner --owner=0 --group=0 -cf "$tmp/l$i.tar" "${host_dirs[$((i - 1))]}"
    else
      head -c 30000000 /dev/urandom > "$d/data$i/random.bin"                        # incompressible
      (yes "hako layer $i: compressible line of text, repeated many times over" || true) | head -c 30000000 > "$d/data$i/text.txt"
      tar -C "$d" --numeric-owner --owner=0 --group=0 -cf "$tmp/l$i.tar" .
    fi
    diffids+=("sha256:$(sha256sum < "$tmp/l$i.tar" | cut -d' ' -f1)"); total=$((total + $(stat -c %s "$tmp/l$i.tar")))
    gzip -6 -c "$tmp/l$i.tar" > "$tmp/l$i.tgz"
    h=$(sha256sum < "$tmp/l$i.tgz" | cut -d' ' -f1)
    mv "$tmp/l$i.tgz" "$img/blobs/sha256/$h"
    layers+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$h\",\"size\":$(stat -c %s "$img/blobs/sha256/$h")}")
    rm -rf "$d" "$tmp/l$i.tar"
  done
  ids=$(IFS=,; printf '"%s"' "${diffids[0]}"; for x in "${diffids[@]:1}"; do printf ',"%s"' "$x"; done)
  printf '{"architecture":"amd64","os":"linux","created":"2026-01-01T00:00:00Z","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$ids" > "$tmp/config.json"
  ch=$(sha256sum < "$tmp/config.json" | cut -d' ' -f1); cp "$tmp/config.json" "$img/blobs/sha256/$ch"
  ls=$(IFS=,; echo "${layers[*]}")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
    "$ch" "$(stat -c %s "$tmp/config.json")" "$ls" > "$tmp/manifest.json"
  mh=$(sha256sum < "$tmp/manifest.json" | cut -d' ' -f1); cp "$tmp/manifest.json" "$img/blobs/sha256/$mh"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$img/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"bench"}}]}' \
    "$mh" "$(stat -c %s "$tmp/manifest.json")" > "$img/index.json"
  echo $((total / 1000000)) > "$img/unpacked-mb"
  rm -rf "$tmp"
fi
compressed=$(du -sb "$img/blobs" | cut -f1)
unpacked=$(cat "$img/unpacked-mb" 2>/dev/null || echo 300)

# ---- a local registry with the image ----
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/registry"
cat > "$work/registry/config.yml" <<Y
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry/data
http:
  addr: 127.0.0.1:$port
Y
docker-registry serve "$work/registry/config.yml" > "$work/registry/log" 2>&1 &
reg_pid=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
ref=127.0.0.1:$port/bench/pull:latest
skopeo copy -q --dest-tls-verify=false "oci:$img:bench" "docker://$ref"

