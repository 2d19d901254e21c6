#!/usr/bin/env bash
# Makes a small erofs root filesystem from Debian's busybox-static:
#   scripts/busybox-image.sh OUT.erofs [MARKER]
# The demo and the provider benchmarks boot from it directly, without the image store.
set -euo pipefail
out="$1"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
"$(dirname "$0")/busybox-rootfs.sh" "$stage" "${2:-}"
mkdir -p "$(dirname "$out")"
mkfs.erofs --quiet "$out.tmp" "$stage"
mv "$out.tmp" "$out"
