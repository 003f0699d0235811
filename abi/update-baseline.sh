#!/bin/sh
# SPDX-License-Identifier: MIT
#
# update-baseline.sh BUILD-DIR: rewrite abi/libiommufd.so.1.abi from the
# library built in BUILD-DIR (gcc, debug info: the default debugoptimized
# build). Run it only on purpose (see abi/README.md); the abi-guard test
# compares every build against the committed file.
set -eu
build=${1:?usage: update-baseline.sh BUILD-DIR}
here=$(cd "$(dirname "$0")" && pwd)
lib="$build/lib/libiommufd.so.1"
[ -e "$lib" ] || { echo "update-baseline.sh: no $lib (build first)" >&2; exit 1; }
out="$here/libiommufd.so.1.abi"
"$here/abidw.sh" "$lib" "$here/../include/iommufd" "$out.tmp"
# abidiff recognises the file by its first element: the SPDX comment goes inside it.
{ head -n 1 "$out.tmp"
  echo '  <!-- SPDX-License-Identifier: MIT -->'
  echo '  <!-- The ABI of libiommufd.so.1 (abidw): update with abi/update-baseline.sh, see abi/README.md -->'
  tail -n +2 "$out.tmp"; } > "$out"
rm -f "$out.tmp"
echo "update-baseline.sh: wrote $out"
