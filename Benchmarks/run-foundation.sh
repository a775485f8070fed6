#!/usr/bin/env bash
# Kehu's foundation benchmarks side by side with DuckDB, in one run, printed as one table:
#   generator (batches, and CSV written by `kehu generate`), CSV ingest (`kehu ingest`, which is
#   FileIngest.run, then compaction), the stages of an ingest, snapshot build time and bytes per
#   event, and DuckDB's read_csv into a table on the same CSV file.
#
# Usage: Benchmarks/run-foundation.sh [--events 10M] [--runs 3] [--with-100m] [--work DIR] [--keep]
#   --events N    events to generate and ingest (about; 10M by default, e.g. 1M, 500k)
#   --runs N      timed runs of each ingest (median reported; 3 by default)
#   --with-100m   also build a 100M-event store from generator batches (no CSV) and measure its
#                 snapshot: about 10 GB of disk, about 11 GB of RAM, about 8 more minutes
#   --work DIR    where the CSV, data directories and results go (default
#                 $KEHU_BENCH_DIR/foundation, or /tmp/kehu-bench/foundation); never the repo
#   --keep        keep the CSV and data directories afterwards
# Results: the table on stdout, every measurement as JSON in WORK/results.json.
set -euo pipefail

EVENTS=10M
RUNS=3
WITH_100M=0
KEEP=0
WORK="${KEHU_BENCH_DIR:-/tmp/kehu-bench}/foundation"

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --events) EVENTS="${2:?--events needs a count, e.g. 10M}"; shift 2 ;;
        --runs) RUNS="${2:?--runs needs a number}"; shift 2 ;;
        --with-100m) WITH_100M=1; shift ;;
        --work) WORK="${2:?--work needs a directory}"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option '$1'; see --help" >&2; exit 64 ;;
    esac
