#!/bin/sh
# arm64-vm.sh - what suite 25 boots under qemu-system-aarch64 to prove the
# aarch64 agent's sandbox on a real arm64 kernel: Debian 12's arm64 kernel
# (linux-image-arm64's image, /boot only) and busybox-static for the
# initramfs's shell, downloaded and unpacked by apt-foreign.sh into
# build/deps/arm64-vm/ (nothing outside the tree changes).
#
#   packaging/arm64-vm.sh [DEPS-DIR]        (make deps; default build/deps)
set -eu

deps=${1:-build/deps}
here=$(dirname "$0")
dest="$deps/arm64-vm"
stamp="$dest/.unpacked"
[ -f "$stamp" ] && exit 0

echo "arm64-vm: fetching Debian 12's arm64 kernel and busybox-static into $dest" >&2
rm -rf "$dest"
mkdir -p "$dest/meta"
sh "$here/apt-foreign.sh" "$deps" arm64 "$dest/meta" linux-image-arm64 busybox-static >/dev/null
# the metapackage names the kernel package of the day
k=$(dpkg-deb -f "$deps"/apt-arm64/debs/linux-image-arm64_*.deb Depends | sed 's/[ ,(].*//')
case $k in linux-image-*-arm64) ;; *) echo "arm64-vm: linux-image-arm64 depends on '$k'" >&2; exit 1 ;; esac
got=$(sh "$here/apt-foreign.sh" -m ./boot "$deps" arm64 "$dest" "$k")
ls "$dest"/boot/vmlinuz-* >/dev/null
[ -x "$dest/meta/bin/busybox" ] || { echo "arm64-vm: no bin/busybox in busybox-static" >&2; exit 1; }
rm -f "$deps"/apt-arm64/debs/*.deb	# 60 MB, unpacked already
echo "$got" > "$stamp"
echo "arm64-vm: $(ls "$dest"/boot/vmlinuz-*) and busybox in $dest" >&2
