#!/bin/sh
# build-deb.sh BUILD - builds BUILD/ronda_VERSION-1_ARCH.deb with dpkg-deb
# from `make install DESTDIR=... PREFIX=/usr` (see README, "Packaging and
# scheduling").
#
# Runtime dependencies are not written down: dpkg-shlibdeps finds the
# packages of the libraries ronda links (the agent is static).  Every file
# under /etc becomes a conffile, so upgrades keep what the operator changed.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
cd "$top"
version=$(sed -n 's/^#define RONDA_VERSION "\(.*\)"$/\1/p' common/version.h)
debver=$(sed -n '1s/^ronda (\(.*\)) .*/\1/p' packaging/debian/changelog)
case $debver in
"$version"-*) ;;
*) echo "build-deb: packaging/debian/changelog is at $debver, the code at $version" >&2; exit 1 ;;
esac
arch=$(dpkg --print-architecture)
stage=$BUILD/deb/root
work=$BUILD/deb/work
rm -rf "$BUILD/deb"
mkdir -p "$stage" "$work/debian"

make --no-print-directory NODEPS=1 BUILD="$BUILD" install DESTDIR="$stage" \
	PREFIX=/usr SYSCONFDIR=/etc UNITDIR=/lib/systemd/system \
	BASHCOMPDIR=/usr/share/bash-completion/completions >/dev/null

# Debian ships binaries stripped (debug symbols would go to a -dbgsym).
# The agents come stripped from the build (each by its own architecture's
# strip); the orchestrator is stripped here.
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/ronda"
# Debian's layout: compressed man pages and changelog, copyright, overrides.
gzip -9n "$stage"/usr/share/man/man*/*
install -m 0644 packaging/debian/copyright "$stage/usr/share/doc/ronda/copyright"
gzip -9nc packaging/debian/changelog > "$stage/usr/share/doc/ronda/changelog.Debian.gz"
gzip -9n "$stage/usr/share/doc/ronda/PROTOCOL.md"
install -d "$stage/usr/share/lintian/overrides"
grep -v '^#' packaging/debian/lintian-overrides > "$stage/usr/share/lintian/overrides/ronda"
# The agents for other architectures: each static, with zlib, and not for
# this machine's architecture, which is the point (README, "Mixed fleets");
# ronda-agent(8) is their manual page too.
for a in "$stage"/usr/bin/ronda-agent.*; do
	[ -e "$a" ] || continue
	n=usr/bin/${a##*/}
	printf 'ronda: statically-linked-binary [%s]\nronda: embedded-library zlib [%s]\nronda: binary-from-other-architecture [%s]\nronda: no-manual-page [%s]\n' \
		"$n" "$n" "$n" "$n" >> "$stage/usr/share/lintian/overrides/ronda"
done
# libssh2 linked in (the system's is older than 1.11.1): say why.
if ! ldd "$BUILD/ronda" | grep -q 'libssh2\.so'; then
	grep -v '^#' packaging/debian/lintian-overrides.libssh2 >> "$stage/usr/share/lintian/overrides/ronda"
fi
chmod 0644 "$stage/usr/share/lintian/overrides/ronda"

# dpkg-shlibdeps wants a source tree with debian/control.
printf 'Source: ronda\n\nPackage: ronda\nArchitecture: any\n' > "$work/debian/control"
shlibs=$(cd "$work" && dpkg-shlibdeps -O "$stage/usr/bin/ronda" \
	"$stage/usr/bin/ronda-agent" 2>"$work/shlibdeps.err" |
	sed -n 's/^shlibs:Depends=//p') || { cat "$work/shlibdeps.err" >&2; exit 1; }
[ -n "$shlibs" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

install -d -m 0755 "$stage/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s|@VERSION@|$debver|" -e "s|@ARCH@|$arch|" -e "s|@SIZE@|$size|" \
	-e "s|@SHLIBS@|$shlibs|" packaging/debian/control.in > "$stage/DEBIAN/control"
(cd "$stage" && find etc -type f | sort | sed 's|^|/|') > "$stage/DEBIAN/conffiles"
install -m 0755 packaging/debian/postinst packaging/debian/postrm "$stage/DEBIAN/"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort |
	xargs md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"

deb=$BUILD/ronda_${debver}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
