# lib-dynamic.sh — sourced by bench-spawn-loop, bench-spawn-conn and
# bench-scale: a temporary directory, supd on a [dynamic:jobs] of cheap
# sleeps, timing in microseconds without a fork ($EPOCHREALTIME), medians,
# and the check that every process a bench started is gone at the end.
# Children carry SUPD_BENCH_TAG=<the directory> (supd passes its own
# environment on), which is how leftovers are found.

BUILD=${BUILD:-build-bench}
here=$(cd "$(dirname "$0")" && pwd)
SUPD=$BUILD/daemon/supd
SUPCTL=$BUILD/cli/supctl
VLPIPE=$BUILD/tests/bench/vlpipe
for b in "$SUPD" "$SUPCTL" "$VLPIPE"; do
	[ -x "$b" ] || { echo "$(basename "$0"): no $b (build $BUILD first)" >&2; exit 1; }
done
SUPD=$(readlink -f "$SUPD")
SUPCTL=$(readlink -f "$SUPCTL")
VLPIPE=$(readlink -f "$VLPIPE")

tmp=$(mktemp -d /tmp/supd-bench.XXXXXX)
sock=$tmp/supd.sock
supd_pid=

# Thousands of children: as many processes and descriptors as we may have.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
ulimit -u "$(ulimit -Hu)" 2>/dev/null || true

# The pids of processes alive (not zombies) that carry this bench's tag.
tagged() {
	local f p
	for f in $(grep -l -s -z -x "SUPD_BENCH_TAG=$tmp" /proc/[0-9]*/environ); do
		p=${f#/proc/}
		p=${p%/environ}
		[ "$p" = "$$" ] && continue
		case $(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) in Z*|'') continue ;; esac
		echo "$p"
	done
}

# Stop supd (SIGTERM: it stops its children first) and wait for it.
supd_down() {
	[ -n "$supd_pid" ] || return 0
	kill -TERM "$supd_pid" 2>/dev/null
	wait "$supd_pid" 2>/dev/null
	supd_pid=
}

# Nothing of ours may be left; kill and complain about what is.
check_clean() {
	local left
	left=$(tagged)
	if [ -n "$left" ]; then
		echo "$(basename "$0"): processes left behind: $(echo $left)" >&2
		kill -KILL $left 2>/dev/null
		return 1
	fi
	return 0
}

cleanup() {
	supd_down
	check_clean || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Start supd on a dynamic supervisor "jobs" of sleeps; wait until it serves.
# $SYNC: the state database's [supd] sync (normal, the default, or full).
supd_up() {
	local i
	rm -rf "$tmp/state.db"* "$tmp/log" "$sock"
	cat > "$tmp/bench.ini" <<INI
[supd]
sync = ${SYNC:-normal}
[supervisor:root]
[dynamic:jobs]
parent = root
max_children = 0
command = /bin/sleep 100000
stdout = null
stderr = null
INI
	SUPD_BENCH_TAG=$tmp "$SUPD" -c "$tmp/bench.ini" -s "$sock" \
		--state "$tmp/state.db" --log-dir "$tmp/log" 2>>"$tmp/supd.log" &
	supd_pid=$!
	for i in $(seq 500); do
		"$SUPCTL" -s "$sock" status >/dev/null 2>&1 && return 0
		kill -0 "$supd_pid" 2>/dev/null || break
		sleep 0.02
	done
	echo "$(basename "$0"): supd did not start:" >&2
	cat "$tmp/supd.log" >&2
	exit 1
}

# Wait (60 s at most) until no child of supd is running or in a disk wait:
# thousands of sleeps just spawned are still loading, and a timing taken
# meanwhile measures them.
settle() {
	local k
	for k in $(seq 300); do
		ps -o stat= --ppid "$supd_pid" | grep -q '^[RD]' || return 0
		sleep 0.2
	done
}

# CPU seconds (user + system) supd has used so far.
supd_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' \
	    "/proc/$supd_pid/stat"
}

# Set variable $1 to the time in microseconds, from bash's own clock: no
# process is started to read it (a $(...) would fork).
stamp() {
	printf -v "$1" '%s' "${EPOCHREALTIME/[.,]/}"
}

# The median of the numbers given.
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# a / b to two decimals
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
