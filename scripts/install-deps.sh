#!/usr/bin/env bash
# Installs the Debian 12 packages that building, running and testing Peapod need.
# Cheap when everything is present: apt is only called for missing packages.
#
# The list is for a minimal Debian 12 (debootstrap --variant=minbase) with packages installed
# --no-install-recommends, so a tool that most machines happen to have (file, patch, curl) is
# named all the same. A package installed by hand for Peapod goes here in the same commit.
set -euo pipefail

packages=(
  # kernel build (patch: kernel/patches)
  make gcc bc flex bison libelf-dev libssl-dev lz4 xz-utils cpio patch linux-source-6.1
  # guest-init: static musl binary, libFuzzer target
  musl-tools clang libclang-rt-14-dev
  # the VMs and their root filesystems; each VM's network is a passt, which perl (perl-base) starts on QEMU's
  # socket once QEMU is seen to listen there; socat: only tests act through sockets with it (not in the
  # agent image); what VMs need at run time is also in scripts/agent-image's package list: keep the two in step
  qemu-system-x86 erofs-utils passt socat
  # each VM's container log and console are capped and rotated by rotatelogs, started as passt is
  apache2-utils
  # test images are made from busybox; guest-init's mkimage.sh checks it is static with file
  busybox-static file
  # host side (strace: common/files checks the order of fsync and rename)
  openjdk-17-jdk-headless maven strace
  # images: test registry and baseline tools (reconciler/images, bench/image-pull); setfattr for non-user xattrs
  docker-registry skopeo umoci attr
  # scripts/setup's closing lines tell you to curl the example pods
  curl
  # git sources (reconciler/git): git daemon and git http-backend come with git; the tests serve
  # smart HTTP through lighttpd and ssh:// through a private sshd
  git lighttpd openssh-server
  # a real-world seccomp profile (containers/common's, as podman and CRI-O ship it) that the Localhost
  # profile tests load (LocalhostSeccompProfilesTest, SecurityContextIT)
  golang-github-containers-common
  # grpc and HTTPS probes are tested against independent servers: scripts/probe-server, built offline
  # from Debian's Go sources (grpc-go's health server, Go's crypto/tls)
  golang-go golang-google-grpc-dev
  # bench/controller-webhook signs its webhooks with openssl dgst -hmac
  openssl
  # the controller's systemd unit is checked with systemd-analyze verify
  systemd
  # bench/vs-podman: podman with runc (crun refuses these machines' hybrid cgroups), conmon, the CNI
  # plugins and iptables for a pod's host port, catatonit for the pod's infra container; uidmap,
  # slirp4netns and fuse-overlayfs for podman run by a user other than root; gnuplot draws the plots
  podman runc conmon containernetworking-plugins iptables catatonit uidmap slirp4netns fuse-overlayfs gnuplot-nox
  # the node agent's container image (scripts/agent-image) is a Debian root made by mmdebstrap
  # (gpg: it reads the archive keyring with it)
  mmdebstrap gpg
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
