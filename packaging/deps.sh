#!/bin/sh
# Installs the Debian packages ronda needs to build, test and demo.
# Does nothing (and never touches the network) when everything is present.
# chromium (about 100 MB) is only for the test that screenshots the --html
# report in a headless browser; that test skips, saying so, without it.
# logrotate is what suite 64 and make rotate-bench compare the rotate task with;
# faketime runs logrotate at the test's own "now" in suite 64.
# clang-14 and its runtime (libFuzzer, sanitizers) build the fuzz targets.
# cmake and xz-utils build libssh2 1.11.1 from Debian 13's source package
# where the system's is older (packaging/libssh2.sh).
# gcc-aarch64-linux-gnu (with its libc6-dev-arm64-cross, a static glibc for
# arm64, whose linux-libc-dev-arm64-cross has the kernel headers the musl
# build uses; musl itself is unpacked into build/deps, packaging/musl-agent.sh)
# cross-builds the aarch64 agent; qemu-user-static runs it here for
# its tests (suite 24) and for the fleet's aarch64 stand-in host, without
# registering anything with binfmt_misc.  qemu-system-arm boots Debian's
# arm64 kernel for suite 25 (packaging/arm64-vm.sh fetches it), and cpio
# packs that machine's initramfs.
# slurm-wlm and munge: suite 76 starts a one-node Slurm cluster (slurmctld,
# slurmd and its own munged, on loopback) to run packaging/slurm's sharded
# patrol for real; kubectl's client validates packaging/kubernetes offline
# where it is installed (Debian 12 has no kubectl package), and python3-yaml
# parses those manifests.
set -eu

PKGS="build-essential pkg-config file
libssh2-1-dev libssl-dev libev-dev libconfig-dev zlib1g-dev
libcmocka-dev libseccomp-dev libjansson-dev libc-ares-dev
openssh-server openssh-client valgrind procps iproute2 bc jq time
mandoc groff-base man-db dpkg-dev lintian systemd sudo logrotate faketime
clang-14 libclang-rt-14-dev cmake xz-utils
gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static qemu-system-arm cpio
chromium
slurm-wlm munge python3-yaml"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages and not root; run as root: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
