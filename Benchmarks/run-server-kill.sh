#!/usr/bin/env bash
# SIGKILL under load, at scale: a release `kehu serve` takes Segment batches from a load driver
# (Benchmarks/peers/segment_kill_load.py, several threads, every acknowledged messageId written
# down) and is killed with SIGKILL in the middle; then restarted (it flushes what the killed one
# left in the inbox before it listens) and stopped gracefully. Repeated for several rounds on the
# same workspace; after each, `kehu dev stored-ids` checks that every acknowledged messageId of
# every round so far is stored exactly once and that no event is stored twice.
#
# Usage: Benchmarks/run-server-kill.sh [--rounds 5] [--seconds 20] [--threads 8]
#                                      [--flush-interval 1] [--work DIR] [--no-build]
#   --rounds N          kill rounds (5)
#   --seconds S         seconds of load before each kill; each round adds up to 2 s at random (20)
#   --threads N         load driver threads (8)
#   --flush-interval S  the server's inbox flush interval (1: kills often land during a flush)
#   --work DIR          data directory, logs and results (default $KEHU_BENCH_DIR/server-kill,
#                       or /tmp/kehu-bench/server-kill); never the repository; emptied first
#   --no-build          use the release kehu already built
# Exit 1 if any acknowledged event is missing or any event is stored twice.
set -euo pipefail

ROUNDS=5
SECONDS_LOAD=20
THREADS=8
FLUSH=1
BUILD=1
WORK="${KEHU_BENCH_DIR:-/tmp/kehu-bench}/server-kill"

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS="${2:?--rounds needs a number}"; shift 2 ;;
        --seconds) SECONDS_LOAD="${2:?--seconds needs a number}"; shift 2 ;;
        --threads) THREADS="${2:?--threads needs a number}"; shift 2 ;;
        --flush-interval) FLUSH="${2:?--flush-interval needs seconds}"; shift 2 ;;
        --work) WORK="${2:?--work needs a directory}"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option '$1'; see --help" >&2; exit 64 ;;
    esac
done
for pair in "--rounds:$ROUNDS" "--seconds:$SECONDS_LOAD" "--threads:$THREADS" "--flush-interval:$FLUSH"; do
    case "${pair#*:}" in ''|*[!0-9]*|0) echo "${pair%%:*} must be a positive whole number (got '${pair#*:}')" >&2; exit 64 ;; esac
done

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "$WORK" in "$REPO"|"$REPO"/*) echo "--work must be outside the repository (got $WORK)" >&2; exit 64 ;; esac
say() { printf '\n== %s\n' "$*" >&2; }

if [ "$BUILD" = 1 ]; then
    say "building kehu (release)"
    (cd "$REPO" && swift build -c release --product kehu) >&2
fi
KEHU="${KEHU_BIN:-$REPO/.build/release/kehu}"  # KEHU_BIN: another build, e.g. to check the script
[ -x "$KEHU" ] || { echo "no release kehu at $KEHU; run without --no-build" >&2; exit 66; }

rm -rf "$WORK"
mkdir -p "$WORK/results"
DATA="$WORK/data"
KEY="$("$KEHU" keys create --role write --workspace load --create-workspace --data "$DATA" 2>/dev/null)"

# Starts the server on a free port; sets SERVER (pid) and URL.
start_server() {
    local log="$1" interval="$2"
    "$KEHU" serve --data "$DATA" --port 0 --flush-interval "$interval" 2>"$log" &
    SERVER=$!
    URL=""
    for _ in $(seq 1 600); do
        URL="$(sed -n 's/^kehu serve: listening on \(http:[^ ]*\).*/\1/p' "$log" | head -1)"
        [ -n "$URL" ] && return 0
        kill -0 $SERVER 2>/dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.1
    done
    echo "the server did not start; see $log" >&2
    exit 1
}

: > "$WORK/results/acknowledged.txt"
printf '%-6s %10s %14s %8s %16s %10s %12s %10s\n' round requests acknowledged failed "events acked" "inbox left" "stored once" missing \
    | tee "$WORK/results/summary.txt"
STATUS=0
for round in $(seq 1 "$ROUNDS"); do
    start_server "$WORK/server-$round.log" "$FLUSH"
    python3 "$REPO/Benchmarks/peers/segment_kill_load.py" "$URL" "$KEY" "$WORK/results/acked-$round.txt" \
        --threads "$THREADS" --round "$round" > "$WORK/results/driver-$round.txt" &
    DRIVER=$!
    sleep "$SECONDS_LOAD"
    sleep "0.$((RANDOM % 10))$((RANDOM % 10))"; sleep $((RANDOM % 2))
    kill -KILL $SERVER
    wait $SERVER 2>/dev/null || true
    wait $DRIVER
    # What the killed server left in the inbox (acknowledged, not yet in a segment).
    # Entries of inbox.sqlite after the catalogue's flushed-through id (docs/architecture.md, Inbox).
    INBOX_LEFT="$(python3 -c '
import sqlite3, sys
row = sqlite3.connect(sys.argv[1] + "/kehu.sqlite").execute("select value from setting where name = ?", ("inbox_flushed_through",)).fetchone()
through = int(row[0]) if row else 0
print(sqlite3.connect(sys.argv[1] + "/inbox.sqlite").execute("select coalesce(sum(events), 0) from entry where id > ?", (through,)).fetchone()[0])
' "$DATA/load")"
    cat "$WORK/results/acked-$round.txt" >> "$WORK/results/acknowledged.txt"

    # Restart: the startup flush moves the inbox into segments before the server listens.
    start_server "$WORK/server-$round-restart.log" 3600
    kill -TERM $SERVER
    wait $SERVER || true

    read -r _ REQUESTS _ ACKED _ FAILED _ EVENTS _ _ < "$WORK/results/driver-$round.txt"
    if CHECK="$("$KEHU" dev stored-ids --data "$DATA" --workspace load --ids "$WORK/results/acknowledged.txt")"; then :; else STATUS=1; fi
    echo "$CHECK" > "$WORK/results/check-$round.json"
    ONCE="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["storedOnce"])' "$CHECK")"
    MISSING="$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["missing"] + d["storedMoreThanOnce"] + d["duplicateRows"])' "$CHECK")"
    printf '%-6s %10s %14s %8s %16s %10s %12s %10s\n' "$round" "$REQUESTS" "$ACKED" "$FAILED" "$EVENTS" "$INBOX_LEFT" "$ONCE" "$MISSING" \
        | tee -a "$WORK/results/summary.txt"
done
echo "final check: $(cat "$WORK/results/check-$ROUNDS.json")" | tee -a "$WORK/results/summary.txt"
exit $STATUS
