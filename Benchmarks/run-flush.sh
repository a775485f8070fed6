#!/usr/bin/env bash
# The inbox flush on its own: fills a server's inbox with Benchmarks/run-server-load.sh (the same
# wrk load and 100-event Segment batches, with the server's flush timer off and a SIGKILL at the
# end, so every acknowledged event is still waiting), then times `kehu flush` moving all of it into
# segments, each run on a fresh copy of that data directory, with nothing else running.
#
# This is the work the server's flusher does while requests arrive, measured without them: it
# says how much of the two cores sustaining a given rate leaves to the requests.
#
# Usage: Benchmarks/run-flush.sh [--duration 20] [--runs 2] [--work DIR] [--no-build]
#   --duration S   seconds of load filling the inbox (20: about 2M events)
#   --runs N       flushes of the same inbox, each on a fresh copy (2)
#   --work DIR     working directory (default $KEHU_BENCH_DIR/flush, or /tmp/kehu-bench/flush);
#                  never the repository; emptied first
#   --no-build     use the release kehu already built (KEHU_BIN: another build)
# Prints, per run: wall, user and system seconds, peak RSS, events/s and CPU per event, the
# flush's own phases (KEHU_TRACE) per session, and what a small fsync beside it waited
# (Benchmarks/peers/sync_probe.py: 25 KB and an fdatasync every 5 ms, as an inbox group commit).
set -euo pipefail

DURATION=20
RUNS=2
BUILD=1
WORK="${KEHU_BENCH_DIR:-/tmp/kehu-bench}/flush"

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION="${2:?--duration needs seconds}"; shift 2 ;;
        --runs) RUNS="${2:?--runs needs a number}"; shift 2 ;;
        --work) WORK="${2:?--work needs a directory}"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option '$1'; see --help" >&2; exit 64 ;;
    esac
done
for pair in "--duration:$DURATION" "--runs:$RUNS"; do
    case "${pair#*:}" in ''|*[!0-9]*|0) echo "${pair%%:*} must be a positive whole number (got '${pair#*:}')" >&2; exit 64 ;; esac
done

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "$WORK" in "$REPO"|"$REPO"/*) echo "--work must be outside the repository (got $WORK)" >&2; exit 64 ;; esac
say() { printf '\n== %s\n' "$*" >&2; }

BUILD_FLAG=()
[ "$BUILD" -eq 0 ] && BUILD_FLAG=(--no-build)
KEHU="${KEHU_BIN:-$REPO/.build/release/kehu}"

rm -rf "$WORK"
mkdir -p "$WORK/results"
say "filling the inbox: $DURATION s of load, the server's flush timer off, SIGKILL at the end"
# Without a flush the server takes about 155,000 events/s (1,550 requests/s): a pool of 2,000
# batches per second of load, so no batch is sent twice.
KEHU_LOAD_POOL="${KEHU_LOAD_POOL:-$((DURATION * 2000))}" \
    "$REPO/Benchmarks/run-server-load.sh" "${BUILD_FLAG[@]}" --duration "$DURATION" --flush-interval 86400 --kill \
    --work "$WORK/fill" > "$WORK/results/fill.txt"
cat "$WORK/results/fill.txt" >&2

for run in $(seq 1 "$RUNS"); do
    rm -rf "$WORK/run"
    cp -a "$WORK/fill/data" "$WORK/run"
    say "flush run $run"
    rm -f "$WORK/probe-stop"
    python3 "$REPO/Benchmarks/peers/sync_probe.py" "$WORK/probe.bin" "$WORK/probe-stop" > "$WORK/results/probe-$run.txt" &
    PROBE=$!
    sleep 0.5
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/results/time-$run.txt" env KEHU_TRACE=1 \
        "$KEHU" flush --data "$WORK/run" --workspace load > "$WORK/results/flush-$run.txt" 2> "$WORK/results/trace-$run.txt"
    touch "$WORK/probe-stop"
    wait $PROBE
    read -r WALL USER SYS RSS_KB < "$WORK/results/time-$run.txt"
    EVENTS="$(sed -n 's/^flushed \([0-9]*\) inbox events.*/\1/p' "$WORK/results/flush-$run.txt")"
    {
        echo "run $run            $EVENTS events flushed in $WALL s: $(echo "scale=0; $EVENTS / $WALL" | bc) events/s"
        echo "  CPU             $USER s user + $SYS s system = $(echo "scale=2; ($USER + $SYS) * 1000000 / $EVENTS" | bc) µs per event; peak RSS $((RSS_KB / 1024)) MiB"
        echo "  $(cat "$WORK/results/probe-$run.txt")"
        # One line per flush session: its events and the seconds since it started at each phase.
        awk '
            /trace: flush: [0-9]+ inbox entries read/ { if (line != "") print line; line = "  session" }
            /events added/ { line = line sprintf("  %s events: added %.2f s", $3, $(NF-1)) }
            /keys inserted/ { line = line sprintf(", keys %.2f", $(NF-1)) }
            /catalogue transaction/ { line = line sprintf(", catalogue %.2f", $(NF-1)) }
            /flush: committed/ { line = line sprintf(", committed %.2f", $(NF-1)) }
            /inbox entries deleted/ { line = line sprintf(", deleted %.2f s", $(NF-1)) }
            END { if (line != "") print line }
        ' "$WORK/results/trace-$run.txt"
    } | tee -a "$WORK/results/summary.txt"
done
echo "(keys, catalogue: seconds since the commit began; committed, deleted: since the session began)" \
    | tee -a "$WORK/results/summary.txt"
