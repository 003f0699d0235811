#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kdiff.sh [OPTIONS] --kernel KERNEL --runner MOCK-RUN --results DIR PROG...
#
# Differential test, test by test: the same programs run on a real test kernel
# (kernel-test.sh run KERNEL, in QEMU) and under kmod-mock presenting the same
# release (IOMMUFD_MOCK_KERNEL=PROFILE), and every test must have the same
# outcome (pass, fail or skip) on both. A test that differs fails the run and
# is printed by name with both outcomes and the first failure message, unless
# an --allow list names it with its reason; a listed test that no longer
# differs fails the run too, so the lists cannot go stale.
#
# PROG is kselftest:iommufd or kselftest:iommufd_fail_nth (the kernel's own
# selftest of the kernel's series: on the mock side run by
# tests/kselftest/kselftest.sh) or a TAP-speaking executable (a cmocka suite,
# run with CMOCKA_MESSAGE_OUTPUT=TAP: in the guest as it is, on the host under
# MOCK-RUN). The same binaries run on both sides. A program that gives no
# result line counts as one test named "(program)": skip when it exited 77
# or 4 (kselftest's KSFT_SKIP: "1..0 # SKIP" or a skip before the plan),
# pass when it exited 0, else fail.
#
# Options:
#   --kernel KERNEL    test612 or test73
#   --profile VER      the mock's kernel profile (default: 6.12 for test612,
#                      7.3 for test73)
#   --viommu           boot with VT-d + edu (test73 only)
#   --runner CMD       kmod-mock's iommufd-mock-run
#   --results DIR      kernel-test.sh --results dir for the real kernel's
#                      results; the mock's go to DIR/NAME-mock
#   --reuse            reuse the real kernel's results in DIR when an identical
#                      run left them there (kernel-test73, earlier in the same
#                      meson run) instead of booting
#   --allow FILE       allowed differences, one per line:
#                        PROG:TEST  real=R mock=M  # reason, doc/mock-divergences.md "row"
#                      (may be repeated; every entry must name its reason and
#                      point into doc/mock-divergences.md)
#   --mock-wrap CMD    on the mock side run TAP programs as `MOCK-RUN CMD PROG`
#                      (tests/vfio-selftests/with-bdf.sh: the device's BDF)
#   --allow-no-cap FILE
#                      more allowed differences, used only when the host lacks
#                      CAP_SYS_RESOURCE (see below); an entry whose test does
#                      not exist in this kernel's series is not stale
#   --cache DIR, --require, --timeout SECS
#                      passed to kernel-test.sh (and --cache to kselftest.sh)
#   --name NAME        name in the summary (default kdiff-KERNEL)
#
# The real kernels run the programs as root with every capability. When the
# host lacks CAP_SYS_RESOURCE (this project's CI machines' root does), the
# tests that set RLIMIT_MODE get EPERM from the mock, as they would from a
# kernel: --allow-no-cap names them. (Running the mock side in a user namespace
# instead, where kmod-mock sees the capability, breaks the selftest's
# fork_gone there.)
#
# Exit: 0 same outcomes (or only allowed differences), 1 a difference or a
# stale allow entry or an incomplete run, 2 usage or build failure, 77 skipped
# (the kernel or the sources could not be had, without --require / CI=true).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
TOP=$(cd "$HERE/../.." && pwd)

kernel=
profile=
viommu=0
runner=
results=
allow=()
allow_nocap=()
kt_opts=()
reuse=()
ks_opts=()
name=
mock_wrap=()

usage() {
	sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF" >&2
	exit 2
}
while [[ $# -gt 0 ]]; do
	case $1 in
	--kernel) kernel=${2:?}; shift 2 ;;
	--profile) profile=${2:?}; shift 2 ;;
	--viommu) viommu=1; shift ;;
	--runner) runner=${2:?}; shift 2 ;;
	--results) results=${2:?}; shift 2 ;;
	--reuse) reuse=(--reuse); shift ;;
	--allow) allow+=("${2:?}"); shift 2 ;;
	--allow-no-cap) allow_nocap+=("${2:?}"); shift 2 ;;
	--cache)
		if [[ -n ${2:-} ]]; then kt_opts+=(--cache "$2"); ks_opts+=(--cache "$2"); fi
		shift 2
		;;
	--require) kt_opts+=(--require); ks_opts+=(--require-source); shift ;;
	--timeout) kt_opts+=(--timeout "${2:?}"); shift 2 ;;
	--name) name=${2:?}; shift 2 ;;
	--mock-wrap) mock_wrap=("$(realpath "${2:?}")"); shift 2 ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) echo "kdiff.sh: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[[ $# -gt 0 && -n $kernel && -n $runner && -n $results ]] || usage
