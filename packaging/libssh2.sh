#!/bin/sh
# libssh2.sh - makes sure ronda can link libssh2 >= 1.11.1 (rsa-sha2 user
# auth, EtM MACs, AES-GCM, strict KEX against Terrapin, ed25519
# certificates).  Debian 12 ships 1.10.0, which has none of them.
#
# If the system's libssh2 (pkg-config) is recent enough, nothing is done.
# Otherwise Debian 13 (trixie)'s own source package, with Debian's patches,
# is fetched through apt with a private configuration inside the build tree
# (nothing under /etc/apt or /var/lib/apt changes; the archive keyring that
# bookworm already has signs trixie) and built into build/deps/libssh2/ as a
# static library, which the Makefile then links.
#
#   packaging/libssh2.sh [DEPS-DIR]        (make deps; default build/deps)
set -eu

need=1.11.1
deps=${1:-build/deps}
prefix="$deps/libssh2"
stamp="$prefix/.built-1.11.1"

# a >= b for dotted versions
ver_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

sys=$(pkg-config --modversion libssh2 2>/dev/null || echo 0)
if ver_ge "$sys" "$need"; then
	rm -rf "$prefix"	# the system's is used: no stale copy may win
	exit 0
fi
[ -f "$stamp" ] && exit 0

echo "libssh2: the system has $sys, ronda needs >= $need: building Debian 13's source package into $prefix" >&2
mkdir -p "$deps"
top=$(cd "$deps" && pwd)
apt="$top/apt"
rm -rf "$apt" "$top/libssh2-src" "$prefix"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$top/libssh2-src"
printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main\n' \
	> "$apt/sources.list"
set -- -q -o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=- \
	-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o APT::Get::List-Cleanup=0
apt-get "$@" update >&2
(cd "$top/libssh2-src" && apt-get "$@" source --download-only libssh2 >&2)
dsc=$(ls "$top"/libssh2-src/libssh2_1.11.*.dsc | head -1)
[ -n "$dsc" ] || { echo "libssh2: no libssh2 1.11 source package in trixie" >&2; exit 1; }
(cd "$top/libssh2-src" && dpkg-source -q -x "$dsc" tree >&2)
cmake -S "$top/libssh2-src/tree" -B "$top/libssh2-src/build" -DCMAKE_BUILD_TYPE=Release \
	-DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DCRYPTO_BACKEND=OpenSSL \
	-DENABLE_ZLIB_COMPRESSION=ON -DBUILD_EXAMPLES=OFF -DBUILD_TESTING=OFF \
	-DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_INSTALL_PREFIX="$top/libssh2" \
	-DCMAKE_INSTALL_LIBDIR=lib >&2
cmake --build "$top/libssh2-src/build" -j2 >&2
cmake --install "$top/libssh2-src/build" >&2
v=$(sed -n 's/^#define LIBSSH2_VERSION "\(.*\)"$/\1/p' "$prefix/include/libssh2.h")
ver_ge "$v" "$need" || { echo "libssh2: built $v, still older than $need" >&2; exit 1; }
basename "$dsc" .dsc > "$stamp"
echo "libssh2: built $v ($(cat "$stamp")) into $prefix" >&2
