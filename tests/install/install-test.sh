#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# install-test.sh --meson MESON --build-root DIR --source OUTSIDE.C [--cc "CC WORDS"]
#                 [--runner-name NAME]
#
# Installs the current build into a temporary staging dir (meson install
# --destdir), compiles OUTSIDE.C against the staged installation with nothing
# but `pkg-config --cflags --libs libiommufd`, and runs it against the mock
# with the STAGED wrapper (iommufd-mock-run), daemon and shim and the staged
# libdir, so that what users get from `meson install` is what is tested; then
# the same for the installed examples (share/doc/libiommufd/examples).
# Set KEEP_STAGING=1 to keep the staging dir for inspection.
set -euo pipefail

meson=meson
build=
src=
cc_cmd=${CC:-cc}
runner_name=iommufd-mock-run
while [[ $# -gt 0 ]]; do
	case $1 in
	--meson) meson=${2:?}; shift 2 ;;
	--build-root) build=${2:?}; shift 2 ;;
	--source) src=${2:?}; shift 2 ;;
	--cc) cc_cmd=${2:?}; shift 2 ;;
	--runner-name) runner_name=${2:?}; shift 2 ;;
	*) echo "install-test.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[[ -n $build && -f $src ]] || { echo "install-test.sh: need --build-root and --source" >&2; exit 2; }

log() { printf 'install-test.sh: %s\n' "$*"; }
die() { printf 'install-test.sh: FAIL: %s\n' "$*"; exit 1; }

# shellcheck disable=SC2206 # the compiler command is a word list on purpose
cc=($cc_cmd)
work=$(mktemp -d "${TMPDIR:-/tmp}/libiommufd-install.XXXXXX")
if [[ ${KEEP_STAGING:-0} == 1 ]]; then
	trap 'log "kept $work"' EXIT
else
	trap 'rm -rf "$work"' EXIT
fi
stage="$work/stage"

# shellcheck disable=SC2086 # MESON may be a word list ("python3 meson.py")
log "meson install -C $build --destdir $stage"
$meson install -C "$build" --no-rebuild --quiet --destdir "$stage" ||
	die "meson install failed"

