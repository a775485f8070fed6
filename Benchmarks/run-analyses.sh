#!/usr/bin/env bash
# Kehu's analyses beside the same analyses written as SQL in DuckDB, on identical rows, in one run,
# printed as one table: warm time per analysis on each side (best of --runs, and the median), the
# ratio, and whether the two agree on the numbers.
#
# Usage: Benchmarks/run-analyses.sh [--events 10M] [--runs 3] [--work DIR] [--only a,b] [--no-build]
#                                   [--fresh] [--keep-csv]
#   --events N    events to generate (about; 10M by default, e.g. 1M, 100M)
#   --runs N      timed runs per analysis on each side after one warm-up run (3)
#   --work DIR    where data goes (default $KEHU_BENCH_DIR/analyses, or /tmp/kehu-bench/analyses);
#                 never the repository. Kept between runs: WORK/N/ holds the Kehu data directory
#                 and the DuckDB database, reused unless --fresh
#   --only LIST   comma-separated entry names (default: all: every analysis in AnalysisCatalogue.all,
#                 some also as variants such as funnel-strict; `kehu-analyses run --help` lists them)
#   --no-build    use the kehu and kehu-analyses already built (release)
#   --fresh       generate, ingest, export and load again even when WORK/N/ has them
#   --keep-csv    keep the generated and exported CSV files (deleted once loaded by default)
# Steps (once per size; then reused): `kehu generate` (730 days, seed 7, consumers = events / 95.7,
# as run-foundation.sh), `kehu ingest`, `kehu-analyses export` (the snapshot's rows with OneID's
# consumer ids), `duckdb_analyses.py load`. Every run: `kehu-analyses run` (snapshot built once,
# each analysis warmed then timed), `duckdb_analyses.py run` (each SQL statement warmed then
# timed, numbers checked against Kehu's reports). Results: the table on stdout, JSON in
# WORK/N/results/.
set -euo pipefail

EVENTS=10M
RUNS=3
BUILD=1
FRESH=0
KEEP_CSV=0
ONLY=""
WORK="${KEHU_BENCH_DIR:-/tmp/kehu-bench}/analyses"

usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --events) EVENTS="${2:?--events needs a count, e.g. 10M}"; shift 2 ;;
        --runs) RUNS="${2:?--runs needs a number}"; shift 2 ;;
        --work) WORK="${2:?--work needs a directory}"; shift 2 ;;
        --only) ONLY="${2:?--only needs analysis names}"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --fresh) FRESH=1; shift ;;
        --keep-csv) KEEP_CSV=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option '$1'; see --help" >&2; exit 64 ;;
    esac
