#!/bin/sh
# apt-foreign.sh - downloads Debian 12 packages of another architecture and
# unpacks them, for what the build needs of that architecture (the agent's
# libraries: agent-libs.sh; the arm64 kernel of suite 25: arm64-vm.sh).
#
#   packaging/apt-foreign.sh [-m MEMBER] DEPS-DIR DEBARCH DEST PKG...
#
# -m MEMBER unpacks only that path of each package (./boot: a kernel
# without its 300 MB of modules).
#
# apt runs with a private configuration in DEPS-DIR/apt-DEBARCH: its own
# sources line (arch=DEBARCH, signed by the archive keyring bookworm has),
# lists, cache and an empty dpkg status, so apt never reads or judges the
# machine's packages.  apt-get download never installs, so it does not ask
# dpkg about the architecture: none is added, and nothing under /etc/apt,
# /var/lib/apt or /var/lib/dpkg changes.  Each package is unpacked into DEST
# with dpkg-deb -x (no maintainer script runs); the file names of the
# packages are printed on stdout.
set -eu

member=""
if [ "${1:-}" = -m ]; then member=$2; shift 2; fi
deps=$1 debarch=$2 dest=$3
shift 3
mkdir -p "$deps"
top=$(cd "$deps" && pwd)
apt="$top/apt-$debarch"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs" "$dest"
printf 'deb [arch=%s signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main\n' \
	"$debarch" > "$apt/sources.list"
: > "$apt/status"
apt_() {
	apt-get -q -o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" \
		-o Dir::State::status="$apt/status" -o APT::Get::List-Cleanup=0 \
		-o APT::Architecture="$debarch" -o APT::Architectures="$debarch" \
		-o APT::Sandbox::User=root "$@"
}
apt_ update >&2
rm -f "$apt"/debs/*.deb
(cd "$apt/debs" && apt_ download "$@" >&2)
for d in "$apt"/debs/*.deb; do
	if [ -n "$member" ]; then
		dpkg-deb --fsys-tarfile "$d" | tar -x -C "$dest" "$member"
	else
		dpkg-deb -x "$d" "$dest"
	fi
	basename "$d"
done
