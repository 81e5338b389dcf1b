# SPDX-License-Identifier: GPL-2.0
#
# compare.awk -v kernel=KVER CHAPTER.expect CHAPTER.log
#
# Compare what a tour chapter shows (CHAPTER.expect, from tour.py gen) with
# what its commands printed in the guest (CHAPTER.log, from the chapter's
# script). Each command's output must equal the section shown for this
# kernel: the one naming it exactly, else one naming a kernel of the same
# major.minor, else the output shown for every kernel. Both sides are
# normalised first (norm() below; docs/tour/README.md lists the rules).
# Prints one line per difference; exit 1 when there is one.

function norm(s) {
	# 1. Temporary names (mktemp): /tmp/tmp.XXXXXXXXXX.
	gsub(/\/tmp\/tmp\.[A-Za-z0-9]+/, "/tmp/TMP", s)
	# 2. Process ids.
	gsub(/pid [0-9]+/, "pid PID", s)
	# 3. Measured times: a decimal number of seconds or milliseconds.
	gsub(/[0-9]+\.[0-9]+ ?m?s/, "T.Ts", s)
	# 4. The real memcg's rows in compare tables ("  memcg/v2 ..."): its
	#    usage carries per-cpu slack and its event counts vary from run to
	#    run, so its numbers are not compared; nor are the lab rows'
	#    quotes of them ("reference 268K").
	if (s ~ /^ *memcg\//) {
		gsub(/[0-9][0-9.]*[KMG]?/, "N", s)
		gsub(/ +/, " ", s)	# the columns' alignment follows the numbers
	}
	gsub(/reference [0-9][0-9.]*[KMG]?/, "reference N", s)
	# 5. A hierarchy's id, the mount's anonymous device number: it depends
	#    on what else the guest has mounted, not on the lab.
	gsub(/dev [0-9]+ ino/, "dev D ino", s)
	gsub(/id [0-9]+:/, "id D:", s)
	gsub(/"hier":[0-9]+/, "\"hier\":D", s)
	gsub(/hier=[0-9]+/, "hier=D", s)
	return s
}

function pick(n,    i, best, mm, k, nk, j) {
	mm = kernel
	sub(/^[0-9]+\.[0-9]+/, "&|", mm)
	sub(/\|.*/, "", mm)
	best = 0
	for (i = 1; i <= nsec[n]; i++) {
		if (seck[n, i] == "*")
			return i
		nk = split(seck[n, i], k, " ")
		for (j = 1; j <= nk; j++) {
			if (k[j] == kernel)
				return i
			if (!best && index(k[j], mm ".") == 1)
				best = i
		}
	}
	return best
}

FNR == NR {
	if ($0 ~ /^@@CMD /) { n = $2; if (n > max) max = n; nsec[n] = 0; next }
	if ($0 ~ /^@@K /) { nsec[n]++; seck[n, nsec[n]] = substr($0, 5); nl[n, nsec[n]] = 0; next }
	nl[n, nsec[n]]++
	el[n, nsec[n], nl[n, nsec[n]]] = norm(substr($0, 2))
	next
}
/^@@CMD / { c = $2; ng[c] = 0; seen[c] = 1; next }
/^@@RC / || /^@@END/ { c = 0; next }
c { ng[c]++; gl[c, ng[c]] = norm($0) }

END {
	bad = 0
	for (n = 1; n <= max; n++) {
		if (!seen[n]) { printf "command %d: did not run\n", n; bad = 1; continue }
		s = pick(n)
		if (!s) {
			printf "command %d: no output shown for kernel %s (make docs)\n", n, kernel
			bad = 1
			continue
		}
		m = nl[n, s] > ng[n] ? nl[n, s] : ng[n]
		for (i = 1; i <= m; i++) {
			e = i <= nl[n, s] ? el[n, s, i] : "(nothing)"
			g = i <= ng[n] ? gl[n, i] : "(nothing)"
			if (e != g) {
				printf "command %d, output line %d: shown \"%s\", printed \"%s\"\n", n, i, e, g
				bad = 1
				break
			}
		}
	}
	exit bad
}
