#!/usr/bin/env bash
# Builds newlib, the C library of Sietch's user programs, from Debian's
# newlib-source package for the x86_64-elf target with the host gcc, into a
# cache outside the work tree. Silent when the cached build is current.
#
#   tools/newlib.sh           build if missing or built with other flags
#   tools/newlib.sh --prefix  print the install prefix (include/ and lib/ are
#                             under <prefix>/x86_64-elf); builds nothing
#
# The cache is ${SIETCH_CACHE:-$HOME/.cache/sietch}; the install is keyed by the
# newlib version (its directory name) and by a hash of the flags below (a stamp
# file in it), so changing a flag here rebuilds.
set -euo pipefail

SRC_PKG=newlib-source
SRC_DIR=/usr/src/newlib # where the Debian package puts its tarball
TARGET=x86_64-elf
CACHE=${SIETCH_CACHE:-$HOME/.cache/sietch}

die() { echo "newlib: $*" >&2; exit 1; }

# --- which newlib ---------------------------------------------------------------

# The version is in the tarball's name; when several are there, the one that
# matches the installed package wins.
tarballs=("$SRC_DIR"/newlib-*.tar.*)
if [ ! -e "${tarballs[0]}" ]; then
	die "no $SRC_DIR/newlib-*.tar.*: install $SRC_PKG (tools/deps.sh does)"
fi
if [ ${#tarballs[@]} -eq 1 ]; then
	tarball=${tarballs[0]}
else
	pkg_version=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null) ||
		die "several tarballs in $SRC_DIR and $SRC_PKG is not installed"
	upstream=${pkg_version#*:}
	upstream=${upstream%-*}
	tarball=$(ls "$SRC_DIR/newlib-$upstream".tar.* 2>/dev/null | head -n1) ||
		die "no tarball in $SRC_DIR for $SRC_PKG $pkg_version"
	[ -n "$tarball" ] || die "no tarball in $SRC_DIR for $SRC_PKG $pkg_version"
fi
version=${tarball##*/newlib-}
version=${version%.tar.*}
PREFIX=$CACHE/newlib-$version

case "${1:-}" in
"") ;;
--prefix) echo "$PREFIX"; exit 0 ;;
-h | --help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
*) sed -n '2,12s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac

# --- how it is built --------------------------------------------------------------

# There is no x86_64-elf cross compiler: the host gcc builds for the target.
# Freestanding, so nothing of glibc's leaks in: -nostdinc drops /usr/include
# and gcc's own headers (stddef.h, stdarg.h, limits.h...) come after newlib's.
# User programs are static, non-PIE, linked at 0x400000 (lib/libc/user.ld).
GCC_INCLUDE=$(gcc -print-file-name=include)
TARGET_CFLAGS="-ffreestanding -fno-stack-protector -fno-pie -fno-pic -mcmodel=small \
-fno-asynchronous-unwind-tables -O2 -g -nostdinc -isystem $GCC_INCLUDE"
CONFIGURE_ARGS=(
	--target=$TARGET
	--disable-multilib
	--disable-nls
	--disable-newlib-supplied-syscalls # lib/libc provides them
	--enable-newlib-io-long-long
	--enable-newlib-io-c99-formats
	--enable-newlib-retargetable-locking # lib/libc may give real locks later
)
TOOLS_FOR_TARGET=(
	CC_FOR_TARGET=gcc
	AS_FOR_TARGET=as
	LD_FOR_TARGET=ld
	AR_FOR_TARGET=ar
	RANLIB_FOR_TARGET=ranlib
	NM_FOR_TARGET=nm
	OBJCOPY_FOR_TARGET=objcopy
	OBJDUMP_FOR_TARGET=objdump
	READELF_FOR_TARGET=readelf
	STRIP_FOR_TARGET=strip
	"CFLAGS_FOR_TARGET=$TARGET_CFLAGS"
)

# Anything that changes the result goes into the key.
key=$( {
	echo "$tarball $(stat -c '%s %Y' "$tarball")"
	gcc -dumpfullversion
	printf '%s\n' "${CONFIGURE_ARGS[@]}" "${TOOLS_FOR_TARGET[@]}"
} | sha256sum | cut -c1-16)
STAMP=$PREFIX/.sietch-build

current() { [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$key" ]; }
# Make rules depend on the stamp; keep it no older than this script so an edit
# that leaves the flags alone does not make them run this again and again.
touch_stamp() { [ "$STAMP" -nt "$0" ] || touch "$STAMP"; }

if current; then
	touch_stamp
	exit 0
fi

# --- build ----------------------------------------------------------------------

mkdir -p "$CACHE"
exec 9>"$CACHE/newlib-$version.lock"
flock 9 # another make may be building it right now
if current; then
	exit 0
fi

log=$CACHE/newlib-$version.log
echo "newlib: building $version into $PREFIX (takes a few minutes, once)"

work=$(mktemp -d "${TMPDIR:-/tmp}/sietch-newlib.XXXXXX")
trap 'rm -rf "$work"' EXIT
staging=$PREFIX.new
rm -rf "$staging"

# Steps chained by && : set -e does not apply inside the `if` below.
build() {
	set -x
	mkdir "$work/src" "$work/build" &&
		tar -xf "$tarball" -C "$work/src" --strip-components=1 &&
		cd "$work/build" &&
		env "${TOOLS_FOR_TARGET[@]}" "$work/src/configure" --prefix="$staging" \
			"${CONFIGURE_ARGS[@]}" &&
		make -j"$(nproc)" all-target-newlib &&
		make install-target-newlib
}
if ! (build) >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	rm -rf "$staging"
	die "build failed; the whole log is $log"
fi
[ -f "$staging/$TARGET/lib/libc.a" ] || die "no $TARGET/lib/libc.a after the build; see $log"

echo "$key" >"$staging/.sietch-build"
rm -rf "$PREFIX"
mv "$staging" "$PREFIX"
