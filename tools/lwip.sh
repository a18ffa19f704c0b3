#!/usr/bin/env bash
# Fetches lwIP's source from Debian (apt-get source lwip) and builds it as an
# archive into a cache outside the work tree, for user programs or for the host
# unit tests. Silent when the cached build is current.
#
#   tools/lwip.sh [--target|--host]        build if missing (default --target)
#   tools/lwip.sh [--target|--host] --lib  print the archive's path; builds nothing
#   tools/lwip.sh --include                print lwIP's include directory; builds nothing
#
# The cache is ${SIETCH_CACHE:-$HOME/.cache/sietch}/lwip-<version>: src/ holds
# the unpacked source, <kind>-<key>/liblwip.a each build, where the key hashes
# the version, the compiler, the flags below and lib/lwip-port/include (lwIP's
# options are compiled in), so changing any of them builds a new archive.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VERSION=2.1.3 # Debian 12's lwip source package
CACHE=${SIETCH_CACHE:-$HOME/.cache/sietch}
BASE=$CACHE/lwip-$VERSION
SRC=$BASE/src

die() { echo "lwip: $*" >&2; exit 1; }
usage() { sed -n '2,14s/^# \{0,1\}//p' "$0"; }

kind=target action=build
for a in "$@"; do
	case "$a" in
	--target) kind=target ;;
	--host) kind=host ;;
	--lib) action=lib ;;
	--include) echo "$SRC/src/include"; exit 0 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

# lwIP proper: the core, IPv4 and Ethernet (the src/Filelists.mk lists, minus
# IPv6, the sequential APIs, PPP and 6LoWPAN, which Sietch does not configure).
FILES=(
	core/init.c core/def.c core/inet_chksum.c core/ip.c core/mem.c core/memp.c
	core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c core/tcp.c
	core/tcp_in.c core/tcp_out.c core/timeouts.c core/udp.c
	core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4_frag.c
	core/ipv4/ip4.c core/ipv4/ip4_addr.c
	netif/ethernet.c
)

# Programs: as user/user.mk compiles them (newlib, no glibc header). The host:
# as the unit tests are compiled, sanitizers included, since lwIP runs inside them.
if [ $kind = target ]; then
	NEWLIB=$(tools/newlib.sh --prefix)
	CFLAGS="-std=gnu11 -O2 -g -fno-stack-protector -fno-pie -fno-pic -ffreestanding \
-nostdinc -isystem $NEWLIB/x86_64-elf/include -isystem $(gcc -print-file-name=include)"
else
	CFLAGS="-std=gnu11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all"
fi
CFLAGS="$CFLAGS -w -Ilib/lwip-port/include -I$SRC/src/include"

key=$( {
	echo "$VERSION $kind"
	gcc -dumpfullversion
	echo "$CFLAGS" "${FILES[@]}"
	cat lib/lwip-port/include/*.h lib/lwip-port/include/*/*.h
} | sha256sum | cut -c1-12)
OUT=$BASE/$kind-$key
LIB=$OUT/liblwip.a

if [ $action = lib ]; then
	echo "$LIB"
	exit 0
fi
[ -f "$LIB" ] && exit 0

mkdir -p "$BASE"
exec 9>"$BASE/lock"
flock 9 # another make may be building it right now
[ -f "$LIB" ] && exit 0

# --- the source, once ------------------------------------------------------------

if [ ! -f "$SRC/src/core/init.c" ]; then
	echo "lwip: fetching lwip $VERSION with apt-get source (needs deb-src; tools/deps.sh adds it)"
	command -v dpkg-source >/dev/null || die "dpkg-source is missing: install dpkg-dev (tools/deps.sh does)"
	dl=$(mktemp -d "${TMPDIR:-/tmp}/sietch-lwip.XXXXXX")
	trap 'rm -rf "$dl"' EXIT
	(cd "$dl" && apt-get source -q --download-only lwip >log 2>&1) ||
		{ cat "$dl/log" >&2; die "apt-get source lwip failed"; }
	rm -rf "$SRC.new"
	# Unpacks and applies Debian's patches (a CVE fix among them).
	dpkg-source -q -x "$dl"/lwip_*.dsc "$SRC.new" >"$dl/log" 2>&1 ||
		{ cat "$dl/log" >&2; die "dpkg-source -x failed"; }
	grep -q "LWIP_VERSION_REVISION *3" "$SRC.new/src/include/lwip/init.h" ||
		die "the source is not lwip $VERSION"
	rm -rf "$SRC"
	mv "$SRC.new" "$SRC"
	rm -f "$BASE"/lwip_*.orig.tar.* # dpkg-source links the tarball beside what it unpacks
fi

# --- build -----------------------------------------------------------------------

echo "lwip: building $VERSION for the $kind into $OUT"
rm -rf "$OUT.new"
mkdir -p "$OUT.new"
objs=()
for f in "${FILES[@]}"; do
	o=$OUT.new/$(echo "$f" | tr / _ | sed 's/\.c$/.o/')
	# shellcheck disable=SC2086
	gcc $CFLAGS -c "$SRC/src/$f" -o "$o" || die "compiling $f failed"
	objs+=("$o")
done
ar rcs "$OUT.new/liblwip.a" "${objs[@]}"
rm -f "${objs[@]}"
rm -rf "$OUT"
mv "$OUT.new" "$OUT"
