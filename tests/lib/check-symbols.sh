#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# check-symbols.sh LIBRARY [SONAME] [VERSION-NODE]
#
# Checks the exported ABI surface of the built shared library: its soname
# (default libiommufd.so.1), and that every dynamic symbol it defines is an
# iommufd_* function or object carrying a LIBIOMMUFD_* symbol version, the
# default version of each being a known node (VERSION-NODE, default
# LIBIOMMUFD_1.0, must be present). Anything else exported (a helper that
# missed `static`, a leaked libc or mock symbol) fails.
set -euo pipefail

lib=${1:?usage: check-symbols.sh LIBRARY [SONAME] [VERSION-NODE]}
want_soname=${2:-libiommufd.so.1}
node=${3:-LIBIOMMUFD_1.0}

die() { printf 'check-symbols.sh: FAIL: %s\n' "$*"; exit 1; }

[[ -f $lib ]] || die "no library at $lib"

soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
[[ $soname == "$want_soname" ]] || die "soname is '$soname', expected '$want_soname'"
echo "soname: $soname"

# nm prints versions as name@@NODE (default) or name@NODE (older, hidden).
nmv=(nm -D --defined-only)
nm --help 2>&1 | grep -q -- --with-symbol-versions && nmv+=(--with-symbol-versions)
mapfile -t syms < <("${nmv[@]}" "$lib" | awk 'NF >= 2 { print $NF }')
[[ ${#syms[@]} -gt 0 ]] || die "no defined dynamic symbols in $lib"

bad=()
declare -A nodes=()
count=0
for s in "${syms[@]}"; do
	name=${s%%@*}
	ver=${s#"$name"}
	# The version node itself appears as an absolute symbol.
	if [[ $name =~ ^LIBIOMMUFD_[0-9]+\.[0-9]+$ && ( -z $ver || $ver == "@@$name" || $ver == "@$name" ) ]]; then
		continue
	fi
	if [[ ! $name =~ ^iommufd_[a-z0-9_]+$ ]]; then
		bad+=("$s (not an iommufd_* name)")
	elif [[ ! $ver =~ ^@@?LIBIOMMUFD_[0-9]+\.[0-9]+$ ]]; then
		bad+=("$s (no LIBIOMMUFD_* version)")
	else
		# key: "NODE" for the default version (@@), "NODE (compat)" for @NODE
		if [[ $ver == @@* ]]; then key=${ver#@@}; else key="${ver#@} (compat)"; fi
		nodes[$key]=$((${nodes[$key]:-0} + 1))
		count=$((count + 1))
	fi
done
if [[ ${#bad[@]} -gt 0 ]]; then
	printf '  bad export: %s\n' "${bad[@]}"
	die "${#bad[@]} exported symbols break the ABI rules"
fi
[[ -n ${nodes[$node]:-} ]] || die "no symbol has the default version $node"
for v in "${!nodes[@]}"; do echo "version $v: ${nodes[$v]} symbols"; done
echo "OK: $count exported symbols, all iommufd_* and versioned"
