#!/usr/bin/env python3
"""Peer run of the Python `lifetimes` library, for validating and timing KehuPredict.

Usage
-----
    python3 -m venv .venv
    .venv/bin/pip install -r Benchmarks/peers/requirements.txt
    .venv/bin/python Benchmarks/peers/lifetimes_peer.py CDNOW_sample.txt
    .venv/bin/python Benchmarks/peers/lifetimes_peer.py --generate 1000000 --seed 7 \
        --write-summary /tmp/synthetic.csv

CDNOW mode (a file argument)
    Reads a CDNOW-format transaction file: whitespace-separated
    `master_id customer_id date(YYYYMMDD) number_of_cds dollar_value` (the
    `CDNOW_sample.txt` shipped with lifetimes; the 4-column `CDNOW_master.txt`,
    which has no sample id and starts with a header line, is accepted too). Builds the calibration/holdout summary with
    lifetimes' `calibration_and_holdout_data`: calibration 1997-01-01 ..
    1997-09-30 (39 weeks), holdout to 1998-06-30, purchases grouped by day and
    durations in days / 7 (`freq="D", freq_multiplier=7`), which is how Fader &
    Hardie built their published CDNOW summary. Fits BG/NBD on all customers
    and Gamma-Gamma on repeat customers, and prints parameters, the
    log-likelihood in the data's own time unit (weeks), fit wall times and a
    few predictions as JSON. With `--write-summary FILE` the calibration
    summary is written as CSV (`frequency,recency,T,monetary_value`, full
    precision, read back before fitting) for KehuPredict to fit the same rows.

Synthetic mode (`--generate N --seed S`)
    Draws N customers from the BG/NBD process (and Gamma-Gamma spend), fits
    both models and prints the same JSON. With `--write-summary FILE` the
    summary is written as CSV (`frequency,recency,T,monetary_value`, full
    precision) so that KehuPredict can fit the identical data. The process,
    in days, per customer:
      * age T: a whole number of days, uniform on 1..365 (first purchases
        spread over the year before the end of observation);
      * purchase rate lambda ~ Gamma(shape r, rate alpha), dropout
        probability p ~ Beta(a, b);
      * purchases after the first one arrive as a Poisson process with rate
        lambda; after each repeat purchase the customer drops out with
        probability p, so the purchase after which they drop out is
        J ~ Geometric(p) on 1, 2, ...;
      * with n ~ Poisson(lambda * T) arrivals in (0, T], the observed
        frequency is x = min(n, J) and the recency is the x-th of n uniform
        arrival times: t_x = T * Beta(x, n - x + 1) (0 when x = 0);
      * spend: nu ~ Gamma(shape q, rate v) per customer; the average of x
        repeat purchases, each Gamma(shape p, rate nu), is
        Gamma(shape p*x, rate x*nu) (0 when x = 0).
    Defaults are the CDNOW estimates with alpha converted to days
    (r=0.243, alpha=30.9, a=0.793, b=2.426; p=6.25, q=3.74, v=15.44).

Time of a fit is the wall time of lifetimes' `fit()` (which includes its
Hessian and standard errors), best of `--repeats` runs; `hessian_seconds` is the
BG/NBD Hessian alone, so `fit_seconds - hessian_seconds` is the optimisation.
"""

import argparse
import datetime
import json
import platform
import sys
import time
import warnings

import numpy as np
import pandas as pd

warnings.simplefilter("ignore")

import lifetimes  # noqa: E402
import scipy  # noqa: E402
from autograd import hessian  # noqa: E402
from lifetimes import BetaGeoFitter, GammaGammaFitter  # noqa: E402
from lifetimes.utils import calibration_and_holdout_data  # noqa: E402

CALIBRATION_START = "1997-01-01"
CALIBRATION_END = "1997-09-30"
OBSERVATION_END = "1998-06-30"


def best_time(fn, repeats):
    best = float("inf")
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return result, best


def bgnbd_log_likelihood(params, frequency, recency, T, weights):
    """Total log-likelihood in the data's own time unit (lifetimes reports a mean on rescaled time)."""
    log_params = np.log([params["r"], params["alpha"], params["a"], params["b"]])
    mean_nll = BetaGeoFitter._negative_log_likelihood(
        log_params, np.asarray(frequency), np.asarray(recency), np.asarray(T), np.asarray(weights), 0.0
    )
    return -float(mean_nll) * float(np.sum(weights))


def gamma_gamma_log_likelihood(params, frequency, monetary, weights):
    log_params = np.log([params["p"], params["q"], params["v"]])
    mean_nll = GammaGammaFitter._negative_log_likelihood(
        log_params, np.asarray(frequency, dtype=float), np.asarray(monetary, dtype=float), np.asarray(weights), 0.0
    )
    return -float(mean_nll) * float(np.sum(weights))


def grouped(frame, columns):
    counts = frame.groupby(columns, sort=True).size().reset_index(name="weight")
    return counts


