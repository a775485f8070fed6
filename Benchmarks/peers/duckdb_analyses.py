#!/usr/bin/env python3
"""DuckDB peer for Kehu's analyses benchmark (Benchmarks/run-analyses.sh).

The analyses of DESIGN.md section 4 written as SQL over one table of events, timed in DuckDB beside
Kehu on identical rows. DuckDB has no OneID, so the rows come from Kehu's snapshot (`kehu-analyses
export`): every event with the consumer OneID resolved it to, so both sides count the same people.

    duckdb_analyses.py load --db FILE --csv 'PREFIX.*.csv'
        Creates table `events` (in the files' order, which is the snapshot's: by consumer, then
        time; DuckDB keeps insertion order) and table
        `consumers` (one row per consumer, as the snapshot's consumer list); prints JSON with the
        load time, which is not part of any query time.

    duckdb_analyses.py run --db FILE --kehu KEHU.json [--runs 3] [--only aipl,...] [--out FILE]
        Reads the arguments Kehu used (as-of day, period, zone) from `kehu-analyses run` output,
        runs each analysis's SQL once to warm up and --runs more times (each time the whole
        statement, from the events table, results fetched), and checks the numbers against the
        reports in KEHU.json; a disagreement is printed loudly and recorded. Prints JSON.

Columns of `events`: row (the snapshot's row number), consumer, ts (UTC ms), kind (ENUM), channel,
touchpoint, campaign, content, sku, category (VARCHAR, NULL when absent), order_id (INTEGER code,
NULL when none), amount, list_price (BIGINT fen), quantity.

Days: the workspace's zone (Asia/Shanghai by default). Window bounds are computed here as UTC ms,
as Kehu's AnalysisCalendar does, and the SQL compares integers; where SQL needs the day of an
event it adds the zone's UTC offset, which this script checks is constant over the data.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from zoneinfo import ZoneInfo

import duckdb

KINDS = [
    "impression", "click", "category_search", "view", "content_view", "brand_search", "favorite", "cart",
    "follow", "interact", "trial", "coupon_claim", "member_join", "order", "pay", "refund", "review", "share",
    "member_leave", "points",
]
A_KINDS = ["impression", "click", "category_search", "view", "content_view"]
I_KINDS = ["brand_search", "favorite", "cart", "follow", "interact", "trial", "coupon_claim", "member_join"]
L_KINDS = ["review", "share"]
DAY_MS = 86_400_000
NEVER = 9_223_372_036_854_775_807


def in_list(kinds):
    return "(" + ", ".join(f"'{k}'" for k in kinds) + ")"


# --- Load --------------------------------------------------------------------------------------

def load(args):
    if os.path.exists(args.db):
        os.remove(args.db)
    started = time.perf_counter()
    con = duckdb.connect(args.db)
    con.execute(f"SET threads = {args.threads}")
    con.execute(f"CREATE TYPE event_kind AS ENUM ({', '.join(repr(k) for k in KINDS)})")
    glob = args.csv.replace("'", "''")
    con.execute(
        "CREATE TABLE events AS SELECT * FROM read_csv("
        f"'{glob}', header = true, delim = ',', quote = '\"', escape = '\"', auto_detect = false, "
        "columns = {'row': 'BIGINT', 'consumer': 'INTEGER', 'ts': 'BIGINT', 'kind': 'event_kind', "
        "'channel': 'VARCHAR', 'touchpoint': 'VARCHAR', 'campaign': 'VARCHAR', 'content': 'VARCHAR', "
        "'sku': 'VARCHAR', 'category': 'VARCHAR', 'order_id': 'INTEGER', 'amount': 'BIGINT', "
        "'list_price': 'BIGINT', 'quantity': 'INTEGER'})"
    )
    con.execute("CREATE TABLE consumers AS SELECT DISTINCT consumer FROM events ORDER BY consumer")
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
    consumers = con.execute("SELECT count(*) FROM consumers").fetchone()[0]
    con.close()
    print(json.dumps({
        "peer": "duckdb", "version": duckdb.__version__, "rows": rows, "consumers": consumers,
        "load_seconds": round(seconds, 3), "database_bytes": os.path.getsize(args.db),
    }))


# --- Parameters --------------------------------------------------------------------------------

class Calendar:
    """Days in the workspace zone, as Kehu's AnalysisCalendar: UTC ms of a day's start and end."""

    def __init__(self, zone):
        self.zone = ZoneInfo(zone)

    def start(self, day):
        return int(datetime.datetime.combine(day, datetime.time(), self.zone).timestamp() * 1000)

    def end(self, day):
        return self.start(day + datetime.timedelta(days=1))

    def window_start(self, days, last):
        return self.start(last - datetime.timedelta(days=days - 1))

    def offset_ms(self, day):
        return int(datetime.datetime.combine(day, datetime.time(12), self.zone).utcoffset().total_seconds() * 1000)


def day(text):
    return datetime.date.fromisoformat(text)


# --- Shared SQL --------------------------------------------------------------------------------

def orders_cte(before=None):
    """Paid orders per consumer (Kehu's PurchaseIndex): an order id with at least one pay event; a
    pay without an order id is an order of its own; refunded in full at the refund whose running
    total reaches the running paid total. With `before` (UTC ms), only money events before it
    count (net amounts as of that instant)."""
    limit = f"AND ts < {before}" if before is not None else ""
    return f"""
    money AS (
        SELECT consumer, coalesce(order_id, -1 - row) AS o, ts, row, kind, coalesce(amount, 0) AS amt
        FROM events
        WHERE kind IN ('pay', 'refund') AND (order_id IS NOT NULL OR kind = 'pay') {limit}
    ),
    running AS (
        SELECT consumer, o, ts, kind,
            sum(CASE WHEN kind = 'pay' THEN amt ELSE 0 END) OVER w AS paid,
            sum(CASE WHEN kind = 'refund' THEN amt ELSE 0 END) OVER w AS refunded,
            min(CASE WHEN kind = 'pay' THEN ts END) OVER w AS first_pay
        FROM money
        WINDOW w AS (PARTITION BY consumer, o ORDER BY row ROWS UNBOUNDED PRECEDING)
    ),
    orders AS (
        SELECT consumer, o, min(first_pay) AS pay_ts,
            coalesce(min(CASE WHEN kind = 'refund' AND first_pay IS NOT NULL AND refunded > 0 AND refunded >= paid
                              THEN ts END), {NEVER}) AS refunded_ts,
            max(paid) AS paid_fen, max(refunded) AS refunded_fen
        FROM running
        GROUP BY consumer, o
        HAVING min(first_pay) IS NOT NULL
    )"""


def stage_sql(end, a_start, i_start, p_start, loyal_orders=2, name="stages"):
    """Each consumer's AIPL stage as of `end` (exclusive), 0 none .. 4 L (DESIGN 4.1)."""
    return f"""
    {name}_p AS (
        SELECT consumer, count(*) AS n, min(pay_ts) AS first_pay
        FROM orders
        WHERE pay_ts >= {p_start} AND pay_ts < {end} AND refunded_ts >= {end}
        GROUP BY consumer
    ),
    {name}_adv AS (
        SELECT DISTINCT e.consumer
        FROM events e JOIN {name}_p p ON e.consumer = p.consumer
        WHERE p.n < {loyal_orders} AND e.kind IN {in_list(L_KINDS)} AND e.ts >= p.first_pay AND e.ts < {end}
    ),
    {name}_ai AS (
        SELECT consumer,
            max(CASE WHEN kind IN {in_list(I_KINDS)} AND ts >= {i_start} THEN 2
                     WHEN kind IN {in_list(A_KINDS)} AND ts >= {a_start} THEN 1 ELSE 0 END) AS s
        FROM events
        WHERE ts >= {min(a_start, i_start)} AND ts < {end}
        GROUP BY consumer
    ),
    {name} AS (
        SELECT c.consumer,
            CASE WHEN p.n >= {loyal_orders} OR adv.consumer IS NOT NULL THEN 4
                 WHEN p.n >= 1 THEN 3
                 ELSE coalesce(ai.s, 0) END AS stage
        FROM consumers c
        LEFT JOIN {name}_p p ON p.consumer = c.consumer
        LEFT JOIN {name}_adv adv ON adv.consumer = c.consumer
        LEFT JOIN {name}_ai ai ON ai.consumer = c.consumer
    )"""


STAGE_LETTERS = ["-", "A", "I", "P", "L"]


def aipl_bounds(cal, as_of, a_days=15, i_days=15, p_days=365):
    return dict(end=cal.end(as_of), a_start=cal.window_start(a_days, as_of), i_start=cal.window_start(i_days, as_of),
                p_start=cal.window_start(p_days, as_of))


# --- Analyses ----------------------------------------------------------------------------------
# Each: sql(P) -> statement; check(report, rows, P) -> list of disagreements (strings).

def aipl_sql(P):
    b = aipl_bounds(P["cal"], P["as_of"])
    return f"""
    WITH {orders_cte()},
    {stage_sql(**b)}
    SELECT stage, count(*) AS consumers FROM stages GROUP BY stage ORDER BY stage"""


def aipl_check(report, rows, P):
    ours = {STAGE_LETTERS[s]: n for s, n in rows}
    theirs = {c["stage"]: c["consumers"] for c in report["counts"]}
    return [f"stage {k}: DuckDB {ours.get(k, 0):,} vs Kehu {theirs.get(k, 0):,}"
            for k in STAGE_LETTERS if ours.get(k, 0) != theirs.get(k, 0)]


def arg_int(P, name, default):
    value = P["args"].get(name)
    return int(value) if value not in (None, "") else default


def arg_day(P, name, default):
    value = P["args"].get(name)
    return day(value) if value else default


def arg_duration_ms(P, name, default_ms):
    value = P["args"].get(name)
    if not value:
        return default_ms
    unit = value[-1] if value[-1].isalpha() else "d"
    digits = value[:-1] if value[-1].isalpha() else value
    return int(digits) * {"d": DAY_MS, "h": 3_600_000, "m": 60_000}[unit]


def aipl_flow_sql(P):
    """Stage at the start day vs stage at the end day: the 5x5 matrix (DESIGN 4.1 flows)."""
    cal = P["cal"]
    start = arg_day(P, "from", P["from"])
    end = arg_day(P, "to", P["to"])
    b1, b2 = aipl_bounds(cal, start), aipl_bounds(cal, end)
    return f"""
    WITH {orders_cte()},
    {stage_sql(**b1, name="s1")},
    {stage_sql(**b2, name="s2")}
    SELECT s1.stage AS from_stage, s2.stage AS to_stage, count(*) AS consumers
    FROM s1 JOIN s2 USING (consumer)
    GROUP BY ALL ORDER BY ALL"""


def rfm_sql(P):
    """RFM as of D over 365 days (DESIGN 4.7): R days since the last paid order, F paid orders, M
    net paid fen; score 1 + floor(5 x strictly worse / n)."""
    cal = P["cal"]
    as_of = arg_day(P, "as-of", P["as_of"])
    days = arg_int(P, "days", 365)
    end = cal.end(as_of)
    start = cal.window_start(days, as_of)
    offset = P["offset"]
    return f"""
    WITH {orders_cte(before=end)},
    per AS (
        SELECT consumer,
            {(as_of - datetime.date(1970, 1, 1)).days} - max((pay_ts + {offset}) // {DAY_MS}) AS r,
            count(*) AS f,
            sum(greatest(paid_fen - refunded_fen, 0)) AS m
        FROM orders
        WHERE pay_ts >= {start} AND pay_ts < {end} AND refunded_ts >= {end}
        GROUP BY consumer
    ),
    scored AS (
        SELECT *,
            1 + (5 * (rank() OVER (ORDER BY r DESC) - 1)) // count(*) OVER () AS r_score,
            1 + (5 * (rank() OVER (ORDER BY f) - 1)) // count(*) OVER () AS f_score,
            1 + (5 * (rank() OVER (ORDER BY m) - 1)) // count(*) OVER () AS m_score
        FROM per
    )
    SELECT r_score, f_score, m_score, count(*) AS consumers, sum(m) AS m_fen, sum(f) AS orders,
        avg(r) AS mean_r, avg(f) AS mean_f, avg(m) AS mean_m
    FROM scored GROUP BY ALL ORDER BY ALL"""


ANALYSES = {
    "aipl": (aipl_sql, aipl_check),
    "aipl-flow": (aipl_flow_sql, None),
    "rfm": (rfm_sql, None),
}


# --- Run ---------------------------------------------------------------------------------------

def run(args):
    kehu = json.load(open(args.kehu))
    cal = Calendar(kehu["zone"])
    first_day, last_day = day(kehu["dataDays"][0]), day(kehu["dataDays"][1])
    offsets = {cal.offset_ms(first_day + datetime.timedelta(days=d)) for d in range(0, (last_day - first_day).days + 1, 7)}
    offsets.add(cal.offset_ms(last_day))
    if len(offsets) != 1:
        sys.exit(f"zone {kehu['zone']} changes its UTC offset within the data; the day arithmetic here assumes one offset")
    P = {
        "cal": cal, "as_of": day(kehu["asOf"]), "from": day(kehu["from"]), "to": day(kehu["to"]),
        "offset": offsets.pop(), "first_day": first_day, "last_day": last_day,
    }
    reports = {a["name"]: a for a in kehu["analyses"]}
    con = duckdb.connect(args.db, read_only=True)
    con.execute(f"SET threads = {args.threads}")
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    wanted = [n.strip() for n in args.only.split(",")] if args.only else list(ANALYSES)
    results = []
    mismatches = 0
    for name in wanted:
        if name not in ANALYSES:
            print(f"!! no SQL for analysis '{name}'", file=sys.stderr)
            continue
        sql_of, check = ANALYSES[name]
        P["args"] = reports.get(name, {}).get("arguments", {})
        sql = sql_of(P)
        started = time.perf_counter()
        rows = con.execute(sql).fetchall()
        cold = time.perf_counter() - started
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            con.execute(sql).fetchall()
            times.append(time.perf_counter() - started)
        entry = {"name": name, "cold": cold, "warm": {"runs": times, "best": min(times), "median": statistics.median(times)},
                 "rows": len(rows)}
        report = reports.get(name, {}).get("report")
        if report is None:
            entry["check"] = "no Kehu report to compare with"
        elif check is None:
            entry["check"] = "not checked"
        else:
            try:
                problems = check(report, rows, P)
            except Exception as error:  # a report shape the check does not know is a failed check
                problems = [f"check failed: {error!r}"]
            entry["check"] = "agree" if not problems else "DISAGREE"
            entry["mismatches"] = problems
            if problems:
                mismatches += 1
                print(f"\n!!!!! {name}: DuckDB and Kehu DISAGREE", file=sys.stderr)
                for p in problems[:20]:
                    print(f"!!!!!   {p}", file=sys.stderr)
        print(f"{name}: cold {cold:.3f} s, warm best {min(times):.3f} s, median {statistics.median(times):.3f} s, "
              f"{entry['check']}", file=sys.stderr)
        results.append(entry)
    out = {"peer": "duckdb", "version": duckdb.__version__, "threads": int(threads), "analyses": results,
           "disagreements": mismatches}
    text = json.dumps(out, default=str)
    if args.out:
        open(args.out, "w").write(text)
    print(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("load", help="load the exported CSV files into a DuckDB database")
    p.add_argument("--db", required=True)
    p.add_argument("--csv", required=True, help="file or glob of `kehu-analyses export` output")
    p.add_argument("--threads", type=int, default=2)
    p = sub.add_parser("run", help="time the analyses and compare with Kehu")
    p.add_argument("--db", required=True)
    p.add_argument("--kehu", required=True, help="`kehu-analyses run` JSON")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--only", help="comma-separated analysis names")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args()
    if args.command == "load":
        load(args)
    else:
        if args.runs < 1:
            parser.error("--runs must be at least 1")
        run(args)


if __name__ == "__main__":
    main()