case $kernel in
test612) series=6.12 ;;
test73) series=7.3 ;;
*) echo "kdiff.sh: --kernel must be test612 or test73" >&2; exit 2 ;;
esac
profile=${profile:-$series}
name=${name:-kdiff-$kernel}
[[ $runner == */* ]] && runner=$(realpath "$runner")
mkdir -p "$results"
results=$(cd "$results" && pwd)
mock=$results/$name-mock
rm -rf "$mock"
mkdir -p "$mock"

log() { printf '[%s] %s\n' "$name" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$name" "$*" >&2; exit 2; }
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
t_start=$(now)

# ------------------------------------------------------------ allow lists --
# ALLOW[PROG:TEST]="R M" (the outcomes it is allowed to have), ALLOWWHY[...];
# NOCAP[...] for the entries of --allow-no-cap lists.
declare -A ALLOW=() ALLOWWHY=() NOCAP=()
read_allow() {
	local f=$1 nocap=$2 ln=0 line body why t r m extra
	[[ -f $f ]] || die "no allow list $f"
	while IFS= read -r line; do
		ln=$((ln + 1))
		body=${line%%#*}
		[[ -z ${body//[[:space:]]/} ]] && continue
		why=${line#"$body"}
		read -r t r m extra <<<"$body"
		[[ $r == real=* && $m == mock=* && -z ${extra:-} ]] ||
			die "$f:$ln: want 'PROG:TEST real=R mock=M # reason', got: $line"
		[[ $t == *:* ]] || die "$f:$ln: '$t' is not PROG:TEST"
		[[ $why == *doc/mock-divergences.md* ]] ||
			die "$f:$ln: $t: the reason must point into doc/mock-divergences.md"
		ALLOW[$t]="${r#real=} ${m#mock=}"
		ALLOWWHY[$t]=${why#\#}
		if [[ $nocap == 1 ]]; then NOCAP[$t]=1; fi
	done <"$f"
}
for f in "${allow[@]}"; do read_allow "$f" 0; done
capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
if [[ $(((0x$capeff >> 24) & 1)) == 0 ]]; then
	log "host lacks CAP_SYS_RESOURCE (the guest's root has it): using ${allow_nocap[*]:-no extra list}"
	for f in "${allow_nocap[@]}"; do read_allow "$f" 1; done
fi

# -------------------------------------------------------------- mock side --
# Runs on the host while QEMU runs the real side: TCG takes one core, the
# mock the other.
mock_side() {
	local p pn rc t_mock
	t_mock=$(now)
	export IOMMUFD_MOCK_KERNEL=$profile
	for p in "$@"; do
		case $p in
		kselftest:*)
			pn=${p#kselftest:}
			rc=0
			bash "$TOP/tests/kselftest/kselftest.sh" "${ks_opts[@]}" --runner "$runner" \
				--results-dir "$mock" "$series" "$pn" >"$mock/$pn.run.log" 2>&1 || rc=$?
			[[ $rc == 77 ]] && { echo "$name: skipped (no linux-source-$series)"; return 77; }
			[[ $rc == 0 ]] || { tail -n 20 "$mock/$pn.run.log"; echo "kselftest.sh $series $pn failed ($rc)"; return 2; }
			cp "$mock/$pn.tap" "$mock/$pn.out"
			;;
		*)
			pn=$(basename "$p")
			rc=0
			CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 10 600 "$runner" "${mock_wrap[@]}" "$(realpath "$p")" </dev/null >"$mock/$pn.out" 2>&1 || rc=$?
			awk -f "$HERE/ktap-results.awk" "$mock/$pn.out" >"$mock/$pn.results"
			echo "rc=$rc" >"$mock/$pn.meta"
			;;
		esac
	done
	since "$t_mock" >"$mock/.secs"
}

mock_side "$@" >"$mock/mock-side.log" 2>&1 &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null || true' EXIT

# -------------------------------------------------------------- real side --
kt_progs=()
for p in "$@"; do
	case $p in
	kselftest:iommufd | kselftest:iommufd_fail_nth) kt_progs+=("$p") ;;
	kselftest:*) die "unknown selftest $p" ;;
	*) [[ -x $p && -f $p ]] || die "$p: not an executable"; kt_progs+=("$(realpath "$p")") ;;
	esac
done
vopt=()
[[ $viommu == 1 ]] && vopt=(--viommu)
log "real side: kernel-test.sh run $kernel ${reuse[*]}"
t_real=$(now)
rc=0
bash "$HERE/kernel-test.sh" "${kt_opts[@]}" --quiet --name "${name#kernel-}" "${vopt[@]}" \
	--env CMOCKA_MESSAGE_OUTPUT=TAP --results "$results" "${reuse[@]}" \
	run "$kernel" "${kt_progs[@]}" >"$mock/real-run.log" 2>&1 || rc=$?
real_secs=$(since "$t_real")
grep -E '^(PASS|FAIL|SKIP) |reusing|^kernel-' "$mock/real-run.log" | sed 's/^/  real: /' >&2 || true
case $rc in
0 | 1) ;; # 1: some test failed on the kernel; what matters is the comparison
77) tail -n 3 "$mock/real-run.log" >&2; echo "$name: skipped (the $kernel kernel is not available)"; exit 77 ;;
*) tail -n 30 "$mock/real-run.log" >&2; die "kernel-test.sh failed ($rc); log: $mock/real-run.log" ;;
esac

mrc=0
wait "$mock_pid" || mrc=$?
trap - EXIT
case $mrc in
0) ;;
77) cat "$mock/mock-side.log"; exit 77 ;;
*) cat "$mock/mock-side.log" >&2; die "the mock side failed ($mrc)" ;;
esac
mock_secs=$(cat "$mock/.secs")
pnames=()
for p in "$@"; do
	case $p in
	kselftest:*) pnames+=("${p#kselftest:}") ;;
	*) pnames+=("$(basename "$p")") ;;
	esac
done

# ------------------------------------------------------------- comparison --
# first_message OUT TEST: the first line of TEST's diagnostics in OUT: the
# kselftest harness prints them before the result line, cmocka after it.
first_message() {
	awk -v t="$2" '
		/^(not )?ok [0-9]+( |$)/ {
			if (after) exit
			line = $0; sub(/^(not )?ok [0-9]+ */, "", line); sub(/^- /, "", line)
			sub(/^# [A-Za-z]+ /, "", line); split(line, w, " ")
			if (w[1] == t) {
				if (msg == "" && line != w[1]) msg = line
				if (msg != "") exit
				after = 1
			}
			msg = ""; next
		}
		after && /^[#[:space:]]+[^[:space:]]/ { msg = $0; sub(/^[#[:space:]]+/, "", msg); exit }
		!after && msg == "" && /Expected|rror|ail|assert|skipped|Could not/ && !/^# +(RUN|OK) / {
			msg = $0; sub(/^[#[:space:]]+/, "", msg)
		}
		END { print (msg == "" ? "(no message)" : msg) }' "$1"
}
norm() {
	case $1 in
	xfail) echo pass ;;
	xpass) echo fail ;;
	*) echo "$1" ;;
	esac
}