def fit_models(frequency, recency, T, monetary, repeats):
    frequency = np.asarray(frequency, dtype=float)
    recency = np.asarray(recency, dtype=float)
    T = np.asarray(T, dtype=float)
    monetary = np.asarray(monetary, dtype=float)
    out = {"customers": int(len(frequency)), "repeat_customers": int(np.sum(frequency > 0))}

    bg, seconds = best_time(lambda: BetaGeoFitter().fit(frequency, recency, T), repeats)
    params = {k: float(v) for k, v in bg.params_.items()}
    # fit() also computes the Hessian (for standard errors); time that part alone so the
    # optimisation can be compared on its own too.
    scale = 1.0 / T.max()
    log_params = np.log([params["r"], params["alpha"] * scale, params["a"], params["b"]])
    _, hessian_seconds = best_time(
        lambda: hessian(BetaGeoFitter._negative_log_likelihood)(
            log_params, frequency.astype(int), recency * scale, T * scale, np.ones_like(T), 0.0
        ),
        repeats,
    )
    out["bgnbd"] = dict(
        params,
        log_likelihood=bgnbd_log_likelihood(params, frequency, recency, T, np.ones_like(T)),
        fit_seconds=seconds,
        hessian_seconds=hessian_seconds,
    )

    rows = grouped(pd.DataFrame({"f": frequency, "r": recency, "T": T}), ["f", "r", "T"])
    bg_w, seconds_w = best_time(
        lambda: BetaGeoFitter().fit(rows["f"], rows["r"], rows["T"], weights=rows["weight"]), repeats
    )
    out["bgnbd_grouped"] = dict(
        {k: float(v) for k, v in bg_w.params_.items()}, distinct_rows=int(len(rows)), fit_seconds=seconds_w
    )

    # Gamma-Gamma needs positive spend: repeat customers whose repeat purchases were all free are
    # left out (KehuPredict reports them as an error instead, naming the row).
    repeat = (frequency > 0) & (monetary > 0)
    gg, seconds_gg = best_time(lambda: GammaGammaFitter().fit(frequency[repeat], monetary[repeat]), repeats)
    gg_params = {k: float(v) for k, v in gg.params_.items()}
    out["gamma_gamma"] = dict(
        gg_params,
        customers=int(repeat.sum()),
        left_out_without_positive_spend=int(np.sum((frequency > 0) & ~(monetary > 0))),
        log_likelihood=gamma_gamma_log_likelihood(
            gg_params, frequency[repeat], monetary[repeat], np.ones(int(repeat.sum()))
        ),
        fit_seconds=seconds_gg,
    )
    return out, bg, gg


def read_cdnow(path):
    with open(path) as handle:
        first = handle.readline().split()
    # CDNOW_master.txt starts with a header line; CDNOW_sample.txt does not.
    has_header = bool(first) and not first[0].isdigit()
    frame = pd.read_csv(path, sep=r"\s+", header=None, dtype=str, skiprows=1 if has_header else 0)
    if frame.shape[1] == 5:
        frame.columns = ["master_id", "customer_id", "date", "cds", "amount"]
    elif frame.shape[1] == 4:
        frame.columns = ["customer_id", "date", "cds", "amount"]
    else:
        sys.exit(f"{path}: expected 4 or 5 whitespace-separated columns, found {frame.shape[1]}")
    frame["customer_id"] = frame["customer_id"].astype(int)
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    frame["amount"] = frame["amount"].astype(float)
    return frame


def summary_aggregates(summary):
    cal = summary
    repeat = cal["frequency_cal"] > 0
    return {
        "customers": int(len(cal)),
        "repeat_customers": int(repeat.sum()),
        "sum_frequency": float(cal["frequency_cal"].sum()),
        "sum_recency": float(cal["recency_cal"].sum()),
        "sum_T": float(cal["T_cal"].sum()),
        "sum_monetary_value": float(cal["monetary_value_cal"].sum()),
        "sum_frequency_holdout": float(cal["frequency_holdout"].sum()),
        "duration_holdout": float(cal["duration_holdout"].iloc[0]),
    }


