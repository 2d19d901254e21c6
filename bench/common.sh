# Sourced by the bench scripts: builds what they need and sets $classpath,
# $image (busybox erofs) and $poweroff_initrd.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/install-deps.sh
make -s kernel guest-init >/dev/null
mvn -B -ntp -q package -DskipTests -pl bench -am
classpath="$(cat bench/target/classpath):bench/target/classes"
work="build/bench"
mkdir -p "$work/poweroff"
image="$work/busybox.erofs"
[ -f "$image" ] || scripts/busybox-image.sh "$image"
musl-gcc -static -Os -o "$work/poweroff/init" bench/poweroff-init/init.c
(cd "$work/poweroff" && echo init | cpio -o -H newc -R 0:0 --quiet > ../poweroff.cpio)
poweroff_initrd="$work/poweroff.cpio"
export PEAPOD_KERNEL="${PEAPOD_KERNEL:-$root/build/vmlinux}" PEAPOD_INITRD="${PEAPOD_INITRD:-$root/build/initramfs.cpio}" \
  PEAPOD_VM_MOUNTS="${PEAPOD_VM_MOUNTS:-$root/build/peapod-vm-mounts}"
