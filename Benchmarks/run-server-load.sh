#!/usr/bin/env bash
# Load test of Segment ingestion: wrk on loopback against POST /v1/batch of a release `kehu serve`,
# every request a valid 100-message batch (100 events; Benchmarks/peers/segment_batch.lua), then
# a graceful stop (the inbox is flushed) and a count of the stored events against the requests
# answered 200.
#
# Usage: Benchmarks/run-server-load.sh [--duration 60] [--connections 16] [--threads 1]
#                                      [--flush-interval 5] [--work DIR] [--kill] [--no-build]
#   --duration S        seconds of load (60; the batches for it are built first, about 2 s per
#                       second of load, and wrk holds about 50 MB per second of load)
#   --connections N     concurrent connections (16: with 32 always waiting, a p99 under 50 ms
#                       needs far more than 100k events/s)
#   --threads N         wrk threads (1: one thread kept 16 connections busy at 1,270 requests/s
#                       on 0.17 of a core; two took 0.63 of a core from the server's 2)
#   --flush-interval S  the server's inbox flush interval (5, the default of kehu serve)
#   --work DIR          data directory, logs and results (default $KEHU_BENCH_DIR/server, or
#                       /tmp/kehu-bench/server); never the repository; emptied first
#   --kill              stop the server with SIGKILL instead of SIGTERM: nothing is flushed at
#                       the end, so WORK/data keeps what the inbox held (still counted as stored;
#                       Benchmarks/run-flush.sh times flushing it)
#   --no-build          use the release kehu already built
# Needs wrk (Debian package `wrk`; installed with apt-get when missing and running as root).
# Prints one summary (events/s, latency percentiles, server and wrk CPU, load average, the count check)
# and writes it with the raw wrk output to WORK/results/.
set -euo pipefail

DURATION=60
CONNECTIONS=16
THREADS=1
FLUSH=5
BUILD=1
STOP=TERM
WORK="${KEHU_BENCH_DIR:-/tmp/kehu-bench}/server"
EVENTS_PER_REQUEST=100

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION="${2:?--duration needs seconds}"; shift 2 ;;
        --connections) CONNECTIONS="${2:?--connections needs a number}"; shift 2 ;;
        --threads) THREADS="${2:?--threads needs a number}"; shift 2 ;;
        --flush-interval) FLUSH="${2:?--flush-interval needs seconds}"; shift 2 ;;
        --work) WORK="${2:?--work needs a directory}"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --kill) STOP=KILL; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option '$1'; see --help" >&2; exit 64 ;;
    esac
done
for pair in "--duration:$DURATION" "--connections:$CONNECTIONS" "--threads:$THREADS" "--flush-interval:$FLUSH"; do
    case "${pair#*:}" in ''|*[!0-9]*|0) echo "${pair%%:*} must be a positive whole number (got '${pair#*:}')" >&2; exit 64 ;; esac
done

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "$WORK" in "$REPO"|"$REPO"/*) echo "--work must be outside the repository (got $WORK)" >&2; exit 64 ;; esac
say() { printf '\n== %s\n' "$*" >&2; }

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        say "installing wrk"
        apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
    else
        echo "wrk is not installed: apt-get install wrk" >&2; exit 69
    fi
fi
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

say "starting kehu serve"
"$KEHU" serve --data "$DATA" --port 0 --flush-interval "$FLUSH" 2>"$WORK/server.log" &
SERVER=$!
trap 'kill -9 $SERVER 2>/dev/null || true' EXIT
URL=""
for _ in $(seq 1 300); do
    URL="$(sed -n 's/^kehu serve: listening on \(http:[^ ]*\).*/\1/p' "$WORK/server.log" | head -1)"
    [ -n "$URL" ] && break
    kill -0 $SERVER 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$URL" ] || { echo "the server did not start; see $WORK/server.log" >&2; exit 1; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
