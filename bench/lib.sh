# bench/lib.sh: recording and summarising measurements for bench/run.sh.
# Source after tests/integration/lib/common.sh.
#
#   rec NAME REP KEY=NUM...   one measurement: appends a JSON object
#                             {"name":NAME,"rep":REP,KEY:NUM,...} to $RAW
#   med NAME KEY              "median min max" of KEY over NAME's reps
#   kv_line KEY LINE          value of KEY=... in a bench_requests line
#   rec_line NAME REP LINE KEY...  rec of those KEYs' values in LINE
#   proc_cpu_ticks PID        utime+stime of PID (clock ticks)
#   proc_wakeups PID          voluntary+involuntary context switches of PID
#   proc_kb PID FIELD         VmRSS / VmHWM of PID in kB
#   machine_note              nproc, load, memory, disk and fsync rate of $T
#   keygen_ms                 ms per RSA-2048 key, 8 made one at a time

# BENCH_RAW keeps the raw lines where a failed run does not remove them
RAW=${BENCH_RAW:-${RAW:-$T/raw.jsonl}}

rec() {
	local name=$1 rep=$2 kvp json
	shift 2
	json="{\"name\":\"$name\",\"rep\":$rep"
	for kvp in "$@"; do
		json+=",\"${kvp%%=*}\":${kvp#*=}"
	done
	printf '%s}\n' "$json" >> "$RAW"
}

med() {
	jq -rs --arg n "$1" --arg k "$2" '[.[] | select(.name == $n) | .[$k]]
	    | sort | if length == 0 then "- - -" else
	    "\(.[length / 2 | floor]) \(.[0]) \(.[-1])" end' "$RAW"
}

kv_line() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# rec_line NAME REP LINE KEY...: rec the KEYs of LINE ("k=v k=v ...", a
# bench program's output)
rec_line() {
	local name=$1 rep=$2 line=$3 k kvs=()
	shift 3
	for k in "$@"; do
		kvs+=("$k=$(kv_line "$k" "$line")")
	done
	rec "$name" "$rep" "${kvs[@]}"
}

proc_cpu_ticks() {
	local f
	read -ra f < "/proc/$1/stat" || return 1
	echo $((f[13] + f[14]))
}

proc_wakeups() {
	awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { n += $2 }
	    END { print n + 0 }' "/proc/$1/status"
}

proc_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# The machine's speed at the one thing both renewal sides spend their CPU
# on: this VM's speed changed 2x within a day, and runs hours apart only
# compare with it beside them.
keygen_ms() {
	local i t0
	t0=$(now_ms)
	for i in 1 2 3 4 5 6 7 8; do
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		    -out /dev/null 2> /dev/null || { echo 0; return; }
	done
	echo $(( ($(now_ms) - t0) / 8 ))
}

# durable 4 KiB writes per second on $T's disk (what bounds a commit)
fsync_rate() {
	local out
	out=$(dd if=/dev/zero of="$T/.fsync" bs=4k count=200 oflag=dsync 2>&1 |
	    awk '/copied/ { print $(NF-3) }' | tr ',' '.')
	rm -f "$T/.fsync"
	awk -v s="$out" 'BEGIN { if (s > 0) printf "%.0f\n", 200 / s; else print 0 }'
}
