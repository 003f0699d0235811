#!/bin/sh
# SPDX-License-Identifier: MIT
#
# valgrind-memcheck.sh VALGRIND [OPTION]... PROGRAM [ARG]...
#
# The exe_wrapper of `meson test --setup valgrind`: runs VALGRIND with the
# options and the program, one log per traced process, then fails (exit 99)
# when a traced process ended with a file descriptor open that it did not
# inherit. valgrind 3.19's --track-fds=yes only lists them; an fd leak must
# fail the test like any other memcheck error. The logs go to stderr.
set -u

vg=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/memcheck.XXXXXX") || exit 125

# A script runs under its interpreter, whose own fds (the script) are not the
# program's: its process is not checked for fds, the programs it runs are.
prog=
for a in "$@"; do
	case $a in
	-*) ;;
	*) prog=$a; break ;;
	esac
done
script=no
[ -n "$prog" ] && [ "$(head -c 2 "$prog" 2>/dev/null)" = "#!" ] && script=yes

# Exec'd in place, so this shell's pid is valgrind's and the top process's.
sh -c 'echo $$ >"$0"; exec "$@"' "$dir/top" "$vg" --log-file="$dir/log.%p" "$@"
rc=$?
top=$(cat "$dir/top" 2>/dev/null)

leaks=0
for log in "$dir"/log.*; do
	[ -e "$log" ] || continue
	cat "$log" >&2
	[ $script = yes ] && [ "$log" = "$dir/log.$top" ] && continue
	# "Open ... N: ..." followed by "<inherited from parent>" is not ours.
	n=$(awk '
		/== Open / { if (open) leaks++; open = 1; next }
		open && /<inherited from parent>/ { open = 0; next }
		open && /==[0-9]+== *$/ { leaks++; open = 0; next }
		END { if (open) leaks++; print leaks + 0 }' "$log")
	leaks=$((leaks + n))
done
rm -rf "$dir"
if [ "$leaks" -gt 0 ] && [ "$rc" -eq 0 ]; then
	echo "valgrind-memcheck.sh: $leaks file descriptor(s) left open at exit" >&2
	exit 99
fi
exit "$rc"
