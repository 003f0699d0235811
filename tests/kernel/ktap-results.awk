# SPDX-License-Identifier: MIT
#
# ktap-results.awk: one "name<TAB>result" line (result pass, fail, skip, xfail
# or xpass) per result line of KTAP/TAP output. Shared by kernel-test.sh (the
# guest's side) and kdiff.sh (the mock's side), so both read a program's output
# the same way. Forms: the kselftest harness's "ok N name", "not ok N name" and
# "ok N name # SKIP why"; cmocka's "ok N - name", "not ok N - name why" and
# "not ok N # SKIP name".
/^(not )?ok [0-9]+( |$)/ {
	nf = ($1 == "not")
	t = $0
	sub(/^(not )?ok [0-9]+ */, "", t)
	d = ""
	if (t ~ /^# [A-Za-z]+/) {
		split(t, w, " ")
		d = toupper(w[2])
		name = w[3]
	} else {
		sub(/^- /, "", t)
		split(t, w, " ")
		name = w[1]
		if (match(t, / # [A-Za-z]+/))
			d = toupper(substr(t, RSTART + 3, RLENGTH - 3))
	}
	if (d == "SKIP")
		r = "skip"
	else if (d == "XFAIL")
		r = "xfail"
	else if (d == "XPASS")
		r = "xpass"
	else
		r = nf ? "fail" : "pass"
	print name "\t" r
}
