#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# linux-source.sh [--tarball] SERIES [CACHE]
#
# Make the parts of Debian's linux-source-SERIES (6.12 from bookworm, 7.3 from
# trixie-backports) that libiommufd's tests read available under CACHE, and
# print the path of the extracted tree. Nothing is installed and the system's
# apt configuration is untouched: the package is fetched with `apt-get
# download` through a private sources list, then unpacked with dpkg -x.
#
# CACHE defaults to $LIBIOMMUFD_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/libiommufd.
# Extracted members: the iommufd selftest and its harness headers, the uAPI
# headers (iommufd.h, vfio.h), drivers/iommu/iommufd/iommufd_test.h and the
# top Makefile (for the version). A second call reuses everything.
#
# --tarball: only make sure the full source tarball is there (download it if
# not) and print its path instead; nothing is extracted (tests/kernel builds a
# whole kernel from it).
set -euo pipefail

print_tarball=0
if [[ ${1:-} == --tarball ]]; then
	print_tarball=1
	shift
fi
series=${1:?usage: linux-source.sh [--tarball] SERIES [CACHE]}
cache=${2:-${LIBIOMMUFD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libiommufd}}
dl="$cache/deb-$series"
tree_root="$cache/src-$series"
mkdir -p "$dl" "$tree_root"

log() { printf 'linux-source.sh: %s\n' "$*" >&2; }

exec 9>"$cache/.lock-$series"
flock 9

tarball=$(ls "$dl"/usr/src/linux-source-"$series".tar.* 2>/dev/null | head -1 || true)
if [[ -z "$tarball" ]]; then
	# shellcheck source=scripts/debian-apt.sh
	. "$(dirname "${BASH_SOURCE[0]}")/debian-apt.sh"
	debian_apt_private "$dl/.apt" bookworm bookworm-backports trixie trixie-backports \
		bookworm-security trixie-security || exit 2
	o=("${DEBIAN_APT_OPTS[@]}")
	log "fetching linux-source-$series (download only)"
	apt-get "${o[@]}" -qq update >/dev/null
	(cd "$dl" && apt-get "${o[@]}" -qq download "linux-source-$series" >/dev/null)
	dpkg -x "$dl"/linux-source-"$series"_*.deb "$dl"
	rm -f "$dl"/linux-source-"$series"_*.deb
	tarball=$(ls "$dl"/usr/src/linux-source-"$series".tar.* | head -1)
fi
if [[ $print_tarball == 1 ]]; then
	echo "$tarball"
	exit 0
fi

top=$(tar -tf "$tarball" 2>/dev/null | head -1 | cut -d/ -f1 || true)
top=${top:-linux-source-$series}
tree="$tree_root/$top"
stamp="$tree_root/.extracted"
want="$(basename "$tarball") $(stat -c '%s %Y' "$tarball")"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
	log "extracting selftest and uAPI files from $tarball"
	rm -rf "$tree"
	tar -xf "$tarball" -C "$tree_root" --wildcards \
		"$top/tools/testing/selftests/iommu/*" \
		"$top/tools/testing/selftests/kselftest.h" \
		"$top/tools/testing/selftests/kselftest_harness.h" \
		"$top/tools/testing/selftests/lib.mk" \
		"$top/drivers/iommu/iommufd/iommufd_test.h" \
		"$top/include/uapi/linux/iommufd.h" \
		"$top/include/uapi/linux/vfio.h" \
		"$top/Makefile"
	echo "$want" >"$stamp"
fi
echo "$tree"