def run_cdnow(path, repeats, write_summary=None):
    transactions = read_cdnow(path)

    def summarize(freq, multiplier):
        return calibration_and_holdout_data(
            transactions,
            "customer_id",
            "date",
            calibration_period_end=CALIBRATION_END,
            observation_period_end=OBSERVATION_END,
            freq=freq,
            freq_multiplier=multiplier,
            monetary_value_col="amount",
        )

    summary = summarize("D", 7)
    columns = ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal"]
    if write_summary:
        # The calibration summary as KehuPredict's SummaryCSV reads it, full precision; fit what
        # was written, read back, so both sides see identical numbers.
        summary[columns].set_axis(["frequency", "recency", "T", "monetary_value"], axis=1).to_csv(
            write_summary, index=False, float_format="%.17g"
        )
        written = pd.read_csv(write_summary)
        for column, name in zip(columns, ["frequency", "recency", "T", "monetary_value"]):
            summary[column] = written[name].to_numpy()
    out, bg, gg = fit_models(
        summary["frequency_cal"], summary["recency_cal"], summary["T_cal"], summary["monetary_value_cal"], repeats
    )
    out["summary_csv"] = write_summary
    out["summaries"] = {
        "days_over_7": summary_aggregates(summary),
        "days": summary_aggregates(summarize("D", 1)),
        "calendar_weeks": summary_aggregates(summarize("W", 1)),
    }

    predictions = []
    for customer_id in [1, 2, 3, 18, 1516, 2357]:
        if customer_id not in summary.index:
            continue
        row = summary.loc[customer_id]
        x, tx, T, m = row["frequency_cal"], row["recency_cal"], row["T_cal"], row["monetary_value_cal"]
        one = lambda v: pd.Series([v], index=[customer_id])  # noqa: E731
        predictions.append(
            {
                "customer_id": int(customer_id),
                "frequency": float(x),
                "recency": float(tx),
                "T": float(T),
                "monetary_value": float(m),
                "probability_alive": float(bg.conditional_probability_alive(x, tx, T)[0]),
                "expected_purchases_39": float(
                    bg.conditional_expected_number_of_purchases_up_to_time(39.0, x, tx, T)
                ),
                "expected_purchases_52": float(
                    bg.conditional_expected_number_of_purchases_up_to_time(52.0, x, tx, T)
                ),
                "expected_average_profit": float(gg.conditional_expected_average_profit(x, m)),
                "clv_12_months_1pct": float(
                    gg.customer_lifetime_value(
                        bg, one(x), one(tx), one(T), one(m), time=12, discount_rate=0.01, freq="W"
                    ).iloc[0]
                ),
            }
        )
    out["predictions"] = predictions
    out["new_customer_expected_purchases"] = {
        str(t): float(bg.expected_number_of_purchases_up_to_time(t)) for t in [1.0, 39.0, 78.0, 520.0]
    }
    return out


def generate(n, seed, r, alpha, a, b, p, q, v):
    rng = np.random.default_rng(seed)
    T = rng.integers(1, 366, size=n).astype(float)
    lam = rng.gamma(r, 1.0 / alpha, size=n)
    dropout = rng.beta(a, b, size=n)
    arrivals = rng.poisson(lam * T)
    dropout_after = rng.geometric(dropout)
    x = np.minimum(arrivals, dropout_after)
    recency = np.zeros(n)
    buyers = x > 0
    recency[buyers] = T[buyers] * rng.beta(x[buyers], arrivals[buyers] - x[buyers] + 1)
    monetary = np.zeros(n)
    nu = rng.gamma(q, 1.0 / v, size=n)
    monetary[buyers] = rng.gamma(p * x[buyers], 1.0 / (x[buyers] * nu[buyers]))
    return x.astype(float), recency, T, monetary


def run_generated(args):
    x, recency, T, monetary = generate(
        args.generate, args.seed, args.r, args.alpha, args.a, args.b, args.p, args.q, args.v
    )
    if args.write_summary:
        pd.DataFrame({"frequency": x, "recency": recency, "T": T, "monetary_value": monetary}).to_csv(
            args.write_summary, index=False, float_format="%.17g"
        )
        # Fit what was written, read back, so both sides see identical numbers.
        frame = pd.read_csv(args.write_summary)
        x, recency, T, monetary = (frame[c].to_numpy() for c in ["frequency", "recency", "T", "monetary_value"])
    out, _, _ = fit_models(x, recency, T, monetary, args.repeats)
    out["generated"] = {
        "n": args.generate,
        "seed": args.seed,
        "true": {"r": args.r, "alpha": args.alpha, "a": args.a, "b": args.b, "p": args.p, "q": args.q, "v": args.v},
        "time_unit": "day",
        "summary_csv": args.write_summary,
    }
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cdnow_file", nargs="?", help="CDNOW-format transaction file")
    parser.add_argument("--generate", type=int, metavar="N", help="generate N synthetic customers instead")
    parser.add_argument("--seed", type=int, default=1, metavar="S")
    parser.add_argument("--write-summary", metavar="FILE", help="write the summary that is fitted as CSV (CDNOW: the calibration summary)")
    parser.add_argument("--repeats", type=int, default=1, help="time each fit this many times, report the best")
    for name, default in [("r", 0.243), ("alpha", 30.9), ("a", 0.793), ("b", 2.426), ("p", 6.25), ("q", 3.74), ("v", 15.44)]:
        parser.add_argument(f"--{name}", type=float, default=default, help=f"true {name} for --generate")
    args = parser.parse_args()
    if (args.cdnow_file is None) == (args.generate is None):
        parser.error("give either a CDNOW file or --generate N")

    out = run_cdnow(args.cdnow_file, args.repeats, args.write_summary) if args.cdnow_file else run_generated(args)
    out["environment"] = {
        "lifetimes": lifetimes.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
        "python": platform.python_version(),
        "date": datetime.date.today().isoformat(),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
