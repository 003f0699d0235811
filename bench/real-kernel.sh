#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/real-kernel.sh BUILD_DIR [PAIRS [ROUNDS]]
#
# Target 6 of issue 7: boots the real612 VM (Debian's 6.12 kernel with
# iommufd, tests/kernel/kernel-test.sh) and runs BUILD_DIR/bench/bench-realkernel
# in it: PAIRS (10000) map+unmap pairs through libiommufd vs the raw ioctl
# loop, ROUNDS (11) rounds alternating A B A B ... in blocks of 100 pairs,
# median ratio <= 1.02.
# The program is dynamic: kernel-test.sh copies libiommufd.so and libc into
# the guest. Prints the program's table and its "target:" line (kept in
# BUILD_DIR/bench/results/realkernel.txt; the VM's log next to it). Exit status is
# kernel-test.sh's (77: no QEMU or kernel could be had here).
set -uo pipefail

build=${1:-}
if [[ -z $build || ! -x $build/bench/bench-realkernel ]]; then
	echo "usage: bench/real-kernel.sh BUILD_DIR [PAIRS [ROUNDS]]" >&2
	exit 2
fi
build=$(realpath "$build")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(dirname "$here")
results=$build/bench/results
mkdir -p "$results"
env_args=()
[[ -n ${2:-} ]] && env_args+=(--env "BENCH_PAIRS=$2")
[[ -n ${3:-} ]] && env_args+=(--env "BENCH_ROUNDS=$3")

# The guest runs PROG without arguments: the sizes go by environment.
rm -rf "$results/realkernel-vm"
bash "$src/tests/kernel/kernel-test.sh" --quiet --results "$results/realkernel-vm" \
	"${env_args[@]}" run real612 "$build/bench/bench-realkernel" >"$results/realkernel-vm.log" 2>&1
rc=$?
{
	cat "$results/realkernel-vm/bench-realkernel.out" 2>/dev/null
	grep '^kernel-real612' "$results/realkernel-vm.log"
} | tee "$results/realkernel.txt"
exit $rc