# The staged .pc file (its location follows the configured libdir).
mapfile -t pcs < <(find "$stage" -name libiommufd.pc -path '*/pkgconfig/*')
[[ ${#pcs[@]} == 1 ]] || die "expected one staged libiommufd.pc, found ${#pcs[@]}: ${pcs[*]:-}"
pcdir=$(dirname "${pcs[0]}")
log "staged pkg-config file: ${pcs[0]#"$stage"}"

# pkg-config sees only the staged file; the sysroot prefix maps its absolute
# paths into the staging dir, and system dirs are kept (a /usr prefix).
pc() {
	PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_LIBDIR="$pcdir" PKG_CONFIG_SYSROOT_DIR="$stage" \
	PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 pkg-config "$@"
}
pc --exists libiommufd || die "pkg-config cannot read the staged libiommufd.pc"
flags=$(pc --cflags --libs libiommufd) || die "pkg-config --cflags --libs libiommufd failed"
log "pkg-config --cflags --libs libiommufd: $flags"
[[ $flags == *"$stage"* ]] || die "pkg-config flags do not point into the staging dir"

# shellcheck disable=SC2206 # pkg-config output is a word list
flag_words=($flags)
exe="$work/outside"
log "compiling $(basename "$src") against the staged install"
"${cc[@]}" -Wall -Wextra -Werror -o "$exe" "$src" "${flag_words[@]}" ||
	die "the outside program does not compile against the staged install"

# The staged libdir: where the staged libiommufd.so.1 is.
mapfile -t sos < <(find "$stage" -name libiommufd.so.1)
[[ ${#sos[@]} == 1 ]] || die "expected one staged libiommufd.so.1, found ${#sos[@]}"
libdir=$(dirname "${sos[0]}")
resolved=$(LD_LIBRARY_PATH="$libdir" ldd "$exe" | awk '/libiommufd\.so/ { print $3 }')
[[ $resolved == "$libdir/libiommufd.so.1" ]] ||
	die "the outside program resolves libiommufd to '$resolved', not the staged one"

# The staged mock: wrapper, daemon and shim; point the wrapper at the staged
# daemon and shim explicitly so nothing from the build dir is used.
staged() { find "$stage" \( -type f -o -type l \) -name "$1" | head -1; }
runner=$(staged "$runner_name")
[[ -n $runner && -x $runner ]] || die "no staged $runner_name"
mockd=$(staged 'iommufd-mockd')
shim=$(staged 'libiommufd-mock.so*')
[[ -n $mockd && -x $mockd ]] || die "no staged iommufd-mockd"
[[ -n $shim ]] || die "no staged libiommufd-mock.so"
unset IOMMUFD_MOCKD IOMMUFD_MOCK_SHIM IOMMUFD_MOCK_SOCKET
run_env=(LD_LIBRARY_PATH="$libdir" IOMMUFD_MOCKD="$mockd" IOMMUFD_MOCK_SHIM="$shim")
log "running under the staged mock: ${run_env[*]} ${runner#"$stage"} outside"
set +e
out=$(env "${run_env[@]}" "$runner" "$exe" 2>&1)
status=$?
set -e
printf '%s\n' "$out"
[[ $status == 0 ]] || die "the outside program failed under the staged mock (exit status $status)"
grep -q '^outside: OK$' <<<"$out" || die "the outside program did not report OK"
grep -q 'at iova 0x' <<<"$out" || die "the outside program printed no IOVA"
log "OK: staged install builds and runs an outside program"

# The installed examples, with their edu helper: copied out of the staged doc
# dir as a user would, built with the commands of their README (the compiler
# and pkg-config only), then run against the staged mock: edu DMA through the
# IOMMU (vfio-dma, tutorial-dma, qemu-iommufd with its migration part) and
# nested translation (tutorial-nested).
mapfile -t exdirs < <(find "$stage" -type d -path '*/doc/libiommufd/examples')
[[ ${#exdirs[@]} == 1 ]] || die "expected one staged examples dir, found ${#exdirs[@]}"
ex="$work/examples"
cp -r "${exdirs[0]}" "$ex"
for f in README.examples edu.c edu.h ioas-map.c vfio-dma.c dirty-track.c viommu-events.c qemu-iommufd.c edu-irq.c \
	tutorial/tutorial.h tutorial/tutorial-dma.c tutorial/tutorial-nested.c tutorial/tutorial-dirty.c; do
	[[ -f $ex/$f ]] || die "the installed examples lack $f"
done
build_ex() { # DIR OUTPUT SOURCES...
	local dir=$1 out=$2
	shift 2
	(cd "$dir" && "${cc[@]}" -Wall -Wextra -Werror -o "$out" "$@" "${flag_words[@]}") ||
		die "the installed example $out does not build from the installed files"
}
build_ex "$ex" ioas-map ioas-map.c
for p in vfio-dma dirty-track viommu-events qemu-iommufd edu-irq; do
	build_ex "$ex" "$p" "$p.c" edu.c
done
for p in tutorial-dma tutorial-nested tutorial-dirty; do
	build_ex "$ex/tutorial" "$p" "$p.c" ../edu.c
done
log "built the installed examples: ioas-map vfio-dma dirty-track viommu-events qemu-iommufd edu-irq tutorial-{dma,nested,dirty}"
run_ex() { # EXPECTED-LINE RUNNER-ARGS... PROGRAM
	local want=$1
	shift
	set +e
	out=$(env "${run_env[@]}" "$runner" "$@" 2>&1)
	status=$?
	set -e
	[[ $status == 0 ]] || { printf '%s\n' "$out"; die "installed example '$*' failed (exit $status)"; }
	grep -q "$want" <<<"$out" || { printf '%s\n' "$out"; die "installed example '$*' did not print '$want'"; }
	log "ran installed example: $* -> $want"
}
run_ex '^vfio-dma: PASS$' "$ex/vfio-dma"
run_ex '^tutorial-dma: PASS$' "$ex/tutorial/tutorial-dma"
run_ex '^qemu-iommufd: PASS$' --device edu,dirty "$ex/qemu-iommufd" --migrate
run_ex '^tutorial-nested: PASS$' --device edu,hwinfo=selftest,nesting "$ex/tutorial/tutorial-nested"
log "OK: the installed examples build with pkg-config and run against the staged mock"
