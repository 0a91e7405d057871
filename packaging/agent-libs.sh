#!/bin/sh
# agent-libs.sh - the static libraries the agent links (libseccomp, jansson,
# zlib: AGENT_LIBS in the Makefile), for each architecture the agent is
# cross-built for, into build/deps/ARCH/ (headers in usr/include, archives
# in usr/lib/TRIPLET).
#
# They are Debian 12's own -dev packages for that architecture, the same
# versions the x86_64 agent links, fetched by apt-foreign.sh with a private
# apt configuration inside the build tree and unpacked with dpkg-deb -x.
# Nothing under /etc/apt, /var/lib/apt or /var/lib/dpkg changes, and no
# architecture is added to dpkg.
#
#   packaging/agent-libs.sh [DEPS-DIR] ARCH...   (make deps; ARCH: aarch64)
set -eu

deps=${1:-build/deps}
[ $# -gt 0 ] && shift
pkgs="libseccomp-dev libjansson-dev zlib1g-dev"

for arch in "$@"; do
	case $arch in
	aarch64) debarch=arm64 triplet=aarch64-linux-gnu ;;
	*) echo "agent-libs: no Debian architecture known for $arch" >&2; exit 1 ;;
	esac
	prefix="$deps/$arch"
	stamp="$prefix/.unpacked"
	want="bookworm $pkgs"
	[ -f "$stamp" ] && [ "$(head -1 "$stamp")" = "$want" ] && continue

	echo "agent-libs: fetching Debian 12's $debarch $pkgs into $prefix" >&2
	rm -rf "$prefix"
	# shellcheck disable=SC2086
	got=$(sh "$(dirname "$0")/apt-foreign.sh" "$deps" "$debarch" "$prefix" $pkgs)
	top=$(cd "$deps" && pwd)
	for lib in libseccomp libjansson libz; do
		[ -f "$top/$arch/usr/lib/$triplet/$lib.a" ] ||
			{ echo "agent-libs: no $lib.a for $debarch in $pkgs" >&2; exit 1; }
	done
	{ echo "$want"; echo "$got"; } > "$stamp"
	echo "agent-libs: $(tail -n +2 "$stamp" | tr '\n' ' ')unpacked into $prefix" >&2
done
