#!/usr/bin/env bash
# Makes an OCI image layout of busybox plus probe-server (scripts/probe-server/main.go): a gRPC
# health server and an HTTPS server built from Debian's Go packages (golang-go,
# golang-google-grpc-dev; sources under /usr/share/gocode, so the build is offline), static, for the
# VM tests of grpc and HTTPS probes (GrpcHttpsProbesIT, bench/probe-cost):
#   scripts/probe-server-oci.sh LAYOUT-DIR TAG
set -euo pipefail
layout="$1"
tag="$2"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/go/src/probe-server"
cp "$here/probe-server/main.go" "$work/go/src/probe-server/"
# A cache of Go's own: a cold build of grpc takes a minute, a warm one a few seconds.
export GOCACHE="${GOCACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/peapod/go-build}"
(cd "$work/go/src/probe-server" &&
  GO111MODULE=off GOPATH="$work/go:/usr/share/gocode" CGO_ENABLED=0 \
    go build -trimpath -ldflags=-s -o "$work/probe-server" .)
rm -rf "$layout"
umoci init --layout "$layout"
umoci new --image "$layout:$tag"
umoci unpack --image "$layout:$tag" "$work/bundle" >/dev/null
"$here/busybox-rootfs.sh" "$work/bundle/rootfs" probe-server
install -m 0755 "$work/probe-server" "$work/bundle/rootfs/bin/probe-server"
umoci repack --image "$layout:$tag" "$work/bundle"
umoci config --image "$layout:$tag" --config.env PATH=/bin --config.cmd sh
umoci gc --layout "$layout"