ndiff=0 nallowed=0 nstale=0 nsame=0 bad=0
declare -A SEEN=()
for pn in "${pnames[@]}"; do
	real=$results/$pn.results
	mres=$mock/$pn.results
	[[ -f $real ]] || { echo "FAIL $name: no real-kernel results for $pn ($results)"; bad=1; continue; }
	plan=$(sed -n 's/^plan=//p' "$results/$pn.meta")
	nreal=$(wc -l <"$real")
	rrc=$(sed -n 's/^rc=//p' "$results/$pn.meta")
	if [[ $nreal == 0 && ( $rrc == 4 || $rrc == 77 ) ]]; then
		: # skipped as a whole: "(program)" below
	elif [[ -z $plan || $nreal != "$plan" ]]; then
		echo "FAIL $name: $pn on $kernel: $nreal results of a plan of ${plan:-?} (did not finish)"
		bad=1
	fi
	declare -A R=() M=()
	order=()
	while IFS=$'\t' read -r t r; do
		[[ -n ${R[$t]:-} ]] || order+=("$t")
		R[$t]=$(norm "$r")
	done <"$real"
	while IFS=$'\t' read -r t r; do
		[[ -n ${R[$t]:-} || -n ${M[$t]:-} ]] || order+=("$t")
		M[$t]=$(norm "$r")
	done <"$mres"
	# no result line at all: the program's exit status is its one result
	whole() { case $1 in 0) echo pass ;; 4 | 77) echo skip ;; *) echo fail ;; esac; }
	if [[ ! -s $real ]]; then
		order+=("(program)")
		R["(program)"]=$(whole "$rrc")
	fi
	if [[ ! -s $mres ]]; then
		[[ -s $real ]] && order+=("(program)")
		M["(program)"]=$(whole "$(sed -n 's/^rc=//p' "$mock/$pn.meta" 2>/dev/null)")
	fi
	same=0 differ=0
	cr=() cm=()
	for t in "${order[@]}"; do
		r=${R[$t]:-missing} m=${M[$t]:-missing}
		key=$pn:$t
		SEEN[$key]=1
		cr+=("$r") cm+=("$m")
		if [[ $r == "$m" ]]; then
			same=$((same + 1))
			if [[ -n ${ALLOW[$key]:-} ]]; then
				echo "STALE $key: listed as an allowed difference but both gave '$r': remove it from the list"
				nstale=$((nstale + 1))
			fi
			continue
		fi
		differ=$((differ + 1))
		if [[ -n ${ALLOW[$key]:-} ]]; then
			if [[ ${ALLOW[$key]} == "$r $m" ]]; then
				echo "allowed $key: real=$r mock=$m:${ALLOWWHY[$key]}"
				nallowed=$((nallowed + 1))
				continue
			fi
			echo "STALE $key: listed as real=${ALLOW[$key]% *} mock=${ALLOW[$key]#* }, now real=$r mock=$m"
			nstale=$((nstale + 1))
		fi
		ndiff=$((ndiff + 1))
		msg=
		if [[ $r == fail ]]; then
			msg="real: $(first_message "$results/$pn.out" "$t")"
		fi
		if [[ $m == fail || $m == missing || $m == excluded ]]; then
			msg+="${msg:+; }mock: $(first_message "$mock/$pn.out" "$t")"
		fi
		[[ $r == skip || $m == skip ]] && [[ -z $msg ]] &&
			msg="skip reason: $(first_message "$([[ $r == skip ]] && echo "$results" || echo "$mock")/$pn.out" "$t")"
		echo "DIFF $key: real=$r mock=$m: $msg"
	done
	count() { local x c=0; for x in "$@"; do [[ $x == "$want" ]] && c=$((c + 1)); done; echo "$c"; }
	want=pass; rp=$(count "${cr[@]}"); mp=$(count "${cm[@]}")
	want=fail; rf=$(count "${cr[@]}"); mf=$(count "${cm[@]}")
	want=skip; rs=$(count "${cr[@]}"); ms=$(count "${cm[@]}")
	echo "$name $pn: ${#order[@]} tests: real $kernel $rp/$rf/$rs, mock $profile $mp/$mf/$ms (pass/fail/skip); $same same, $differ differ"
	nsame=$((nsame + same))
	unset R M
done
for key in "${!ALLOW[@]}"; do
	pn=${key%%:*}
	if [[ " ${pnames[*]} " == *" $pn "* && -z ${SEEN[$key]:-} && -z ${NOCAP[$key]:-} ]]; then
		echo "STALE $key: listed as an allowed difference but no such test ran"
		nstale=$((nstale + 1))
	fi
done
echo "$name: real side ${real_secs} s, mock side ${mock_secs} s, total $(since "$t_start") s; results in $results"
echo "$name: $nsame same, $ndiff differ, $nallowed allowed differences, $nstale stale allow entries"
[[ $ndiff == 0 && $nstale == 0 && $bad == 0 ]] || exit 1
exit 0