done
case "$RUNS" in ''|*[!0-9]*|0) echo "--runs must be a positive whole number (got '$RUNS')" >&2; exit 64 ;; esac

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$REPO/Benchmarks"
case "$WORK" in "$REPO"|"$REPO"/*) echo "--work must be outside the repository (got $WORK)" >&2; exit 64 ;; esac
mkdir -p "$WORK"
RESULTS="$WORK/results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
SCRIPT_STARTED=$(date +%s.%N)

say() { printf '\n== %s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v since="$1" -v until="$(now)" 'BEGIN { printf "%.6f", until - since }'; }

# --- Build ------------------------------------------------------------------------------------
say "building kehu and kehu-measure (release)"
(cd "$REPO" && swift build -c release --product kehu) >&2
(cd "$BENCH" && swift build -c release --product kehu-measure) >&2
KEHU="$REPO/.build/release/kehu"
MEASURE="$BENCH/.build/release/kehu-measure"

# --- Python venv for the DuckDB peer ------------------------------------------------------------
VENV="$BENCH/.venv"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
    say "creating $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet -r "$BENCH/peers/requirements.txt" >&2
fi
PY="$VENV/bin/python"

# --- Machine ------------------------------------------------------------------------------------
"$PY" - "$RESULTS/machine.json" "$WORK" <<'EOF'
import json, os, platform, subprocess, sys
import duckdb
def out(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""
model = next((l.split(":", 1)[1].strip() for l in out("lscpu").splitlines() if l.startswith("Model name")), platform.processor())
mem = next((int(l.split()[1]) * 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
json.dump({
    "nproc": int(out("nproc") or 0), "cpu": model, "memory_bytes": mem,
    "swift": out("swift", "--version").splitlines()[0] if out("swift", "--version") else "",
    "duckdb": duckdb.__version__, "python": platform.python_version(), "kernel": platform.release(),
    "load_at_start": os.getloadavg()[0], "disk_free_bytes": os.statvfs(sys.argv[2]).f_bavail * os.statvfs(sys.argv[2]).f_frsize,
}, open(sys.argv[1], "w"))
EOF

# --- Generate the CSV ---------------------------------------------------------------------------
BRAND=$("$MEASURE" brand --events "$EVENTS")
CONSUMERS=$(echo "$BRAND" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["consumers"])')
CSV="$WORK/brand-${CONSUMERS}c.csv"
say "kehu generate --consumers $CONSUMERS --days 730 --seed 7 (about $EVENTS events)"
rm -f "$CSV"
started=$(now)
"$KEHU" generate --consumers "$CONSUMERS" --days 730 --seed 7 --out "$CSV" > "$RESULTS/generate.txt"
GENERATE_SECONDS=$(elapsed "$started")
cat "$RESULTS/generate.txt" >&2
CSV_EVENTS=$(( $(wc -l < "$CSV") - 1 ))
CSV_BYTES=$(stat -c %s "$CSV")
echo "{\"events\": $CSV_EVENTS, \"bytes\": $CSV_BYTES, \"seconds\": $GENERATE_SECONDS, \"consumers\": $CONSUMERS}" > "$RESULTS/generate.json"

say "generator batches (BrandSimulator.forEachChunk, nothing written)"
"$MEASURE" generate-batches --events "$EVENTS" > "$RESULTS/generate-batches.json"
cat "$RESULTS/generate-batches.json" >&2

# --- kehu ingest --------------------------------------------------------------------------------
# `--no-compact` is FileIngest.run alone (the ingest target); the default also compacts, as users
# get it. The last run of the default leaves the data directory the snapshot is measured on.
DATA="$WORK/data-ingest"
say "kehu ingest, $RUNS runs each, fresh data directory per run"
if command -v hyperfine > /dev/null; then
    hyperfine --runs "$RUNS" --prepare "rm -rf '$DATA'" --export-json "$RESULTS/hyperfine-ingest.json" \
        -n "kehu ingest --no-compact" "'$KEHU' ingest --data '$DATA' --no-compact '$CSV'" \
        -n "kehu ingest" "'$KEHU' ingest --data '$DATA' '$CSV'" >&2
else
    # No hyperfine (apt-get install hyperfine): the same runs timed with date, median kept.
    "$PY" - "$RESULTS/hyperfine-ingest.json" "$RUNS" "$DATA" "$KEHU" "$CSV" <<'EOF'
import json, shutil, statistics, subprocess, sys, time
out, runs, data, kehu, csv = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
results = []
for name, extra in (("kehu ingest --no-compact", ["--no-compact"]), ("kehu ingest", [])):
    times = []
    for _ in range(runs):
        shutil.rmtree(data, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run([kehu, "ingest", "--data", data, *extra, csv], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    results.append({"command": name, "times": times, "median": statistics.median(times), "mean": statistics.mean(times)})
    print(f"{name}: median {statistics.median(times):.3f} s of {times}", file=sys.stderr)
json.dump({"results": results}, open(out, "w"))
EOF
fi
"$KEHU" stats --data "$DATA" > "$RESULTS/stats.txt" 2>&1 || true

# --- DuckDB on the same file --------------------------------------------------------------------
say "DuckDB read_csv into a table (in-memory and on-disk), $RUNS runs each"
"$PY" "$BENCH/peers/duckdb_ingest.py" --csv "$CSV" --runs "$RUNS" --disk-dir "$WORK" > "$RESULTS/duckdb.jsonl"
cat "$RESULTS/duckdb.jsonl" >&2

# --- Where an ingest's time goes ----------------------------------------------------------------
say "ingest stages (read alone, decodeFile alone, FileIngest.run with its own split)"
KEHU_BENCH_DIR="$WORK" "$MEASURE" stages --csv "$CSV" > "$RESULTS/stages.json"
cat "$RESULTS/stages.json" >&2

# --- Snapshot -----------------------------------------------------------------------------------
say "snapshot build on the ingested workspace (3 builds, one process)"
"$MEASURE" snapshot --data "$DATA" --builds 3 > "$RESULTS/snapshot.json"
cat "$RESULTS/snapshot.json" >&2

if [ "$WITH_100M" = 1 ]; then
    STORE="$WORK/store-100M"
    say "100M: store from generator batches (KeyHasher + IngestSession + compaction)"
    rm -rf "$STORE"
    "$MEASURE" build-store --events 100M --data "$STORE" > "$RESULTS/store-100M.json"
    cat "$RESULTS/store-100M.json" >&2
    say "100M: snapshot build (fresh process)"
    "$MEASURE" snapshot --data "$STORE" --builds 1 > "$RESULTS/snapshot-100M.json"
    cat "$RESULTS/snapshot-100M.json" >&2
    [ "$KEEP" = 1 ] || rm -rf "$STORE"
fi

if [ "$KEEP" = 0 ]; then rm -rf "$CSV" "$DATA"; fi

# --- The table ----------------------------------------------------------------------------------
"$PY" - "$RESULTS" "$(elapsed "$SCRIPT_STARTED")" <<'EOF'
import glob, json, os, sys
results, wall = sys.argv[1], float(sys.argv[2])
def load(name):
    path = os.path.join(results, name)
    return json.load(open(path)) if os.path.exists(path) else None
machine = load("machine.json")
machine["load_at_end"] = os.getloadavg()[0]
gen, batches, stages, snap = load("generate.json"), load("generate-batches.json"), load("stages.json"), load("snapshot.json")
ingest = {r["command"]: r for r in load("hyperfine-ingest.json")["results"]}
duck = {d["database"]: d for d in map(json.loads, open(os.path.join(results, "duckdb.jsonl")))}
events = gen["events"]

rows = []
def row(what, value, unit, target="", verdict=""):
    rows.append((what, value, unit, target, verdict))
def rate(n, s):
    return n / s if s > 0 else 0
def met(ok):
    return "met" if ok else "MISSED"
def fmt(x, digits=0):
    return f"{x:,.{digits}f}"

gen_rate = rate(events, gen["seconds"])
row("generator: batches (forEachChunk)", fmt(batches["eventsPerSecond"]), "events/s", ">= 1,000,000", met(batches["eventsPerSecond"] >= 1e6))
row("generator: CSV written (kehu generate)", fmt(gen_rate), "events/s", ">= 1,000,000", met(gen_rate >= 1e6))
row("  CSV file", f"{events:,} events, {gen['bytes'] / 2**20:,.0f} MiB", "", "", "")
ing = ingest["kehu ingest --no-compact"]
ing_rate = rate(events, ing["median"])
def spread(r):
    return f"runs {min(r['times']):.2f} .. {max(r['times']):.2f} s"
row("kehu ingest --no-compact (FileIngest.run)", fmt(ing["median"], 2), "s (median)", "", spread(ing))
row("  ingest rate", fmt(ing_rate), "events/s", ">= 2,000,000", met(ing_rate >= 2e6))
full = ingest["kehu ingest"]
row("kehu ingest (compacts at >= 8 segments)", fmt(full["median"], 2), "s (median)", "", spread(full))
row("  ingest + compaction rate", fmt(rate(events, full["median"])), "events/s", "", "")
for name in ("memory", "disk"):
    d = duck.get(name)
    if d:
        row(f"DuckDB {d['version']} read_csv -> table ({name})", fmt(d["seconds"], 2), "s (median)", "",
            f"runs {min(d['runs']):.2f} .. {max(d['runs']):.2f} s")
        row(f"  DuckDB rate ({name})", fmt(d["rows_per_second"]), "rows/s", "", "")
        row(f"  Kehu / DuckDB {name} (rate ratio)", f"{ing_rate / d['rows_per_second']:.2f}", "x", "", "")
row("stages: read the file only", fmt(stages["readSeconds"], 2), "s", "", f"{stages['bytes'] / 2**20 / max(stages['readSeconds'], 1e-9):,.0f} MiB/s")
row("stages: decodeFile alone", fmt(stages["decodeOnlySeconds"], 2), "s", "", f"{rate(events, stages['decodeOnlySeconds']):,.0f} ev/s")
row("stages: FileIngest.run in-process", fmt(stages["fileIngestSeconds"], 2), "s", "", f"{rate(events, stages['fileIngestSeconds']):,.0f} ev/s")
for stage in stages["fileIngestStages"]:
    name, seconds = stage["stage"], stage["seconds"]
    share = seconds / stages["fileIngestSeconds"] * 100 if stages["fileIngestSeconds"] else 0
    row(f"  FileIngest.run: {name}", fmt(seconds, 2), "s", "", f"{share:.0f}%")

def snapshot_rows(label, s):
    f = s["first"]
    row(f"snapshot build {label}: {f['events']:,} events, {f['segments']} segments", fmt(s["medianSeconds"], 2), "s (median)", "", "")
    row("  Snapshot.byteCount / event", fmt(f["snapshotBytesPerEvent"], 2), "B/event", "<= 24", met(f["snapshotBytesPerEvent"] <= 24))
    row("  RSS growth across build / event", fmt(f["residentGrowthPerEvent"], 2), "B/event", "<= 24", met(f["residentGrowthPerEvent"] <= 24))
    row("  RSS growth after malloc_trim(0) / event", fmt(f["residentGrowthAfterTrimPerEvent"], 2), "B/event", "", "diagnostic")
    row("  peak RSS growth during build / event", fmt(f["peakGrowthPerEvent"], 2), "B/event", "", "")
snapshot_rows("(ingested CSV)", snap)
big = load("snapshot-100M.json")
if big:
    store = load("store-100M.json")
    row(f"100M store from batches: {store['events']:,} events", fmt(store["ingestSeconds"] + store["commitSeconds"], 1), "s", "", f"+ {store['compactSeconds']:.1f} s compaction")
    snapshot_rows("100M", big)

widths = [max(len(str(r[i])) for r in rows + [("what", "value", "unit", "target", "")]) for i in range(5)]
print()
print(f"Kehu foundation benchmarks: {machine['nproc']} x {machine['cpu']}, {machine['memory_bytes'] / 2**30:.1f} GiB, "
      f"{machine['swift']}, DuckDB {machine['duckdb']}; load average {machine['load_at_start']:.2f} at start, "
      f"{machine['load_at_end']:.2f} at end")
header = ("what", "value", "unit", "target", "")
for r in [header] + rows:
    print("  ".join([r[0].ljust(widths[0]), str(r[1]).rjust(widths[1]), r[2].ljust(widths[2]), r[3].ljust(widths[3]), r[4]]).rstrip())
print(f"\nscript wall time {wall:.0f} s; results in {results}/")
json.dump({"machine": machine, "generate": gen, "generate_batches": batches, "ingest": ingest, "duckdb": duck,
           "stages": stages, "snapshot": snap, "snapshot_100M": big, "store_100M": load("store-100M.json"),
           "table": rows}, open(os.path.join(results, "..", "results.json"), "w"), indent=1)
EOF
