#!/usr/bin/env bash
# Fills DIR with a small root filesystem made from Debian's busybox-static:
#   scripts/busybox-rootfs.sh DIR [MARKER]
# MARKER, when given, is written to /etc/image-marker.
set -euo pipefail
stage="$1"
marker="${2:-}"
mkdir -p "$stage"/{bin,etc,tmp,root,home/app,var/www,proc,sys,dev}
cp /bin/busybox "$stage/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$stage/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$stage/etc/passwd"
printf 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n' > "$stage/etc/group"
echo '<h1>Hello from a Peapod pod</h1>' > "$stage/var/www/index.html"
[ -z "$marker" ] || echo "$marker" > "$stage/etc/image-marker"
chmod 1777 "$stage/tmp"
chown -R 1000:1000 "$stage/home/app"
