#!/usr/bin/env bash
# Installs the Debian packages Sietch is built and tested with, then builds the
# C library for user programs (tools/newlib.sh) and lwIP (tools/lwip.sh) into the cache.
#
#   tools/deps.sh           install whatever is missing; silent when nothing is
#   tools/deps.sh --check   only print what would be done; exit 1 if anything would
#
# Written for Debian 12 (bookworm); needs root for apt, through sudo when not root.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

QEMU_MIN=10
SOURCES_DIR=/etc/apt/sources.list.d
BACKPORTS_FILE=$SOURCES_DIR/sietch-backports.sources
DEBSRC_FILE=$SOURCES_DIR/sietch-debsrc.sources
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
MIRROR=http://deb.debian.org/debian

# One line per group: the reason it is needed, then its packages.
GROUPS_TABLE=(
	"QEMU >= $QEMU_MIN (the first with igb)|qemu-system-x86 qemu-utils"
	"grub-mkrescue builds the ISO|grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools"
	"UEFI firmware for the OVMF boot test|ovmf"
	"cmocka for the host unit tests|libcmocka-dev"
	"newlib, the C library for user programs|newlib-source texinfo"
	"dpkg-source unpacks lwIP's source (tools/lwip.sh)|dpkg-dev"
	"compiler, build and debug tools|gcc make binutils python3 gdb"
	"clang-format 14 for make format and its check|clang-format-14"
	"Redis to compare the kvstore with, its clients, and make bench's plots and Linux guest|redis-server redis-tools python3-matplotlib busybox-static"
	"Bochs 2.7 runs the VMX back end (tools/bochs)|bochs bochsbios vgabios bochs-term"
)
QEMU_PACKAGES=" qemu-system-x86 qemu-utils "

usage() { sed -n '2,8s/^# \{0,1\}//p' "$0"; }

check_only=0
case "${1:-}" in
"") ;;
--check) check_only=1 ;;
-h | --help) usage; exit 0 ;;
*) usage >&2; exit 2 ;;
esac

say() { echo "deps: $*"; }

# Apt sources are only managed on Debian itself; elsewhere the packages come from
# whatever is configured.
codename=$(. /etc/os-release 2>/dev/null && [ "${ID:-}" = debian ] && echo "${VERSION_CODENAME:-}" || true)
backports=
if [ "$codename" = bookworm ]; then
	backports=bookworm-backports # bookworm itself has QEMU 7.2
fi

# --- what is installed ---------------------------------------------------------

all_packages=$(printf '%s\n' "${GROUPS_TABLE[@]}" | cut -d'|' -f2 | tr '\n' ' ')
declare -A installed_version=()
while read -r pkg status version; do
	[ "$status" = ii ] && installed_version[$pkg]=$version
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev} ${Version}\n' $all_packages 2>/dev/null || true)

package_ok() {
	local v=${installed_version[$1]:-}
	[ -n "$v" ] || return 1
	case "$QEMU_PACKAGES" in
	*" $1 "*) dpkg --compare-versions "$v" ge "1:$QEMU_MIN~" ;; # Debian's QEMU carries epoch 1
	*) return 0 ;;
	esac
}

missing_groups=() # "reason|packages"
qemu_missing=0
for entry in "${GROUPS_TABLE[@]}"; do
	missing=()
	for pkg in ${entry#*|}; do
		package_ok "$pkg" || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && continue
	missing_groups+=("${entry%%|*}|${missing[*]}")
	case " ${missing[*]} " in *" qemu-system-x86 "* | *" qemu-utils "*) qemu_missing=1 ;; esac
done

# --- which apt sources are configured -------------------------------------------

targets=$(apt-get indextargets --no-release-info --format '$(TARGET_OF) $(RELEASE) $(COMPONENT)' 2>/dev/null | sort -u || true)
has_target() { grep -qxF "$1" <<<"$targets"; }

add_sources=() # "file|reason"
if [ -n "$codename" ] && ! has_target "deb-src $codename main"; then
	add_sources+=("$DEBSRC_FILE|deb-src for $codename main, for apt-get source (lwIP)")
fi
if [ $qemu_missing = 1 ] && [ -n "$backports" ] && ! has_target "deb $backports main"; then
	add_sources+=("$BACKPORTS_FILE|$backports, for QEMU >= $QEMU_MIN")
fi

newlib() {
	if [ -f tools/newlib.sh ]; then bash tools/newlib.sh; fi
	if [ -f tools/lwip.sh ]; then bash tools/lwip.sh --target && bash tools/lwip.sh --host; fi
}

if [ ${#missing_groups[@]} -eq 0 ] && [ ${#add_sources[@]} -eq 0 ]; then
	[ $check_only = 1 ] || newlib
	exit 0
fi

# --- say what is to be done ----------------------------------------------------

for s in "${add_sources[@]}"; do
	say "adding ${s%%|*}: ${s#*|}"
done
say "apt-get update"
for g in "${missing_groups[@]}"; do
	pkgs=${g#*|}
	from=
	case " $pkgs " in *" qemu-"*) [ -n "$backports" ] && from=" from $backports" ;; esac
	say "installing $pkgs$from: ${g%%|*}"
done
[ $check_only = 0 ] || exit 1

# --- do it, as root ------------------------------------------------------------

if [ "$(id -u)" = 0 ]; then
	as_root() { "$@"; }
elif command -v sudo >/dev/null; then
	as_root() { sudo "$@"; }
else
	echo "deps: root is needed for apt and sudo is not installed; run as root: $0" >&2
	exit 1
fi

log=$(mktemp -t sietch-deps.XXXXXX)
trap 'rm -f "$log"' EXIT
quietly() { # run as root, showing the output only when it fails
	if ! as_root env DEBIAN_FRONTEND=noninteractive "$@" >"$log" 2>&1; then
		cat "$log" >&2
		echo "deps: failed: $*" >&2
		exit 1
	fi
}

write_source() {
	local file=$1 types=$2 suite=$3
	printf 'Types: %s\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
		"$types" "$MIRROR" "$suite" "$KEYRING" | as_root tee "$file" >/dev/null
}
for s in "${add_sources[@]}"; do
	case "${s%%|*}" in
	"$DEBSRC_FILE") write_source "$DEBSRC_FILE" deb-src "$codename" ;;
	"$BACKPORTS_FILE") write_source "$BACKPORTS_FILE" "deb deb-src" "$backports" ;;
	esac
done

quietly apt-get update -q
apt_install=(apt-get install -y -q --no-install-recommends)
qemu_pkgs=() other_pkgs=()
for g in "${missing_groups[@]}"; do
	for pkg in ${g#*|}; do
		case "$QEMU_PACKAGES" in *" $pkg "*) qemu_pkgs+=("$pkg") ;; *) other_pkgs+=("$pkg") ;; esac
	done
done
if [ ${#qemu_pkgs[@]} -gt 0 ]; then
	# Both from one source: qemu-utils must match qemu-system-x86's version.
	quietly "${apt_install[@]}" ${backports:+-t "$backports"} qemu-system-x86 qemu-utils
	v=$(dpkg-query -W -f='${Version}' qemu-system-x86)
	if ! dpkg --compare-versions "$v" ge "1:$QEMU_MIN~"; then
		echo "deps: qemu-system-x86 $v is older than $QEMU_MIN; igb needs QEMU >= $QEMU_MIN" >&2
		exit 1
	fi
fi
if [ ${#other_pkgs[@]} -gt 0 ]; then
	quietly "${apt_install[@]}" "${other_pkgs[@]}"
fi

newlib
