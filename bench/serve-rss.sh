#!/bin/sh
# Runs slate serve on a generated configuration of CHECKS HTTP checks
# every minute (100 public services) against slate bench target, and
# prints its peak RSS (VmHWM) and RSS (VmRSS) every 15 s for SECONDS;
# then how much reading the same file alone (slate check) peaks at:
#
#   bench/serve-rss.sh BINARY CHECKS [SECONDS]
#
# docs/capacity.md has the figures. Everything runs in a temporary
# directory and on 127.0.0.1; nothing is left running.
set -eu
bin=$1 checks=$2 secs=${3:-135}
dir=$(mktemp -d)
trap 'exec 3>&-; rm -rf "$dir"' EXIT

# The target serves while its standard input stays open.
mkfifo "$dir/in"
"$bin" bench target <"$dir/in" >"$dir/addr" &
exec 3>"$dir/in"
i=0
while [ ! -s "$dir/addr" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
addr=$(head -n 1 "$dir/addr")

awk -v n="$checks" -v t="$addr" -v d="$dir" 'BEGIN {
	printf "storage: {path: \"%s/slate.db\"}\nserver: {listen: \"127.0.0.1:0\", metrics_listen: \"off\"}\nbackup: {dir: \"off\"}\nservices:\n", d
	for (s = 0; s < 100; s++) printf "  - {id: svc-%04d, name: \"Service %d\", group: \"Group %d\", public: true}\n", s, s, int(s / 10)
	print "checks:"
	for (c = 0; c < n; c++) printf "  - {id: chk-%06d, service: svc-%04d, kind: http, target: \"http://%s/c/%d\", interval: 1m, timeout: 5s}\n", c, c % 100, t, c
}' >"$dir/slate.yaml"

echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" serve --config "$dir/slate.yaml" >"$dir/serve.log" 2>&1 &
pid=$!
t=0
while [ $t -lt "$secs" ]; do
	sleep 15
	t=$((t + 15))
	echo "t=${t}s $(grep -E 'VmHWM|VmRSS' /proc/$pid/status | tr -s ' \t\n' ' ')"
done
kill -TERM $pid
wait $pid || true
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
# Reading the file alone: the peak of slate check.
/usr/bin/time -f "slate check: peak RSS %M kB" "$bin" check "$dir/slate.yaml" >/dev/null
