#!/bin/sh
# agent-libs.sh - the static libraries the agent links (libseccomp, jansson,
# zlib: AGENT_LIBS in the Makefile), for each architecture the agent is
# cross-built for, into build/deps/ARCH/ (headers in usr/include, archives
# in usr/lib/TRIPLET).
#
# They are Debian 12's own -dev packages for that architecture, the same
# versions the x86_64 agent links, fetched with apt through a private
# configuration inside the build tree and unpacked with dpkg-deb -x.  Nothing
# under /etc/apt or /var/lib/apt (or /var/lib/dpkg) changes, and no
# architecture is added to dpkg: apt-get download never installs, so it
# does not ask dpkg about the architecture.
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
	mkdir -p "$deps"
	top=$(cd "$deps" && pwd)
	apt="$top/apt-$debarch"
	rm -rf "$apt" "$top/$arch"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs" "$top/$arch"
	printf 'deb [arch=%s signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main\n' \
		"$debarch" > "$apt/sources.list"
	# Dir::State::status: an empty dpkg status, so apt never reads or
	# judges the machine's packages for a foreign architecture.
	: > "$apt/status"
	set -- -q -o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" \
		-o Dir::State::status="$apt/status" -o APT::Get::List-Cleanup=0 \
		-o APT::Architecture="$debarch" -o APT::Architectures="$debarch" \
		-o APT::Sandbox::User=root
	apt-get "$@" update >&2
	# shellcheck disable=SC2086
	(cd "$apt/debs" && apt-get "$@" download $pkgs >&2)
	for d in "$apt"/debs/*.deb; do
		dpkg-deb -x "$d" "$top/$arch"
	done
	for lib in libseccomp libjansson libz; do
		[ -f "$top/$arch/usr/lib/$triplet/$lib.a" ] ||
			{ echo "agent-libs: no $lib.a for $debarch in $pkgs" >&2; exit 1; }
	done
	{ echo "$want"; (cd "$apt/debs" && ls); } > "$stamp"
	echo "agent-libs: $(tail -n +2 "$stamp" | tr '\n' ' ')unpacked into $prefix" >&2
done
