#!/usr/bin/env bash
# Makes an OCI image layout holding a busybox-static image, built locally with
# umoci since no public registry is reachable here:
#   scripts/busybox-oci.sh LAYOUT-DIR TAG [MARKER] [-- umoci-config-options...]
# e.g. scripts/busybox-oci.sh build/oci/busybox 1 hello -- --config.cmd=httpd
# `peapod image load LAYOUT-DIR` (or skopeo copy oci:LAYOUT-DIR:TAG ...) takes it from there.
set -euo pipefail
layout="$1"
tag="$2"
marker="${3:-}"
shift 3 2>/dev/null || shift $#
[ "${1:-}" != "--" ] || shift
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rm -rf "$layout"
umoci init --layout "$layout"
umoci new --image "$layout:$tag"
umoci unpack --image "$layout:$tag" "$work/bundle" >/dev/null
"$(dirname "$0")/busybox-rootfs.sh" "$work/bundle/rootfs" "$marker"
umoci repack --image "$layout:$tag" "$work/bundle"
# After repack: repack rebuilds the manifest from the one it unpacked.
if [ $# -eq 0 ]; then set -- --config.cmd sh; fi
umoci config --image "$layout:$tag" --config.env PATH=/bin "$@"
umoci gc --layout "$layout"
