#!/usr/bin/env bash
# Builds the example images from Debian's busybox-static package (no public
# registry is reachable on the machines Peapod is developed on) and loads them
# into the image store with `peapod image load`:
#   peapod-examples/web:1      busybox httpd behind a small entrypoint taking --port/--root
#   peapod-examples/fetcher:1  busybox (wget, sh)
#   peapod-examples/cron:1     busybox (sh, mv) with an unprivileged user 1000
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/build/examples"
mkdir -p "$out"

# image NAME [umoci config options...]: an OCI layout in $out/NAME, from the
# busybox root filesystem plus the files under examples/images/NAME/ if any.
image() {
  local name="$1"; shift
  local layout="$out/$name" work
  work="$(mktemp -d)"
  rm -rf "$layout"
  umoci init --layout "$layout"
  umoci new --image "$layout:1"
  umoci unpack --image "$layout:1" "$work/bundle" >/dev/null
  "$root/scripts/busybox-rootfs.sh" "$work/bundle/rootfs"
  if [ -d "$here/$name" ]; then cp -a "$here/$name/." "$work/bundle/rootfs/"; fi
  umoci repack --image "$layout:1" "$work/bundle"
  umoci config --image "$layout:1" --config.env PATH=/bin "$@"
  umoci gc --layout "$layout"
  rm -rf "$work"
  "$root/peapod" image load "$layout" --tag "peapod-examples/$name:1"
}

image web --config.entrypoint=/bin/web-server --config.cmd=--port --config.cmd=80 \
  --config.exposedports=80/tcp --config.label=org.opencontainers.image.title=peapod-examples-web
image fetcher --config.cmd=sh
image cron --config.cmd=sh --config.user=1000:1000
