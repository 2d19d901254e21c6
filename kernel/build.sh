#!/usr/bin/env bash
# Builds the Peapod guest kernel from Debian's linux-source package and the
# config fragments in kernel/config/, and links the result to build/bzImage.
#
# The bzImage is cached under $PEAPOD_CACHE/kernel/<key>/, where <key> hashes
# the fragments, the patches in kernel/patches/, this script and the kernel
# source version, so an unchanged kernel costs a hash and a symlink.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cache="${PEAPOD_CACHE:-$HOME/.cache/peapod}"
src_pkg="${LINUX_SOURCE_PACKAGE:-linux-source-6.1}"
tarball="/usr/src/${src_pkg}.tar.xz"
out="$root/build"

[ -f "$tarball" ] || { echo "kernel: $tarball missing; install the $src_pkg package" >&2; exit 1; }
src_version="$(dpkg-query -W -f='${Version}' "$src_pkg")"

fragments=("$here"/config/*.config)
patches=()
for p in "$here"/patches/*.patch; do [ -f "$p" ] && patches+=("$p"); done
key="$( (echo "$src_pkg $src_version"; cat "$here/build.sh" "${fragments[@]}" ${patches[@]+"${patches[@]}"}) \
  | sha256sum | cut -c1-16)"
dest="$cache/kernel/$key"
mkdir -p "$out"

if [ ! -f "$dest/bzImage" ]; then
  tree="$cache/src/$src_pkg-$src_version"
  if [ ! -f "$tree/Makefile" ]; then
    echo "kernel: unpacking $tarball"
    rm -rf "$tree.tmp" && mkdir -p "$tree.tmp"
    tar -xJf "$tarball" -C "$tree.tmp" --strip-components=1
    rm -rf "$tree" && mv "$tree.tmp" "$tree"
  fi
  # The unpacked tree carries the patches of the last build; swap them for
  # the current set when it changed (reverse the old set, apply the new one).
  wanted="$(mktemp)"
  cat ${patches[@]+"${patches[@]}"} /dev/null > "$wanted"
  applied="$tree/.peapod-applied.patch"
  [ -f "$applied" ] || : > "$applied"
  if ! cmp -s "$wanted" "$applied"; then
    echo "kernel: updating source patches"
    [ ! -s "$applied" ] || patch -s -R -p1 -d "$tree" < "$applied"
    : > "$applied"
    [ ! -s "$wanted" ] || patch -s -p1 -d "$tree" < "$wanted"
    cp "$wanted" "$applied"
  fi
  rm -f "$wanted"
  # One object tree per source version: a changed fragment rebuilds only what it touches.
  work="$cache/kernel/obj-$src_version"
  mkdir -p "$work"
  cat "${fragments[@]}" > "$work/peapod.config"
  echo "kernel: configuring ($key)"
  rm -f "$work/.config"
  make -s -C "$tree" O="$work" allnoconfig KCONFIG_ALLCONFIG="$work/peapod.config" >/dev/null
  # allnoconfig silently drops a symbol whose dependencies are off; refuse that
  # instead of shipping a kernel without, say, virtio-blk.
  missing=0
  while IFS= read -r line; do
    case "$line" in CONFIG_*=*) ;; *) continue ;; esac
    grep -qxF -- "$line" "$work/.config" || { echo "kernel: $line did not take effect" >&2; missing=1; }
  done < "$work/peapod.config"
  [ "$missing" = 0 ] || exit 1
  echo "kernel: building bzImage with $(nproc) jobs"
  make -s -C "$tree" O="$work" -j"$(nproc)" bzImage vmlinux
  mkdir -p "$dest.tmp"
  cp "$work/arch/x86/boot/bzImage" "$work/.config" "$dest.tmp/"
  # vmlinux boots through its PVH entry point without decompression.
  strip -o "$dest.tmp/vmlinux" "$work/vmlinux"
  rm -rf "$dest" && mv "$dest.tmp" "$dest"
fi

ln -sfn "$dest/bzImage" "$out/bzImage"
ln -sfn "$dest/vmlinux" "$out/vmlinux"
echo "kernel: $out/bzImage -> $dest/bzImage ($(stat -c %s "$dest/bzImage") bytes)"
