#!/usr/bin/env bash
# KehuPredict's BG/NBD + Gamma-Gamma fit beside the Python lifetimes library, in one run, on the
# identical customer summaries, printed as one table: parameters, log-likelihoods, wall times and
# the ratio.
#
# Usage: Benchmarks/run-clv.sh [--customers 1000000] [--seed 7] [--peer-repeats 1] [--repeats 5]
#                              [--work DIR] [--no-build]
#   --customers N     synthetic customers drawn from the BG/NBD + Gamma-Gamma process (1000000)
#   --seed S          seed of the synthetic draw (7, the summary docs/prediction.md used)
#   --peer-repeats N  timed lifetimes fits on the synthetic summary, best kept (1: one takes ~1 min;
#                     the CDNOW summaries always get 3)
#   --repeats N       timed KehuPredict fits of each model, best and median kept (5)
#   --work DIR        where the summaries and results go (default $KEHU_BENCH_DIR/clv, or
#                     /tmp/kehu-bench/clv); never the repository
#   --no-build        use the kehu-fit already built
# Data: CDNOW_sample.txt (2,357 customers, Tests/KehuPredictTests/Fixtures) and CDNOW_master.txt
# (23,570 customers, shipped inside lifetimes), each summarised by lifetimes exactly as Fader &
# Hardie did (39-week calibration, days / 7) and written to CSV; the synthetic summary is drawn by
# Benchmarks/peers/lifetimes_peer.py --generate. lifetimes fits what it wrote, read back; kehu-fit
# reads the same file. Results: the table on stdout, every measurement as JSON in WORK/results/.
set -euo pipefail

CUSTOMERS=1000000
SEED=7
PEER_REPEATS=1
REPEATS=5
BUILD=1
WORK="${KEHU_BENCH_DIR:-/tmp/kehu-bench}/clv"

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --customers) CUSTOMERS="${2:?--customers needs a count}"; shift 2 ;;
        --seed) SEED="${2:?--seed needs a number}"; shift 2 ;;
        --peer-repeats) PEER_REPEATS="${2:?--peer-repeats needs a number}"; shift 2 ;;
        --repeats) REPEATS="${2:?--repeats needs a number}"; shift 2 ;;
        --work) WORK="${2:?--work needs a directory}"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option '$1'; see --help" >&2; exit 64 ;;
    esac
done
for pair in "--customers:$CUSTOMERS" "--seed:$SEED" "--peer-repeats:$PEER_REPEATS" "--repeats:$REPEATS"; do
    case "${pair#*:}" in ''|*[!0-9]*) echo "${pair%%:*} must be a whole number (got '${pair#*:}')" >&2; exit 64 ;; esac
