# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2034 # DEBIAN_APT_OPTS is for the caller
#
# debian-apt.sh - sourced by scripts that fetch Debian packages without
# touching the system: `debian_apt_private DIR SUITE...` writes a private
# sources list for SUITE... (on the mirror /etc/apt names; *-security suites go
# to its debian-security twin) and a list directory under DIR, and sets the
# array DEBIAN_APT_OPTS for `apt-get "${DEBIAN_APT_OPTS[@]}" update|download`
# and apt-cache. Returns 2 when /etc/apt names no Debian mirror. Packages are
# only ever downloaded (then `dpkg -x`), never installed.

debian_apt_private() {
	local dir=$1 mirror security s
	shift
	mirror=$( (grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null || true) |
		grep -v snapshot | sed -n '1{s/ //g;p}')
	if [[ -z $mirror ]]; then
		# deb822 sources (URIs: line)
		mirror=$( (grep -rhoE '^URIs: *https?://[^ ]+/debian/?$' /etc/apt/sources.list.d/ 2>/dev/null || true) |
			sed -n '1{s/^URIs: *//;p}')
	fi
	mirror=${mirror%/}
	[[ -n $mirror ]] || { echo "debian-apt.sh: no Debian mirror found in /etc/apt" >&2; return 2; }
	security=${mirror%/debian}/debian-security
	mkdir -p "$dir/lists/partial"
	for s in "$@"; do
		case $s in
		*-security) echo "deb $security $s main" ;;
		*) echo "deb $mirror $s main" ;;
		esac
	done >"$dir/sources.list"
	DEBIAN_APT_OPTS=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$dir/lists")
}
