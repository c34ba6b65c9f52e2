#!/bin/sh
# Splits a heap profile of slate (slate bench probes --memprofile, slate
# bench status --memprofile) into the components docs/capacity.md names,
# by the functions that allocated what is still in use:
#
#   bench/heap-components.sh BINARY PROFILE [CHECKS]
#
# BINARY is the slate that wrote the profile; with CHECKS, a column of
# bytes per check follows. "rest" is what no component claims: the
# runtime, the libraries' own state, results in flight.
set -eu
bin=$1 prof=$2 checks=${3:-}

# in_use FOCUS [IGNORE]: bytes in use in stacks through FOCUS and not IGNORE.
in_use() {
	go tool pprof -sample_index=inuse_space -unit=B -nodefraction=0 -nodecount=100000 -top \
		-focus="$1" ${2:+-ignore="$2"} "$bin" "$prof" 2>/dev/null |
		awk '/^Showing nodes accounting for/ { gsub(/[B,]/, "", $5); print $5; found=1 } END { if (!found) print 0 }'
}

total=$(in_use '.')
printf '%-34s %14s' component bytes
[ -n "$checks" ] && printf ' %14s' bytes/check
printf '\n'
sum=0
row() {
	b=$(in_use "$2" "${3:-}")
	sum=$((sum + b))
	printf '%-34s %14d' "$1" "$b"
	[ -n "$checks" ] && awk -v b="$b" -v n="$checks" 'BEGIN { printf " %14.1f", b / n }'
	printf '\n'
}
row 'configuration (checks, catalogue)' 'slate/config\.|bench\.statusBenchConfig'
row 'scheduler entries' 'collector\.\(\*Scheduler\)\.Reload|collector\.newEntry' 'collector\.NewProbe|collector\.newHTTPProbe|gaugesFor|checkGauges'
row 'probes' 'collector\.NewProbe|collector\.newHTTPProbe'
row 'per-check metric children' 'collector\.\(\*checkGauges\)|collector\.\(\*metrics\)\.gaugesFor'
row 'store writer caches' 'db\.\(\*writer\)|db\.\(\*names\)|db\.\(\*dayRecord\)|db\.decodeDay|minutes\.'
row 'store read caches' 'db\.\(\*lookups\)'
row 'detection state' 'monitor\.\(\*Monitor\)\.(Detect|noteService|noteTenantService|resumeIncidents)|incident\.'
row 'status snapshot and bars' 'monitor\.\(\*Monitor\)\.(RefreshStatus|refreshBars|tenantViews)|dashboard\.'
rest=$((total - sum))
printf '%-34s %14d' rest "$rest"
[ -n "$checks" ] && awk -v b="$rest" -v n="$checks" 'BEGIN { printf " %14.1f", b / n }'
printf '\n%-34s %14d' total "$total"
[ -n "$checks" ] && awk -v b="$total" -v n="$checks" 'BEGIN { printf " %14.1f", b / n }'
printf '\n'