done

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$REPO/Benchmarks"
case "$WORK" in "$REPO"|"$REPO"/*) echo "--work must be outside the repository (got $WORK)" >&2; exit 64 ;; esac
RESULTS="$WORK/results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

say() { printf '\n== %s\n' "$*" >&2; }

if [ "$BUILD" = 1 ]; then
    say "building kehu-fit (release)"
    (cd "$BENCH" && swift build -c release --product kehu-fit) >&2
fi
FIT="$BENCH/.build/release/kehu-fit"

# The peers' venv: KEHU_PEERS_VENV if set, else Benchmarks/.venv (made from requirements.txt).
VENV="${KEHU_PEERS_VENV:-$BENCH/.venv}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import lifetimes' 2>/dev/null; then
    say "creating $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet -r "$BENCH/peers/requirements.txt" >&2
fi
PY="$VENV/bin/python"
PEER="$BENCH/peers/lifetimes_peer.py"
MASTER="$("$PY" -c 'import lifetimes, os; print(os.path.join(os.path.dirname(lifetimes.__file__), "datasets", "CDNOW_master.txt"))')"

"$PY" - "$RESULTS/machine.json" <<'EOF'
import json, os, platform, subprocess, sys
def out(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""
model = next((l.split(":", 1)[1].strip() for l in out("lscpu").splitlines() if l.startswith("Model name")), platform.processor())
json.dump({"nproc": int(out("nproc") or 0), "cpu": model,
           "swift": (out("swift", "--version").splitlines() or [""])[0],
           "python": platform.python_version(), "load_at_start": os.getloadavg()[0]}, open(sys.argv[1], "w"))
EOF

# One data set: lifetimes writes the summary and fits it, then kehu-fit fits the same file.
run_pair() {
    local name="$1" repeats="$2"; shift 2
    say "$name: lifetimes (summary written, then fitted; best of $repeats)"
    "$PY" "$PEER" "$@" --write-summary "$WORK/$name-summary.csv" --repeats "$repeats" > "$RESULTS/$name-lifetimes.json"
    say "$name: KehuPredict (kehu-fit, best of $REPEATS)"
    "$FIT" "$WORK/$name-summary.csv" --repeats "$REPEATS" > "$RESULTS/$name-kehu.json"
}

STARTED=$(date +%s)
run_pair cdnow-sample 3 "$REPO/Tests/KehuPredictTests/Fixtures/CDNOW_sample.txt"
if [ -f "$MASTER" ]; then run_pair cdnow-master 3 "$MASTER"; fi
run_pair "synthetic-$CUSTOMERS" "$PEER_REPEATS" --generate "$CUSTOMERS" --seed "$SEED"

"$PY" - "$RESULTS" "$(( $(date +%s) - STARTED ))" <<'EOF'
import json, os, sys
results, wall = sys.argv[1], int(sys.argv[2])
machine = json.load(open(os.path.join(results, "machine.json")))
machine["load_at_end"] = os.getloadavg()[0]
sets = sorted({f.rsplit("-", 1)[0] for f in os.listdir(results) if f.endswith("-kehu.json")},
              key=lambda s: (not s.startswith("cdnow-sample"), not s.startswith("cdnow"), s))
print(f"\nKehuPredict vs lifetimes: {machine['nproc']} x {machine['cpu']}, {machine['swift']}, Python {machine['python']}; "
      f"load average {machine['load_at_start']:.2f} at start, {machine['load_at_end']:.2f} at end")
rows = [("data", "model", "parameter", "KehuPredict", "lifetimes", "rel. diff")]
times = [("data", "model", "Kehu best (median)", "lifetimes fit()", "fit() - Hessian", "fit(weights)", "ratio fit()", "ratio opt.")]
summary = {}
def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)
for name in sets:
    kehu = json.load(open(os.path.join(results, name + "-kehu.json")))
    life = json.load(open(os.path.join(results, name + "-lifetimes.json")))
    label = f"{name} ({kehu['customers']:,})"
    kb, lb = kehu["bgnbd"], life["bgnbd"]
    kg, lg = kehu["gammaGamma"], life["gamma_gamma"]
    for key in ("r", "alpha", "a", "b"):
        rows.append((label, "BG/NBD", key, f"{kb[key]:.6g}", f"{lb[key]:.6g}", f"{rel(kb[key], lb[key]):.1e}"))
    rows.append((label, "BG/NBD", "log-likelihood", f"{kb['logLikelihood']:,.6f}", f"{lb['log_likelihood']:,.6f}",
                 f"{rel(kb['logLikelihood'], lb['log_likelihood']):.1e}"))
    for key in ("p", "q", "v"):
        rows.append((label, "Gamma-Gamma", key, f"{kg[key]:.6g}", f"{lg[key]:.6g}", f"{rel(kg[key], lg[key]):.1e}"))
    rows.append((label, "Gamma-Gamma", "log-likelihood", f"{kg['logLikelihood']:,.6f}", f"{lg['log_likelihood']:,.6f}",
                 f"{rel(kg['logLikelihood'], lg['log_likelihood']):.1e}"))
    def ms(s):
        return f"{s * 1000:,.1f} ms" if s < 10 else f"{s:,.1f} s"
    k_bg, k_gg = kb["fit"]["best"], kg["fit"]["best"]
    l_bg, l_h, l_w, l_gg = lb["fit_seconds"], lb["hessian_seconds"], life["bgnbd_grouped"]["fit_seconds"], lg["fit_seconds"]
    times.append((label, "BG/NBD", f"{ms(k_bg)} ({ms(kb['fit']['median'])})", ms(l_bg), ms(l_bg - l_h), ms(l_w),
                  f"{l_bg / k_bg:,.0f}x", f"{(l_bg - l_h) / k_bg:,.0f}x"))
    times.append((label, "Gamma-Gamma", f"{ms(k_gg)} ({ms(kg['fit']['median'])})", ms(l_gg), "", "",
                  f"{l_gg / k_gg:,.0f}x", ""))
    times.append((label, "both", ms(k_bg + k_gg), ms(l_bg + l_gg), ms(l_bg - l_h + l_gg), "",
                  f"{(l_bg + l_gg) / (k_bg + k_gg):,.0f}x", f"{(l_bg - l_h + l_gg) / (k_bg + k_gg):,.0f}x"))
    summary[name] = {"kehu": kehu, "lifetimes": life,
                     "ratio_fit": (l_bg + l_gg) / (k_bg + k_gg), "ratio_optimisation": (l_bg - l_h + l_gg) / (k_bg + k_gg),
                     "ratio_bgnbd_weights": l_w / k_bg}
def table(rows, right):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip())
print("\nEstimates (both fitted on the same summary file)")
table(rows, {3, 4, 5})
print("\nWall time of the fits (Kehu: validation + grouping + BFGS; lifetimes: fit(), which includes its Hessian)")
table(times, {2, 3, 4, 5, 6, 7})
print("\nTarget: at least 20x faster than lifetimes")
for name, s in summary.items():
    verdict = "met" if s["ratio_fit"] >= 20 else "MISSED"
    print(f"  {name}: {s['ratio_fit']:,.0f}x against fit(), {s['ratio_optimisation']:,.0f}x against fit() without its Hessian "
          f"(BG/NBD against lifetimes with weights: {s['ratio_bgnbd_weights']:,.0f}x): {verdict}")
print(f"\nscript wall time {wall} s; results in {results}/")
json.dump({"machine": machine, "sets": summary}, open(os.path.join(results, "..", "results.json"), "w"), indent=1)
EOF
