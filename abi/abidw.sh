#!/bin/sh
# SPDX-License-Identifier: MIT
#
# abidw.sh LIBRARY HEADERS-DIR OUT: the ABI representation of LIBRARY as the
# baseline keeps it: only types reachable from the public headers, no paths or
# source locations (so the file does not depend on where it was built) and
# hash type ids (so a change shows as a small diff in review).
set -eu
exec abidw --headers-dir "$2" --drop-private-types --no-corpus-path --no-comp-dir-path \
	--no-show-locs --type-id-style hash --out-file "$3" "$1"
