#!/bin/sh
# Builds the erofs test images for `make check-vm` from the host's static
# busybox: img0 is a small root filesystem with busybox applets, a named
# user and group; img1 is the same with a marker file, to tell images apart.
# Both hold $SYSPROBE (tests/vm/sysprobe.c) as /bin/sysprobe.
set -eu
out="$1"
bb="${BUSYBOX:-/bin/busybox}"
probe="${SYSPROBE:?SYSPROBE must name the sysprobe binary}"
[ -x "$bb" ] || { echo "mkimage: $bb missing (install busybox-static)" >&2; exit 1; }
file "$bb" 2>/dev/null | grep -q 'statically linked' || { echo "mkimage: $bb is not static" >&2; exit 1; }
mkdir -p "$out"
stamp="$out/.stamp"
if [ -f "$stamp" ] && [ "$stamp" -nt "$bb" ] && [ "$stamp" -nt "$0" ] && [ "$stamp" -nt "$probe" ]; then
  exit 0
fi
stage="$out/stage"
rm -rf "$stage" && mkdir -p "$stage"
for d in bin sbin usr/bin usr/sbin etc tmp root home/app var/tmp; do mkdir -p "$stage/$d"; done
cp "$bb" "$stage/bin/busybox"
cp "$probe" "$stage/bin/sysprobe"
for applet in $("$bb" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$stage/bin/$applet"
done
cat > "$stage/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app user:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > "$stage/etc/group" <<'G'
root:x:0:
app:x:1000:
staff:x:50:app
video:x:44:app,root
nogroup:x:65534:
G
chmod 1777 "$stage/tmp" "$stage/var/tmp"
# A symlink aiming out of the root: mount targets under it must stay inside.
ln -s ../../../../../../../tmp "$stage/escape"
echo img0 > "$stage/etc/image-name"
# Ownership as an image would have it, whoever runs this script.
chown -R 0:0 "$stage" 2>/dev/null || true
chown 1000:1000 "$stage/home/app" 2>/dev/null || true
rm -f "$out/img0.erofs" "$out/img1.erofs"
mkfs.erofs "$out/img0.erofs" "$stage" >"$out/mkfs.log" 2>&1 || { cat "$out/mkfs.log" >&2; exit 1; }
echo img1 > "$stage/etc/image-name"
mkfs.erofs "$out/img1.erofs" "$stage" >"$out/mkfs.log" 2>&1 || { cat "$out/mkfs.log" >&2; exit 1; }
rm -rf "$stage"
touch "$stamp"
