#!/bin/sh
# musl-agent.sh - what the musl build of the agent needs, for each ARCH, in
# DEPS-DIR/musl/ARCH/: Debian 12's musl (libc.a, crt files, headers), a
# musl-gcc wrapper (bin/musl-gcc) that compiles and links against it with
# the compiler for ARCH, and the agent's libraries (libseccomp, jansson,
# zlib: AGENT_LIBS in the Makefile) built from Debian 12's source packages
# with that wrapper, static, into usr/include and usr/lib; and, for the
# build machine's own ARCH, cmocka, for the agent's unit tests linked the
# same way (make musl-unit-build).
#
# Why: a static agent on musl is about a third of the glibc one (no locale,
# printf/scanf/strtod tables, dlopen or iconv machinery pulled in), and a
# first patrol uploads, unpacks and hashes the agent on every host.
#
# Like agent-libs.sh, musl's packages come through apt-foreign.sh (a private
# apt configuration inside DEPS-DIR/musl, nothing under /etc/apt,
# /var/lib/apt or /var/lib/dpkg changes), unpacked with dpkg-deb -x; the
# sources through apt-get source with a private deb-src line, as
# libssh2.sh does.  Nothing is installed.  The kernel's uapi headers
# (linux/, asm/: seccomp, Landlock) are the system's linux-libc-dev for
# x86_64 and linux-libc-dev-arm64-cross for aarch64.
#
#   packaging/musl-agent.sh [DEPS-DIR] ARCH...   (make deps; ARCH: x86_64, aarch64)
set -eu

deps=${1:-build/deps}
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$deps/musl"
top=$(cd "$deps/musl" && pwd -P)
srcs="libseccomp jansson zlib cmocka"

# The three source packages, once for every ARCH; and gperf, which
# libseccomp's build runs on Debian's updated syscall table (a build tool:
# the build machine's architecture, unpacked into tools/, run from there).
fetch_sources() {
	[ -f "$top/src/.fetched" ] && [ "$(head -1 "$top/src/.fetched")" = "$srcs" ] && return 0
	rm -rf "$top/tools"
	sh "$here/apt-foreign.sh" "$top" "$(dpkg --print-architecture)" "$top/tools" gperf >&2
	[ -x "$top/tools/usr/bin/gperf" ] || { echo "musl-agent: no gperf in its package" >&2; exit 1; }
	apt="$top/apt-src"
	rm -rf "$apt" "$top/src"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$top/src"
	printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main\n' \
		> "$apt/sources.list"
	set -- -q -o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o APT::Get::List-Cleanup=0 \
		-o APT::Sandbox::User=root
	apt-get "$@" update >&2
	# shellcheck disable=SC2086
	(cd "$top/src" && apt-get "$@" source --download-only $srcs >&2)
	echo "$srcs" > "$top/src/.fetched.new"
	for s in $srcs; do
		dsc=$(ls "$top/src/${s}_"*.dsc | head -1)
		[ -n "$dsc" ] || { echo "musl-agent: no $s source package in bookworm" >&2; exit 1; }
		(cd "$top/src" && dpkg-source -q -x "$dsc" "$s" >&2)
		basename "$dsc" .dsc >> "$top/src/.fetched.new"
	done
	mv "$top/src/.fetched.new" "$top/src/.fetched"
}

# bin/musl-gcc: $cc with Debian's musl-gcc.specs, its paths made ours.
write_wrapper() {
	p=$1 cc=$2 mtrip=$3 kinc=$4 karch=$5
	mkdir -p "$p/bin" "$p/kernel"
	# only the uapi folders: glibc's own headers must not be seen
	for d in linux asm-generic; do ln -sfn "$kinc/$d" "$p/kernel/$d"; done
	ln -sfn "$karch" "$p/kernel/asm"
	l="$p/usr/lib/$mtrip" i="$p/usr/include/$mtrip"
	cat > "$p/musl-gcc.specs" <<EOF
%rename cpp_options old_cpp_options

*cpp_options:
-nostdinc -isystem $i -isystem $p/kernel -isystem include%s %(old_cpp_options)

*cc1:
%(cc1_cpu) -nostdinc -isystem $i -isystem $p/kernel -isystem include%s

*link_libgcc:
-L$l -L .%s

*libgcc:
libgcc.a%s %:if-exists(libgcc_eh.a%s)

*startfile:
%{!shared: $l/Scrt1.o} $l/crti.o crtbeginS.o%s

*endfile:
crtendS.o%s $l/crtn.o

*link:
-nostdlib %{shared:-shared} %{static:-static} %{rdynamic:-export-dynamic}

EOF
	printf '#!/bin/sh\nexec %s -specs=%s "$@"\n' "$cc" "$p/musl-gcc.specs" > "$p/bin/musl-gcc"
	chmod 0755 "$p/bin/musl-gcc"
}

