#!/usr/bin/env bash
# Times two commands in interleaved pairs (A B A B ...) and prints each one's wall and
# CPU seconds (min, median, max) and the ratio A/B taken pair by pair: pairing keeps a
# ratio meaningful on a shared machine whose speed drifts in phases of minutes.
#
#   benches/pairs.sh [-n PAIRS] [-w WARMUP] 'COMMAND_A' 'COMMAND_B'
#
# Each command is one string split into words as a shell splits them (no globbing,
# no shell syntax: `env X=1 CMD` for a variable, `bash -c '...'` for a pipe) and run
# directly, its output thrown away; times come from bash's `time` (wall = real,
# cpu = user + sys of the command and its children).
set -euo pipefail -o noglob
pairs=21 warmup=1
usage() {
    echo "usage: $0 [-n PAIRS] [-w WARMUP] 'COMMAND_A' 'COMMAND_B'" >&2
    exit 2
}
while getopts "n:w:" o; do
    case $o in
        n) pairs=$OPTARG ;;
        w) warmup=$OPTARG ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
a=$1 b=$2
TIMEFORMAT='%3R %3U %3S'
# One timed run: prints "wall cpu"; a command that fails stops the script.
one() {
    local t
    # shellcheck disable=SC2086 # the command's words, split on purpose
    t=$( { time $1 >/dev/null 2>&1; } 2>&1 ) || { echo "failed: $1" >&2; exit 1; }
    awk '{printf "%.3f %.3f\n", $1, $2 + $3}' <<<"$t"
}
for ((k = 0; k < warmup; k++)); do
    one "$a" >/dev/null
    one "$b" >/dev/null
done
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
for ((k = 0; k < pairs; k++)); do
    # Assignments, so that a command that fails stops the script (set -e).
    ta=$(one "$a")
    tb=$(one "$b")
    echo "$ta $tb" >>"$rows"
done
# Columns: A wall, A cpu, B wall, B cpu.
stat() { # stat COLUMN_EXPRESSION LABEL
    awk "{print ($1)}" "$rows" | sort -g | awk -v label="$2" '
        { v[NR] = $1 }
        END {
            if (NR % 2) m = v[(NR + 1) / 2]
            else if (v[NR / 2 + 1] == "inf") m = "inf"
            else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%-12s %10s %10s %10s\n", label, num(v[1]), num(m), num(v[NR])
        }
        function num(x) {
            return x == "inf" ? x : sprintf("%.4f", x)
        }'
}
printf "%-12s %10s %10s %10s   (%d pairs; A: %s; B: %s)\n" "" min median max "$pairs" "$a" "$b"
stat '$1' "A wall s"
stat '$2' "A cpu s"
stat '$3' "B wall s"
stat '$4' "B cpu s"
# A time below bash's millisecond reads as 0: its ratio is infinite, not an error.
stat '$3 > 0 ? $1 / $3 : "inf"' "A/B wall"
stat '$4 > 0 ? $2 / $4 : "inf"' "A/B cpu"
stat '$1 > 0 ? $3 / $1 : "inf"' "B/A wall"