done
case "$RUNS" in ''|*[!0-9]*|0) echo "--runs must be a positive whole number (got '$RUNS')" >&2; exit 64 ;; esac

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$REPO/Benchmarks"
case "$WORK" in "$REPO"|"$REPO"/*) echo "--work must be outside the repository (got $WORK)" >&2; exit 64 ;; esac

say() { printf '\n== %s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v since="$1" -v until="$(now)" 'BEGIN { printf "%.3f", until - since }'; }

if [ "$BUILD" = 1 ]; then
    say "building kehu and kehu-analyses (release, Benchmarks package)"
    (cd "$BENCH" && swift build -c release --product kehu && swift build -c release --product kehu-analyses) >&2
fi
KEHU="$BENCH/.build/release/kehu"
ANALYSES="$BENCH/.build/release/kehu-analyses"
MEASURE="$BENCH/.build/release/kehu-measure"

VENV="${KEHU_PEERS_VENV:-$BENCH/.venv}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
    say "creating $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet -r "$BENCH/peers/requirements.txt" >&2
fi
PY="$VENV/bin/python"
PEER="$BENCH/peers/duckdb_analyses.py"

SIZE="$(echo "$EVENTS" | tr '[:upper:]' '[:lower:]')"
DIR="$WORK/$SIZE"
DATA="$DIR/kehu-data"
DB="$DIR/events.duckdb"
RESULTS="$DIR/results"
mkdir -p "$DIR" "$RESULTS"

# --- Data, once per size ----------------------------------------------------------------------
if [ "$FRESH" = 1 ] || [ ! -f "$DIR/prepared.json" ]; then
    rm -rf "$DATA" "$DB" "$DIR/prepared.json"
    if [ -x "$MEASURE" ]; then
        CONSUMERS=$("$MEASURE" brand --events "$EVENTS" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["consumers"])')
    else
        CONSUMERS=$("$PY" -c "import sys; t=sys.argv[1].lower(); m={'k':1e3,'m':1e6}.get(t[-1],1); print(round(float(t.rstrip('km'))*m/95.7))" "$EVENTS")
    fi
    CSV="$DIR/generated.csv"
    say "kehu generate --consumers $CONSUMERS --days 730 --seed 7 (about $EVENTS events)"
    started=$(now)
    "$KEHU" generate --consumers "$CONSUMERS" --days 730 --seed 7 --out "$CSV" >&2
    GENERATE_SECONDS=$(elapsed "$started")
    say "kehu ingest"
    started=$(now)
    "$KEHU" ingest --data "$DATA" "$CSV" >&2
    INGEST_SECONDS=$(elapsed "$started")
    [ "$KEEP_CSV" = 1 ] || rm -f "$CSV"
    say "kehu-analyses export (the snapshot's rows with OneID's consumers, for DuckDB)"
    "$ANALYSES" export --data "$DATA" --out "$DIR/export" > "$RESULTS/export.json"
    cat "$RESULTS/export.json" >&2
    say "DuckDB: load the exported rows"
    "$PY" "$PEER" load --db "$DB" --csv "$DIR/export.*.csv" > "$RESULTS/duckdb-load.json"
    cat "$RESULTS/duckdb-load.json" >&2
    [ "$KEEP_CSV" = 1 ] || rm -f "$DIR"/export.*.csv
    echo "{\"consumers\": $CONSUMERS, \"generateSeconds\": $GENERATE_SECONDS, \"ingestSeconds\": $INGEST_SECONDS}" > "$DIR/prepared.json"
    cp "$RESULTS/export.json" "$RESULTS/duckdb-load.json" "$DIR/"
fi

# --- The run --------------------------------------------------------------------------------------
"$PY" - "$RESULTS/machine.json" <<'EOF'
import json, os, platform, subprocess, sys
import duckdb
def out(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""
model = next((l.split(":", 1)[1].strip() for l in out("lscpu").splitlines() if l.startswith("Model name")), platform.processor())
mem = next((int(l.split()[1]) * 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
json.dump({"nproc": int(out("nproc") or 0), "cpu": model, "memory_bytes": mem,
           "swift": (out("swift", "--version").splitlines() or [""])[0], "duckdb": duckdb.__version__,
           "python": platform.python_version(), "load_at_start": os.getloadavg()[0]}, open(sys.argv[1], "w"))
EOF

ONLY_ARG=()
[ -n "$ONLY" ] && ONLY_ARG=(--only "$ONLY")
say "Kehu: snapshot, then each analysis warmed and timed ($RUNS runs)"
"$ANALYSES" run --data "$DATA" --runs "$RUNS" "${ONLY_ARG[@]}" \
    --set "aipl-benchmark.file=$BENCH/peers/industry-aipl.csv" > "$RESULTS/kehu.json"
LOAD_AFTER_KEHU=$(cut -d' ' -f1 /proc/loadavg)
say "DuckDB: each analysis as SQL, warmed and timed ($RUNS runs), numbers checked against Kehu"
"$PY" "$PEER" run --db "$DB" --kehu "$RESULTS/kehu.json" --runs "$RUNS" "${ONLY_ARG[@]}" --out "$RESULTS/duckdb.json" > /dev/null

"$PY" - "$DIR" "$RESULTS" "$LOAD_AFTER_KEHU" <<'EOF'
import json, os, sys
folder, results, load_mid = sys.argv[1], sys.argv[2], float(sys.argv[3])
def load(path):
    return json.load(open(path)) if os.path.exists(path) else None
machine = load(os.path.join(results, "machine.json"))
machine["load_after_kehu"] = load_mid
machine["load_at_end"] = os.getloadavg()[0]
kehu, duck = load(os.path.join(results, "kehu.json")), load(os.path.join(results, "duckdb.json"))
prepared, export, duckload = (load(os.path.join(folder, n)) for n in ("prepared.json", "export.json", "duckdb-load.json"))
print(f"\nKehu analyses vs DuckDB {duck['version']} ({duck['threads']} threads): {kehu['events']:,} events, "
      f"{kehu['consumers']:,} consumers, as of {kehu['asOf']}, period {kehu['from']}..{kehu['to']}")
print(f"machine: {machine['nproc']} x {machine['cpu']}, {machine['memory_bytes'] / 2**30:.1f} GiB, {machine['swift']}; "
      f"load average {machine['load_at_start']:.2f} at start, {machine['load_after_kehu']:.2f} after Kehu, "
      f"{machine['load_at_end']:.2f} at end")
print(f"Kehu: snapshot build {kehu['buildSeconds']:.2f} s ({kehu['snapshotBytes'] / 2**20:,.0f} MiB), purchase index "
      f"{kehu['purchaseIndex']['seconds']:.3f} s ({kehu['purchaseIndex']['orders']:,} orders; built once, shared by the warm runs)")
if prepared:
    print(f"data: kehu generate {prepared['generateSeconds']:.1f} s, kehu ingest {prepared['ingestSeconds']:.1f} s, "
          f"export {export['exportSeconds']:.1f} s; DuckDB load {duckload['load_seconds']:.1f} s "
          f"({duckload['database_bytes'] / 2**20:,.0f} MiB) — not part of the query times")
def fmt(s):
    return f"{s * 1000:,.1f} ms" if s < 1 else f"{s:,.2f} s"
ducks = {a["name"]: a for a in duck["analyses"]}
rows = [("analysis", "Kehu best", "Kehu median", "Kehu cold", "DuckDB best", "DuckDB median", "DuckDB cold", "ratio", "ratio cold",
         "target 5x", "numbers")]
table = []
for a in kehu["analyses"]:
    name = a["name"]
    d = ducks.get(name)
    if "error" in a:
        rows.append((name, "error", "", "", "", "", "", "", "", "", a["error"][:60]))
        continue
    k = a["warm"]
    if d is None:
        rows.append((name, fmt(k["best"]), fmt(k["median"]), fmt(a["cold"]), "no SQL", "", "", "", "", "", ""))
        continue
    ratio = d["warm"]["best"] / k["best"] if k["best"] > 0 else float("inf")
    verdict = "met" if ratio >= 5 else "MISSED"
    if name == "aipl":
        verdict += ", <0.3 s " + ("met" if k["best"] < 0.3 else "MISSED")
    cold_ratio = d["warm"]["best"] / a["cold"] if a["cold"] > 0 else float("inf")
    rows.append((name, fmt(k["best"]), fmt(k["median"]), fmt(a["cold"]), fmt(d["warm"]["best"]), fmt(d["warm"]["median"]),
                 fmt(d["cold"]), f"{ratio:,.1f}x", f"{cold_ratio:,.1f}x", verdict, d.get("check", "")))
    table.append({"name": name, "kehu": k, "kehu_cold": a["cold"], "duckdb": d["warm"], "duckdb_cold": d["cold"], "ratio": ratio,
                  "ratio_cold": cold_ratio,
                  "check": d.get("check"), "mismatches": d.get("mismatches", [])})
widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
print()
for r in rows:
    print("  ".join(str(c).ljust(w) if i in (0, 9, 10) else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip())
bad = [t for t in table if t["check"] == "DISAGREE"]
if bad:
    print("\n!!!!! DuckDB and Kehu disagree on:")
    for t in bad:
        print(f"!!!!!   {t['name']}: " + "; ".join(t["mismatches"][:5]))
print("\nratio = DuckDB best / Kehu best (warm); ratio cold = DuckDB best / Kehu's first run. Kehu cold = the first run "
      "on the fresh snapshot, after the shared purchase index was built (per-snapshot caches such as rfm's RFMTable are "
      "built in it and reused by the warm runs); DuckDB cold = the first run of the statement.")
json.dump({"machine": machine, "prepared": prepared, "export": export, "duckdb_load": duckload,
           "kehu": {k: v for k, v in kehu.items() if k != "analyses"}, "table": table},
          open(os.path.join(results, "summary.json"), "w"), indent=1)
EOF