build_libs() {
	p=$1 host=$2
	b="$p/build"
	rm -rf "$b"; mkdir -p "$b"
	cc="$p/bin/musl-gcc"
	flags="-O2 -g -fPIE -ffunction-sections -fdata-sections -fstack-protector-strong"
	cp -a "$top/src/zlib" "$b/zlib"
	(cd "$b/zlib" && CC=$cc CFLAGS=$flags CHOST=$host ./configure --static --prefix="$p/usr" >&2 &&
		make -j2 libz.a >&2 && make install >&2)
	cp -a "$top/src/libseccomp" "$b/libseccomp"
	(cd "$b/libseccomp" && ./configure --host="$host" --build="$(gcc -dumpmachine)" CC="$cc" \
		CFLAGS="$flags" --prefix="$p/usr" --libdir="$p/usr/lib" --enable-static --disable-shared \
		--disable-python GPERF="$top/tools/usr/bin/gperf" >&2 && make -j2 -C src libseccomp.la >&2 &&
		make -C src install-libLTLIBRARIES >&2 && make -C include install >&2)
	# jansson: CMake, as Debian builds it
	cmake -S "$top/src/jansson" -B "$b/jansson" -DCMAKE_SYSTEM_NAME=Linux \
		-DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$flags" -DCMAKE_BUILD_TYPE=None \
		-DJANSSON_BUILD_DOCS=OFF -DJANSSON_BUILD_SHARED_LIBS=OFF -DJANSSON_WITHOUT_TESTS=ON \
		-DJANSSON_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX="$p/usr" -DCMAKE_INSTALL_LIBDIR=lib >&2
	cmake --build "$b/jansson" -j2 >&2
	cmake --install "$b/jansson" >&2
	# cmocka (its own uintptr_t guess fails for aarch64): for the tests here
	if [ "$3" = "$(uname -m)" ]; then
		cmake -S "$top/src/cmocka" -B "$b/cmocka" -DCMAKE_SYSTEM_NAME=Linux \
			-DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$flags" -DCMAKE_BUILD_TYPE=None \
			-DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF \
			-DCMAKE_INSTALL_PREFIX="$p/usr" -DCMAKE_INSTALL_LIBDIR=lib >&2
		cmake --build "$b/cmocka" -j2 >&2
		cmake --install "$b/cmocka" >&2
		# only the static one, under the name -lcmocka finds
		mv "$p/usr/lib/libcmocka-static.a" "$p/usr/lib/libcmocka.a"
		rm -f "$p"/usr/lib/libcmocka.so*
	fi
	rm -rf "$b"
}

for arch in "$@"; do
	case $arch in
	x86_64) debarch=amd64 cc=gcc kinc=/usr/include karch=/usr/include/x86_64-linux-gnu/asm ;;
	aarch64) debarch=arm64 cc=aarch64-linux-gnu-gcc kinc=/usr/aarch64-linux-gnu/include
		karch=/usr/aarch64-linux-gnu/include/asm ;;
	*) echo "musl-agent: no Debian architecture known for $arch" >&2; exit 1 ;;
	esac
	mtrip=$arch-linux-musl
	p="$top/$arch"
	stamp="$p/.built"
	want="bookworm musl-dev $srcs"
	[ -f "$stamp" ] && [ "$(head -1 "$stamp")" = "$want" ] && continue
	command -v "$cc" >/dev/null || { echo "musl-agent: no $cc (make deps installs it)" >&2; exit 1; }
	[ -f "$karch/unistd.h" ] || { echo "musl-agent: no kernel headers in $karch" >&2; exit 1; }

	echo "musl-agent: Debian 12's $debarch musl and the agent's libraries ($srcs) into $p" >&2
	fetch_sources
	rm -rf "$p"
	got=$(sh "$here/apt-foreign.sh" "$top" "$debarch" "$p" musl-dev)
	[ -f "$p/usr/lib/$mtrip/libc.a" ] || { echo "musl-agent: no libc.a in musl-dev $debarch" >&2; exit 1; }
	write_wrapper "$p" "$cc" "$mtrip" "$kinc" "$karch"
	build_libs "$p" "$mtrip" "$arch"
	libs="libseccomp libjansson libz"
	[ "$arch" = "$(uname -m)" ] && libs="$libs libcmocka"
	for lib in $libs; do
		[ -f "$p/usr/lib/$lib.a" ] || { echo "musl-agent: $lib.a was not built for $arch" >&2; exit 1; }
	done
	{ echo "$want"; echo "$got"; tail -n +2 "$top/src/.fetched"; } > "$stamp"
	echo "musl-agent: $(tail -n +2 "$stamp" | tr '\n' ' ')built into $p" >&2
done