TICKS=$(getconf CLK_TCK)
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
CPU_BEFORE=$(cpu_ticks)
say "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s against $URL/v1/batch (load average before: $LOAD_BEFORE)"
# The batches are built before the clock starts, 1,400 per second of load in all (140,000 events/s,
# more than the server takes), split between the threads, so no request repeats another's
# consumers; each thread's first request waits until every thread's batches are built (see
# segment_batch.lua).
rm -rf "$WORK/ready" && mkdir -p "$WORK/ready"
# wrk's own CPU while it sends (not while it builds its batches): it shares the 2 cores. The
# sampler starts once every thread's batches are built (at once with KEHU_LOAD_FRESH=1, which
# builds none), and gives up if wrk has ended first or this script is gone.
rm -f "$WORK/results/wrk-ended"
(
    while :; do
        { [ -e "$WORK/results/wrk-ended" ] || ! kill -0 $$ 2>/dev/null; } && exit 0
        if [ "${KEHU_LOAD_FRESH:-0}" = 1 ] || [ -e "$WORK/ready/ready-$THREADS" ]; then
            WRK=$(pgrep -n -x wrk) && break
        fi
        sleep 0.2
    done
    first=$(awk '{print $14 + $15}' "/proc/$WRK/stat" 2>/dev/null) || exit 0
    last=$first
    while now=$(awk '{print $14 + $15}' "/proc/$WRK/stat" 2>/dev/null); do last=$now; sleep 0.5; done
    echo $((last - first)) > "$WORK/results/wrk-ticks"
) &
SAMPLER=$!
KEHU_KEY="$KEY" KEHU_LOAD_THREADS="$THREADS" KEHU_LOAD_POOL="${KEHU_LOAD_POOL:-$((DURATION * 1400 / THREADS))}" \
    KEHU_LOAD_READY_DIR="$WORK/ready" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
    -s "$REPO/Benchmarks/peers/segment_batch.lua" "$URL" | tee "$WORK/results/wrk.txt" >&2
touch "$WORK/results/wrk-ended"
wait $SAMPLER 2>/dev/null || true
CPU_AFTER=$(cpu_ticks)
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
RSS_KB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")

if [ "$STOP" = KILL ]; then
    say "stopping the server (SIGKILL: the inbox keeps what it holds)"
else
    say "stopping the server (SIGTERM: the inbox is flushed before it exits)"
fi
STOP_START=$(date +%s.%N)
kill -$STOP $SERVER
wait $SERVER 2>/dev/null || true
STOP_SECONDS=$(echo "$(date +%s.%N) - $STOP_START" | bc)
trap - EXIT

STORED="$("$KEHU" stats --data "$DATA" --workspace load --format json 2>/dev/null \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["overview"]["events"])')"
get() { sed -n "s/^$1 //p" "$WORK/results/wrk.txt"; }
REQUESTS=$(get requests); ACKED=$(get acknowledged); FAILED=$(get failed); SECONDS_RUN=$(get duration_s)
EXPECTED=$((ACKED * EVENTS_PER_REQUEST))
EXTRA=$((STORED - EXPECTED))
if [ $EXTRA -eq 0 ]; then
    CHECK="stored = acknowledged x $EVENTS_PER_REQUEST exactly"
elif [ $EXTRA -gt 0 ] && [ $((EXTRA % EVENTS_PER_REQUEST)) -eq 0 ] && [ $((EXTRA / EVENTS_PER_REQUEST)) -le "$CONNECTIONS" ] \
    && [ "$STORED" -le $((REQUESTS * EVENTS_PER_REQUEST)) ]; then
    CHECK="stored = acknowledged x $EVENTS_PER_REQUEST + $((EXTRA / EVENTS_PER_REQUEST)) whole requests in flight when wrk stopped (at most one per connection)"
else
    CHECK="MISMATCH: $STORED stored, $EXPECTED acknowledged"
fi
RATE=$(echo "scale=0; $EXPECTED / $SECONDS_RUN" | bc)
CPU=$(echo "scale=1; ($CPU_AFTER - $CPU_BEFORE) / $TICKS" | bc)

{
    echo "machine           $(nproc) cores, $(uname -sr)"
    echo "load average      before $LOAD_BEFORE, after $LOAD_AFTER"
    echo "wrk               -t$THREADS -c$CONNECTIONS -d${DURATION}s, 100-message batches (100 events each); $(get pool)"
    echo "requests          $REQUESTS sent, $ACKED answered 200, $FAILED other answers"
    echo "acknowledged      $EXPECTED events in ${SECONDS_RUN} s: $RATE events/s"
    echo "latency           p50 $(get latency_p50_ms) ms, p90 $(get latency_p90_ms) ms, p99 $(get latency_p99_ms) ms, p99.9 $(get latency_p99.9_ms) ms"
    echo "server CPU        $CPU s during the load (of $(echo "$SECONDS_RUN * $(nproc)" | bc) core-seconds), peak RSS $((RSS_KB / 1024)) MiB"
    if [ -s "$WORK/results/wrk-ticks" ]; then
        echo "wrk CPU           $(echo "scale=1; $(cat "$WORK/results/wrk-ticks") / $TICKS" | bc) s while sending (up to half a second before wrk exited)"
    fi
    if [ "$STOP" = KILL ]; then
        echo "stop              SIGKILL, nothing flushed: $(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COALESCE(SUM(events), 0) FROM entry").fetchone()[0])' "$DATA/load/inbox.sqlite" 2>/dev/null || echo '?') events left in the inbox"
    else
        echo "graceful stop     $STOP_SECONDS s (flushing what the inbox held)"
    fi
    echo "stored events     $STORED: $CHECK"
} | tee "$WORK/results/summary.txt"
case "$CHECK" in MISMATCH*) exit 1 ;; esac
