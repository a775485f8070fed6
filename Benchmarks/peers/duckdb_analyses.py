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
import math
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


def local_day(col, P):
    """The day number (days since 1970-01-01 in the zone) of a UTC ms column."""
    return f"(({col} + {P['offset']}) // {DAY_MS})"


def month_of(col, P):
    """Months since year 0 of a UTC ms column, in the zone."""
    d = f"(DATE '1970-01-01' + CAST({local_day(col, P)} AS INTEGER))"
    return f"(year({d}) * 12 + month({d}) - 1)"


def day_number(d):
    return (d - datetime.date(1970, 1, 1)).days


def period(P, default_days=30):
    """`from`/`to` as Kehu resolved them (the driver passes them), as UTC ms [start, end)."""
    cal = P["cal"]
    last = arg_day(P, "to", P["to"])
    first = arg_day(P, "from", last - datetime.timedelta(days=default_days - 1))
    return first, last, cal.start(first), cal.end(last)


def rfm_ctes(P):
    """RFM as of D over 365 days (DESIGN 4.7): R days since the last paid order, F paid orders, M
    net paid fen; score 1 + floor(5 x strictly worse / n); R package segments and eight classes."""
    cal = P["cal"]
    as_of = arg_day(P, "as-of", P["as_of"])
    days = arg_int(P, "days", 365)
    end = cal.end(as_of)
    start = cal.window_start(days, as_of)
    return f"""
    {orders_cte(before=end)},
    per AS (
        SELECT consumer,
            {day_number(as_of)} - max({local_day('pay_ts', P)}) AS r,
            count(*) AS f,
            sum(greatest(paid_fen - refunded_fen, 0)) AS m
        FROM orders
        WHERE pay_ts >= {start} AND pay_ts < {end} AND refunded_ts >= {end}
        GROUP BY consumer
    ),
    scored AS (
        SELECT *,
            1 + (5 * (rank() OVER (ORDER BY r DESC) - 1)) // count(*) OVER () AS rs,
            1 + (5 * (rank() OVER (ORDER BY f) - 1)) // count(*) OVER () AS fs,
            1 + (5 * (rank() OVER (ORDER BY m) - 1)) // count(*) OVER () AS ms,
            r * count(*) OVER () < sum(r) OVER () AS r_high,
            f * count(*) OVER () > sum(f) OVER () AS f_high,
            m * count(*) OVER () > sum(m) OVER () AS m_high
        FROM per
    ),
    named AS (
        SELECT *,
            CASE
                WHEN rs >= 4 AND fs >= 4 AND ms >= 4 THEN 'Champions'
                WHEN rs >= 2 AND fs >= 3 AND ms >= 3 THEN 'Loyal Customers'
                WHEN rs >= 3 AND fs <= 3 AND ms <= 3 THEN 'Potential Loyalist'
                WHEN rs >= 4 AND fs = 1 AND ms = 1 THEN 'New Customers'
                WHEN rs BETWEEN 3 AND 4 AND fs = 1 AND ms = 1 THEN 'Promising'
                WHEN rs BETWEEN 2 AND 3 AND fs BETWEEN 2 AND 3 AND ms BETWEEN 2 AND 3 THEN 'Need Attention'
                WHEN rs BETWEEN 2 AND 3 AND fs <= 2 AND ms <= 2 THEN 'About To Sleep'
                WHEN rs <= 2 AND fs >= 2 AND ms >= 2 THEN 'At Risk'
                WHEN rs = 1 AND fs >= 4 AND ms >= 4 THEN 'Can''t Lose Them'
                WHEN rs <= 2 AND fs <= 2 AND ms <= 2 THEN 'Lost'
                ELSE 'Others' END AS segment,
            (CASE WHEN r_high THEN 4 ELSE 0 END) + (CASE WHEN f_high THEN 2 ELSE 0 END) + (CASE WHEN m_high THEN 1 ELSE 0 END) AS klass
        FROM scored
    )"""


def rfm_sql(P):
    return f"""
    WITH {rfm_ctes(P)}
    SELECT 'segment' AS grouping, segment AS name, count(*) AS customers, sum(m) AS m_fen FROM named GROUP BY segment
    UNION ALL
    SELECT 'class', CAST(klass AS VARCHAR), count(*), sum(m) FROM named GROUP BY klass
    UNION ALL
    SELECT 'r_score', CAST(rs AS VARCHAR), count(*), 0 FROM named GROUP BY rs
    UNION ALL
    SELECT 'f_score', CAST(fs AS VARCHAR), count(*), 0 FROM named GROUP BY fs
    UNION ALL
    SELECT 'm_score', CAST(ms AS VARCHAR), count(*), 0 FROM named GROUP BY ms"""


CLASS_NAMES = {7: "重要价值客户", 5: "重要发展客户", 3: "重要保持客户", 1: "重要挽留客户",
               6: "一般价值客户", 4: "一般发展客户", 2: "一般保持客户", 0: "一般挽留客户"}


def rfm_check(report, rows, P):
    problems = []
    segments = {n: (c, m) for g, n, c, m in rows if g == "segment"}
    for group in report["segments"]:
        got = segments.get(group["name"], (0, 0))
        if (group["customers"], group["monetaryFen"]) != (got[0], got[1] or 0):
            problems.append(f"segment {group['name']}: DuckDB {got} vs Kehu {(group['customers'], group['monetaryFen'])}")
    classes = {CLASS_NAMES[int(n)]: (c, m) for g, n, c, m in rows if g == "class"}
    for group in report["valueClasses"]:
        got = classes.get(group["chineseName"], (0, 0))
        if (group["customers"], group["monetaryFen"]) != (got[0], got[1] or 0):
            problems.append(f"class {group['chineseName']}: DuckDB {got} vs Kehu {(group['customers'], group['monetaryFen'])}")
    for key, field in (("r_score", "recencyConsumers"), ("f_score", "frequencyConsumers"), ("m_score", "monetaryConsumers")):
        ours = {int(n): c for g, n, c, _ in rows if g == key}
        for band in report["scoreBands"]:
            if ours.get(band["score"], 0) != band[field]:
                problems.append(f"{key} {band['score']}: DuckDB {ours.get(band['score'], 0)} vs Kehu {band[field]}")
    return problems


def aipl_flow_check(report, rows, P):
    ours = [[0] * 5 for _ in range(5)]
    for a, b, n in rows:
        ours[a][b] = n
    return [] if ours == report["matrix"] else [f"matrix: DuckDB {ours} vs Kehu {report['matrix']}"]


def fast_sql(P):
    """FAST (DESIGN 4.2): F at D; A = deeper at D than as of D-30 among A/I/P then; S members;
    T members active within 180 days."""
    cal = P["cal"]
    as_of = arg_day(P, "as-of", P["as_of"])
    period_days = arg_int(P, "period-days", 30)
    active_days = arg_int(P, "active-days", 180)
    start_day = as_of - datetime.timedelta(days=period_days)
    end = cal.end(as_of)
    return f"""
    WITH {orders_cte()},
    {stage_sql(**aipl_bounds(cal, as_of), name="sd")},
    {stage_sql(**aipl_bounds(cal, start_day), name="s0")},
    members AS (
        SELECT consumer FROM events
        WHERE kind IN ('member_join', 'member_leave') AND ts < {end}
        GROUP BY consumer HAVING arg_max(kind, row) = 'member_join'
    ),
    active AS (
        SELECT DISTINCT consumer FROM events
        WHERE kind IN ('cart', 'favorite', 'coupon_claim', 'points', 'interact', 'pay')
          AND ts >= {cal.window_start(active_days, as_of)} AND ts < {end}
    )
    SELECT
        (SELECT count(*) FROM sd WHERE stage > 0) AS fertility,
        (SELECT count(*) FROM s0 JOIN sd USING (consumer) WHERE s0.stage BETWEEN 1 AND 3 AND sd.stage > s0.stage) AS advancing,
        (SELECT count(*) FROM s0 WHERE stage BETWEEN 1 AND 3) AS advancing_base,
        (SELECT count(*) FROM members) AS members,
        (SELECT count(*) FROM members JOIN active USING (consumer)) AS active_members"""


def fast_check(report, rows, P):
    f = report["figures"]
    theirs = (f["fertility"], f["advancingConsumers"], f["advancingBase"], f["members"], f["activeMembers"])
    ours = tuple(rows[0])
    names = ("F", "A numerator", "A base", "S members", "T active members")
    return [f"{n}: DuckDB {o:,} vs Kehu {t:,}" for n, o, t in zip(names, ours, theirs) if o != t]


def visitors_sql(P):
    """新访 / 回访 / 老客 (DESIGN 4.3) over the period, with the previous period's revisits."""
    first, last, start, end = period(P)
    lookback = arg_int(P, "lookback-days", 365) * DAY_MS
    length = end - start
    return f"""
    WITH {orders_cte()},
    visits AS (
        SELECT consumer,
            min(ts) FILTER (WHERE ts >= {start}) AS v,
            max(ts) FILTER (WHERE ts < {start}) AS before_v
        FROM events
        WHERE kind = 'view' AND ts < {end}
        GROUP BY consumer
    ),
    visitors AS (SELECT * FROM visits WHERE v IS NOT NULL),
    old AS (
        SELECT DISTINCT o.consumer FROM orders o JOIN visitors v USING (consumer)
        WHERE o.pay_ts >= v.v - {lookback} AND o.pay_ts < v.v AND o.refunded_ts >= v.v
    ),
    classes AS (
        SELECT v.consumer,
            CASE WHEN old.consumer IS NOT NULL THEN 'old'
                 WHEN v.before_v >= v.v - {lookback} THEN 'returning'
                 ELSE 'new' END AS class
        FROM visitors v LEFT JOIN old USING (consumer)
    ),
    buyers AS (
        SELECT consumer, sum(coalesce(amount, 0)) AS gmv FROM events
        WHERE kind = 'pay' AND ts >= {start} AND ts < {end} GROUP BY consumer
    ),
    previous AS (
        SELECT consumer FROM events
        WHERE ts >= {start - length} AND ts < {start} AND kind IN ('view', 'pay')
        GROUP BY consumer
        HAVING count(*) FILTER (WHERE kind = 'view') > 0 AND count(*) FILTER (WHERE kind = 'pay') = 0
    ),
    revisits AS (
        SELECT count(*) AS base,
            count(*) FILTER (WHERE visitors.consumer IS NOT NULL) AS revisited,
            count(*) FILTER (WHERE buyers.consumer IS NOT NULL) AS bought
        FROM previous LEFT JOIN visitors USING (consumer) LEFT JOIN buyers USING (consumer)
    )
    SELECT coalesce(c.class, 'no-visit') AS class, count(c.consumer) AS visitors, count(b.consumer) AS buyers,
        coalesce(sum(b.gmv), 0) AS gmv,
        any_value((SELECT base FROM revisits)), any_value((SELECT revisited FROM revisits)), any_value((SELECT bought FROM revisits))
    FROM classes c FULL OUTER JOIN buyers b USING (consumer)
    GROUP BY ALL ORDER BY 1"""


def visitors_check(report, rows, P):
    problems = []
    ours = {r[0]: r[1:4] for r in rows}
    for row in report["classes"]:
        theirs = (row["visitors"], row["buyers"], row["gmvFen"])
        got = ours.get(row["visitorClass"], (0, 0, 0))
        if tuple(got) != theirs:
            problems.append(f"{row['visitorClass']}: DuckDB (visitors, buyers, GMV) {tuple(got)} vs Kehu {theirs}")
    no_visit = [p for p in report["growthPaths"] if "no" in p["path"].lower() or "visit" in p["path"].lower() and "no" in p["path"]]
    got = ours.get("no-visit", (0, 0, 0))
    if no_visit and (got[1], got[2]) != (no_visit[0]["buyers"], no_visit[0]["gmvFen"]):
        problems.append(f"buyers without a visit: DuckDB {got[1:]} vs Kehu {(no_visit[0]['buyers'], no_visit[0]['gmvFen'])}")
    rv = report["revisits"]
    if rows and tuple(rows[0][4:7]) != (rv["previousNonBuyingVisitors"], rv["revisited"], rv["bought"]):
        problems.append(f"revisits: DuckDB {tuple(rows[0][4:7])} vs Kehu {(rv['previousNonBuyingVisitors'], rv['revisited'], rv['bought'])}")
    return problems


def nine_sql(P):
    """The nine metrics (DESIGN 4.4): new / old / dormant at the period start."""
    first, last, start, end = period(P)
    dormant = arg_int(P, "dormant-days", 90)
    active_from = P["cal"].start(first - datetime.timedelta(days=dormant))
    return f"""
    WITH {orders_cte()},
    paid AS (SELECT DISTINCT consumer FROM orders WHERE pay_ts < {start} AND refunded_ts >= {start}),
    active AS (SELECT DISTINCT consumer FROM events WHERE ts >= {active_from} AND ts < {start}),
    grouped AS (
        SELECT c.consumer,
            CASE WHEN paid.consumer IS NULL THEN 'new' WHEN active.consumer IS NOT NULL THEN 'old' ELSE 'dormant' END AS grp
        FROM consumers c LEFT JOIN paid USING (consumer) LEFT JOIN active USING (consumer)
    ),
    period AS (
        SELECT consumer,
            count(*) FILTER (WHERE kind = 'view') > 0 AS visited,
            count(*) FILTER (WHERE kind = 'pay') > 0 AS bought,
            sum(coalesce(amount, 0)) FILTER (WHERE kind = 'pay') AS gmv
        FROM events WHERE kind IN ('view', 'pay') AND ts >= {start} AND ts < {end}
        GROUP BY consumer
    )
    SELECT CASE WHEN coalesce(p.visited, false) THEN g.grp ELSE 'no-visit' END AS row_name,
        count(*) AS consumers,
        count(*) FILTER (WHERE p.visited) AS traffic,
        count(*) FILTER (WHERE p.bought) AS buyers,
        coalesce(sum(p.gmv) FILTER (WHERE p.bought), 0) AS gmv,
        g.grp
    FROM grouped g LEFT JOIN period p USING (consumer)
    GROUP BY ALL ORDER BY ALL"""


def nine_check(report, rows, P):
    problems = []
    per = {}
    for name, consumers, traffic, buyers, gmv, grp in rows:
        g = per.setdefault(grp, {"consumers": 0, "traffic": 0, "buyers": 0, "gmv": 0})
        g["consumers"] += consumers
        if name != "no-visit":
            g["traffic"] += traffic
            g["buyers"] += buyers
            g["gmv"] += gmv
    no_visit = [r for r in rows if r[0] == "no-visit"]
    for row in report["groups"]:
        g = per.get(row["group"], {"consumers": 0, "traffic": 0, "buyers": 0, "gmv": 0})
        theirs = (row["traffic"], row["buyers"], row["gmvFen"])
        if (g["traffic"], g["buyers"], g["gmv"]) != theirs:
            problems.append(f"{row['group']}: DuckDB (traffic, buyers, GMV) {(g['traffic'], g['buyers'], g['gmv'])} vs Kehu {theirs}")
        if row.get("consumersAtStart") is not None and row["consumersAtStart"] != g["consumers"]:
            problems.append(f"{row['group']} at start: DuckDB {g['consumers']:,} vs Kehu {row['consumersAtStart']:,}")
    nv = (sum(r[3] for r in no_visit), sum(r[4] for r in no_visit))
    if nv != (report["buyersWithoutVisit"], report["buyersWithoutVisitGmvFen"]):
        problems.append(f"buyers without a visit: DuckDB {nv} vs Kehu {(report['buyersWithoutVisit'], report['buyersWithoutVisitGmvFen'])}")
    return problems


def aipl_rules(P):
    return dict(a_days=arg_int(P, "a-days", 15), i_days=arg_int(P, "i-days", 15), p_days=arg_int(P, "p-days", 365),
                loyal=arg_int(P, "l-orders", 2))


def day_end_ms(d, P):
    """UTC ms of the end of local day number `d` (an SQL expression or an int)."""
    return f"(CAST({d} AS BIGINT) + 1) * {DAY_MS} - {P['offset']}"


def stages_at_sql(P, points, name="sp", consumer=None):
    """CTEs ending in `{name}(consumer, d, stage)`: every consumer's AIPL stage (1 A .. 4 L) as of
    the end of each local day number in `points`, for the consumers in a stage there (DESIGN 4.1,
    docs/definitions.md AIPL). Needs the `orders` CTE. Paid orders join the points whose P window
    holds their first payment (a range join on the day); the L review/share is the first at or
    after the first payment (ASOF join); A / I signals are the consumer's signal days, each joined to
    the points whose window holds them. `consumer` restricts everything to one consumer."""
    r = aipl_rules(P)
    lo, hi = min(points), max(points)
    widest = max(r["a_days"], r["i_days"])
    only = f"AND consumer = {consumer}" if consumer is not None else ""
    only_o = f"AND o.consumer = {consumer}" if consumer is not None else ""
    return f"""
    {name}_pts AS (SELECT unnest([{', '.join(str(d) for d in sorted(set(points)))}]) ::BIGINT AS d),
    {name}_p AS (
        SELECT o.consumer, pt.d, count(*) AS n, min(o.pay_ts) AS first_pay
        FROM orders o JOIN {name}_pts pt
            ON {local_day('o.pay_ts', P)} BETWEEN pt.d - {r['p_days'] - 1} AND pt.d AND o.refunded_ts >= {day_end_ms('pt.d', P)}
        WHERE o.pay_ts < {day_end_ms(hi, P)} {only_o}
        GROUP BY ALL
    ),
    {name}_ls AS (SELECT consumer, ts FROM events WHERE kind IN {in_list(L_KINDS)} {only}),
    {name}_pl AS (
        SELECT p.*, ls.ts AS adv_ts FROM {name}_p p ASOF LEFT JOIN {name}_ls ls ON p.consumer = ls.consumer AND ls.ts >= p.first_pay
    ),
    {name}_sig AS (
        SELECT DISTINCT consumer, {local_day('ts', P)} AS day, kind IN {in_list(I_KINDS)} AS is_i
        FROM events
        WHERE kind IN {in_list(A_KINDS + I_KINDS)} AND ts >= {P['cal_start'](lo - widest + 1)} AND ts < {day_end_ms(hi, P)} {only}
    ),
    {name}_ai AS (
        SELECT s.consumer, pt.d,
            max(CASE WHEN s.is_i AND s.day > pt.d - {r['i_days']} THEN 2 WHEN NOT s.is_i AND s.day > pt.d - {r['a_days']} THEN 1 ELSE 0 END) AS s
        FROM {name}_sig s CROSS JOIN range({widest}) AS off(k) JOIN {name}_pts pt ON pt.d = s.day + off.k
        GROUP BY ALL
    ),
    {name} AS MATERIALIZED (
        SELECT coalesce(p.consumer, ai.consumer) AS consumer, coalesce(p.d, ai.d) AS d,
            CASE WHEN p.n >= {r['loyal']} OR (p.n >= 1 AND p.adv_ts < {day_end_ms('p.d', P)}) THEN 4
                 WHEN p.n >= 1 THEN 3 ELSE ai.s END AS stage
        FROM {name}_pl p FULL OUTER JOIN {name}_ai ai ON p.consumer = ai.consumer AND p.d = ai.d
    )"""


def trend_days(P):
    """The sample days of a trend (Kehu's TrendSamples): each day of from..to, or the Sunday of
    each ISO week overlapping it (the period's last day for a week running past it); without
    `from` a weekly trend covers the 12 ISO weeks ending `to`'s week."""
    interval = P["args"].get("trend") or "day"
    last = arg_day(P, "to", P["last_day"])
    if P["args"].get("from"):
        first = day(P["args"]["from"])
    elif interval == "week":
        first = last - datetime.timedelta(days=last.isoweekday() - 1 + 11 * 7)
    else:
        first = last - datetime.timedelta(days=29)
    if interval == "day":
        return [first + datetime.timedelta(days=k) for k in range((last - first).days + 1)]
    days, d = [], first
    while d <= last:
        sunday = d + datetime.timedelta(days=7 - d.isoweekday())
        days.append(min(sunday, last))
        d = sunday + datetime.timedelta(days=1)
    return days


def aipl_trend_sql(P):
    """Consumers per stage at every sample day (docs/definitions.md, AIPL trend) in one statement:
    the stage query at all points at once."""
    points = [day_number(d) for d in trend_days(P)]
    return f"""
    WITH {orders_cte()},
    {stages_at_sql(P, points)}
    SELECT d, stage, count(*) FROM sp WHERE stage > 0 GROUP BY ALL ORDER BY ALL"""


def aipl_trend_check(report, rows, P):
    days = trend_days(P)
    problems = []
    if report["days"] != [str(d) for d in days]:
        problems.append(f"days: DuckDB {[str(d) for d in days]} vs Kehu {report['days']}")
        return problems
    counts = {(d, s): c for d, s, c in rows}
    total = P["consumers"]
    for k, d in enumerate(days):
        n = day_number(d)
        ours = [counts.get((n, s), 0) for s in range(1, 5)]
        theirs = [next(x["values"][k] for x in report["series"] if x["stage"] == STAGE_LETTERS[s]) for s in range(1, 5)]
        ours_all = ours + [sum(ours), total - sum(ours)]
        theirs_all = theirs + [report["assets"][k], report["none"][k]]
        if ours_all != theirs_all:
            problems.append(f"{d}: DuckDB (A, I, P, L, assets, none) {ours_all} vs Kehu {theirs_all}")
    return problems


def fast_trend_sql(P):
    """FAST at every sample day (docs/definitions.md, FAST trend): stages at each point and at
    the point minus the period, members by their last join/leave (the interval to the next one
    covers the points), activity by an ASOF join for each member and point."""
    period_days = arg_int(P, "period-days", 30)
    active_days = arg_int(P, "active-days", 180)
    points = [day_number(d) for d in trend_days(P)]
    starts = [d - period_days for d in points]
    lo, hi = min(points), max(points)
    return f"""
    WITH {orders_cte()},
    {stages_at_sql(P, points + starts)},
    pts AS (SELECT unnest([{', '.join(map(str, points))}])::BIGINT AS d),
    m AS (
        SELECT consumer, ts, kind, lead(ts) OVER (PARTITION BY consumer ORDER BY row) AS next_ts
        FROM events WHERE kind IN ('member_join', 'member_leave')
    ),
    members AS (
        SELECT m.consumer, pt.d, {day_end_ms('pt.d', P)} AS e
        FROM m JOIN pts pt ON m.ts < {day_end_ms('pt.d', P)} AND (m.next_ts IS NULL OR m.next_ts >= {day_end_ms('pt.d', P)})
        WHERE m.kind = 'member_join'
    ),
    act AS (
        SELECT consumer, ts FROM events
        WHERE kind IN ('cart', 'favorite', 'coupon_claim', 'points', 'interact', 'pay')
          AND ts >= {P['cal_start'](lo - active_days + 1)} AND ts < {day_end_ms(hi, P)}
    ),
    active AS (
        SELECT mb.d, count(*) AS n FROM members mb ASOF JOIN act a ON a.consumer = mb.consumer AND a.ts < mb.e
        WHERE a.ts >= mb.e - {active_days * DAY_MS}
        GROUP BY ALL
    ),
    adv AS (
        SELECT pt.d, count(*) FILTER (WHERE coalesce(s1.stage, 0) > s0.stage) AS advancing, count(*) AS base
        FROM pts pt JOIN sp s0 ON s0.d = pt.d - {period_days} AND s0.stage BETWEEN 1 AND 3
        LEFT JOIN sp s1 ON s1.consumer = s0.consumer AND s1.d = pt.d
        GROUP BY ALL
    ),
    st AS (SELECT d, count(*) FILTER (WHERE stage = 1) AS a, count(*) FILTER (WHERE stage = 2) AS i,
                  count(*) FILTER (WHERE stage = 3) AS p, count(*) FILTER (WHERE stage = 4) AS l
           FROM sp WHERE stage > 0 GROUP BY d),
    mc AS (SELECT d, count(*) AS n FROM members GROUP BY d)
    SELECT pt.d, coalesce(st.a, 0), coalesce(st.i, 0), coalesce(st.p, 0), coalesce(st.l, 0),
        coalesce(adv.advancing, 0), coalesce(adv.base, 0), coalesce(mc.n, 0), coalesce(active.n, 0)
    FROM pts pt LEFT JOIN st USING (d) LEFT JOIN adv USING (d) LEFT JOIN mc USING (d) LEFT JOIN active USING (d)
    ORDER BY pt.d"""


def fast_trend_check(report, rows, P):
    days = trend_days(P)
    period_days = arg_int(P, "period-days", 30)
    problems = []
    if [p["day"] for p in report["points"]] != [str(d) for d in days]:
        return [f"days: DuckDB {[str(d) for d in days]} vs Kehu {[p['day'] for p in report['points']]}"]
    for (d, a, i, p, l, adv, base, members, active), point in zip(rows, report["points"]):
        ours = {"aware": a, "interested": i, "purchased": p, "loyal": l, "fertility": a + i + p + l,
                "advancingConsumers": adv, "advancingBase": base, "members": members, "activeMembers": active,
                "advancingRate": adv / base if base else None, "thrivingRate": active / members if members else None,
                "periodStart": str(datetime.date(1970, 1, 1) + datetime.timedelta(days=d - period_days))}
        for key, value in ours.items():
            if point.get(key) != value:
                problems.append(f"{point['day']} {key}: DuckDB {value} vs Kehu {point.get(key)}")
    return problems


def aipl_category_sql(P, as_of=None):
    """Each category's stages from its own events (docs/definitions.md, AIPL per category): paid
    orders first paid in the P window, not refunded in full as of D, with a payment in X by the
    end of D (an order once per category); L by 2+ such orders or a review/share in X at or after
    the first X payment of one; A / I signals in X in their windows."""
    cal = P["cal"]
    as_of = as_of or arg_day(P, "as-of", P["as_of"])
    r = aipl_rules(P)
    end = cal.end(as_of)
    a_start, i_start, p_start = (cal.window_start(r[k], as_of) for k in ("a_days", "i_days", "p_days"))
    return f"""
    cat_pay AS (
        SELECT o.consumer, e.category, o.o, min(e.ts) AS first_x_pay
        FROM orders o JOIN events e ON e.consumer = o.consumer AND coalesce(e.order_id, -1 - e.row) = o.o
        WHERE e.kind = 'pay' AND e.category IS NOT NULL AND e.ts < {end}
          AND o.pay_ts >= {p_start} AND o.pay_ts < {end} AND o.refunded_ts >= {end}
        GROUP BY ALL
    ),
    cat_p AS (SELECT consumer, category, count(*) AS n, min(first_x_pay) AS first_x FROM cat_pay GROUP BY ALL),
    cat_adv AS (
        SELECT DISTINCT p.consumer, p.category FROM cat_p p JOIN events e ON e.consumer = p.consumer AND e.category = p.category
        WHERE e.kind IN {in_list(L_KINDS)} AND e.ts >= p.first_x AND e.ts < {end}
    ),
    cat_ai AS (
        SELECT consumer, category,
            max(CASE WHEN kind IN {in_list(I_KINDS)} AND ts >= {i_start} THEN 2
                     WHEN kind IN {in_list(A_KINDS)} AND ts >= {a_start} THEN 1 ELSE 0 END) AS s
        FROM events
        WHERE category IS NOT NULL AND kind IN {in_list(A_KINDS + I_KINDS)} AND ts >= {min(a_start, i_start)} AND ts < {end}
        GROUP BY ALL
    ),
    cat_stages AS (
        SELECT coalesce(p.category, ai.category) AS category,
            CASE WHEN p.n >= {r['loyal']} OR adv.consumer IS NOT NULL THEN 4 WHEN p.n >= 1 THEN 3 ELSE ai.s END AS stage
        FROM cat_p p
        FULL OUTER JOIN cat_ai ai ON p.consumer = ai.consumer AND p.category = ai.category
        LEFT JOIN cat_adv adv ON adv.consumer = p.consumer AND adv.category = p.category
    )"""


def aipl_by_category_sql(P):
    return f"""
    WITH {orders_cte()},
    {aipl_category_sql(P)}
    SELECT category, stage, count(*) FROM cat_stages WHERE stage > 0 GROUP BY ALL ORDER BY ALL"""


def category_counts(rows):
    counts = {}
    for category, stage, n in rows:
        counts.setdefault(category, [0, 0, 0, 0, 0])[stage] = n
    return counts


def aipl_by_category_check(report, rows, P):
    counts = category_counts(rows)
    ours = sorted(((c, v[1], v[2], v[3], v[4], sum(v[1:])) for c, v in counts.items() if sum(v[1:]) > 0),
                  key=lambda x: (-x[5], x[0]))
    theirs = [(c["category"], c["aware"], c["interested"], c["purchased"], c["loyal"], c["assets"]) for c in report["categories"]]
    problems = [] if ours == theirs else [f"categories (A, I, P, L, assets): DuckDB {ours} vs Kehu {theirs}"]
    if report["consumers"] != P["consumers"]:
        problems.append(f"consumers: DuckDB {P['consumers']:,} vs Kehu {report['consumers']:,}")
    return problems


def read_benchmark(path):
    """The industry composition file (docs/formats.md, AIPL benchmark), as the benchmark writes it:
    `category,stage,share`, shares as numbers or percentages. {category or None: {stage: share}}."""
    import csv
    lines = [l for l in open(path, encoding="utf-8-sig") if l.strip() and not l.lstrip().startswith("#")]
    out = {}
    for row in csv.DictReader(lines):
        text = row["share"].strip()
        share = float(text[:-1].strip()) / 100 if text.endswith("%") else float(text)
        out.setdefault(row["category"].strip() or None, {})[row["stage"].strip()] = share
    return out


def aipl_benchmark_sql(P):
    """The brand's composition overall and per category as of D, for the comparison with the
    industry file: the AIPL stage query and the per-category one in one statement."""
    b = aipl_bounds(P["cal"], arg_day(P, "as-of", P["as_of"]))
    return f"""
    WITH {orders_cte()},
    {stage_sql(**b)},
    {aipl_category_sql(P)}
    SELECT NULL AS category, stage, count(*) FROM stages WHERE stage > 0 GROUP BY ALL
    UNION ALL
    SELECT category, stage, count(*) FROM cat_stages WHERE stage > 0 GROUP BY ALL"""


def aipl_benchmark_check(report, rows, P):
    """Every row: consumers, brand share, industry share, difference in points, verdict; rows in
    the report's order (overall first, then the file's categories)."""
    bench = read_benchmark(P["args"]["file"])
    threshold = float(P["args"].get("threshold") or 5)
    counts = category_counts(rows)
    expected = []
    for category in [c for c in bench if c is None] + [c for c in bench if c is not None]:
        brand = counts.get(category)
        assets = sum(brand[1:]) if brand else 0
        for s, letter in enumerate(STAGE_LETTERS[1:], start=1):
            consumers = brand[s] if brand else 0
            industry = bench[category][letter]
            share = consumers / assets if assets > 0 else None
            diff = (share - industry) * 100 if share is not None else None
            verdict = None
            if diff is not None:
                d = round_half_away(diff * 1e9) / 1e9
                verdict = "thin" if d <= -threshold else "strong" if d >= threshold else "in line"
            expected.append({"category": category, "stage": letter, "consumers": consumers, "brandShare": share,
                             "industryShare": industry, "differencePoints": diff, "verdict": verdict})
    problems = []
    if len(expected) != len(report["rows"]):
        problems.append(f"rows: DuckDB {len(expected)} vs Kehu {len(report['rows'])}")
    for ours, theirs in zip(expected, report["rows"]):
        for key, value in ours.items():
            if theirs.get(key) != value:
                problems.append(f"{ours['category'] or '(all)'} {ours['stage']} {key}: DuckDB {value} vs Kehu {theirs.get(key)}")
    return problems


PROFILE_FIELDS = ["category", "channel", "content", "campaign"]


def profile_days(as_of):
    """The stage history's days: the last day of each of the 12 months before the as-of month, then
    the as-of day."""
    days, month_start = [], as_of.replace(day=1)
    for _ in range(12):
        month_end = month_start - datetime.timedelta(days=1)
        days.append(month_end)
        month_start = month_end.replace(day=1)
    return list(reversed(days)) + [as_of]


def profile_sql(P):
    """One consumer's card as of D (docs/definitions.md, Consumer profile), everything Kehu shows
    but the identity keys (DuckDB has no OneID catalogue) and the CLV (a BG/NBD fit, not SQL; its
    peer is lifetimes in run-clv.sh): events by kind with first and last time, membership from the
    last join and the leaves after it, the AIPL stage at the 13 history days, the consumer's RFM
    line against the whole base, the preferences per field, and the price level against the
    brand's purchases. Rows: (part, name, a, b, c, d)."""
    c = P["entry"]["consumerIndex"]
    as_of = arg_day(P, "as-of", P["as_of"])
    end = P["cal"].end(as_of)
    points = [day_number(d) for d in profile_days(as_of)]
    prefs = " UNION ALL ".join(
        f"SELECT 'pref', '{f}' || chr(31) || {f}, count(*), NULL, NULL, NULL FROM mine WHERE {f} IS NOT NULL GROUP BY {f}"
        for f in PROFILE_FIELDS)
    return f"""
    WITH {rfm_ctes(P)},
    {stages_at_sql(P, points, consumer=c)},
    mine AS (SELECT * FROM events WHERE consumer = {c} AND ts < {end}),
    last_join AS (SELECT arg_max(ts, row) AS t, max(row) AS r FROM mine WHERE kind = 'member_join'),
    priced AS (
        SELECT e.consumer, e.amount, coalesce(e.quantity, 1) AS units, e.list_price
        FROM events e LEFT JOIN orders o ON o.consumer = e.consumer AND o.o = e.order_id
        WHERE e.kind = 'pay' AND e.ts < {end} AND e.amount IS NOT NULL AND NOT coalesce(o.refunded_ts < {end}, false)
    )
    SELECT 'kind', CAST(kind AS VARCHAR), count(*), min(ts), max(ts), NULL FROM mine GROUP BY kind
    UNION ALL
    SELECT 'member', NULL, (SELECT t FROM last_join),
        (SELECT max(ts) FROM mine WHERE kind = 'member_leave' AND row > (SELECT r FROM last_join)), NULL, NULL
    UNION ALL
    SELECT 'stage', NULL, pt.d, coalesce(sp.stage, 0), NULL, NULL FROM sp_pts pt LEFT JOIN sp ON sp.d = pt.d AND sp.consumer = {c}
    UNION ALL
    SELECT 'rfm', segment, r, f, m, rs * 100 + fs * 10 + ms FROM named WHERE consumer = {c}
    UNION ALL
    SELECT 'rfm-class', CAST(klass AS VARCHAR), (SELECT count(*) FROM named), NULL, NULL, NULL FROM named WHERE consumer = {c}
    UNION ALL
    SELECT 'rfm-base', NULL, count(*), NULL, NULL, NULL FROM named
    UNION ALL
    {prefs}
    UNION ALL
    SELECT CASE WHEN consumer = {c} THEN 'price-own' ELSE 'price-brand' END, NULL, sum(amount), sum(units),
        count(*) FILTER (WHERE list_price > 0), count(*) FILTER (WHERE list_price > 0 AND amount * 5 <= list_price * units * 4)
    FROM priced GROUP BY ALL"""


def format_ms(ts, P):
    local = datetime.datetime.fromtimestamp(ts / 1000, P["cal"].zone)
    return local.isoformat(timespec="milliseconds")


def day_of_ms(ts, P):
    return datetime.date(1970, 1, 1) + datetime.timedelta(days=(ts + P["offset"]) // DAY_MS)


def profile_check(report, rows, P):
    """Every number on the card but the CLV line and the keys: events, first and last seen, events
    per kind, member status and days, the stage history, the RFM line, preference counts and
    shares (values with equal counts may be listed in any order: Kehu breaks ties by dictionary
    code, which the exported rows do not carry), the price level."""
    problems = []

    def differ(what, ours, theirs):
        if ours != theirs:
            problems.append(f"{what}: DuckDB {ours} vs Kehu {theirs}")

    kinds = {r[1]: r for r in rows if r[0] == "kind"}
    differ("events", sum(r[2] for r in kinds.values()), report["events"])
    if kinds:
        differ("first seen", format_ms(min(r[3] for r in kinds.values()), P), report.get("firstSeen"))
        differ("last seen", format_ms(max(r[4] for r in kinds.values()), P), report.get("lastSeen"))
    differ("events by kind", [(k, kinds[k][2]) for k in KINDS if k in kinds], [(x["kind"], x["events"]) for x in report["eventsByKind"]])
    member = next(r for r in rows if r[0] == "member")
    joined = str(day_of_ms(member[2], P)) if member[2] is not None else None
    left = str(day_of_ms(member[3], P)) if member[3] is not None else None
    status = "not a member" if joined is None else "member" if left is None else "left"
    differ("member", {"status": status, "joined": joined, "left": left},
           {"status": report["member"]["status"], "joined": report["member"].get("joined"), "left": report["member"].get("left")})
    stages = sorted((r[2], r[3]) for r in rows if r[0] == "stage")
    differ("stage history", [(str(datetime.date(1970, 1, 1) + datetime.timedelta(days=d)), STAGE_LETTERS[s]) for d, s in stages],
           [(x["day"], x["stage"]) for x in report["stageHistory"]])
    rfm = next((r for r in rows if r[0] == "rfm"), None)
    klass = next((r for r in rows if r[0] == "rfm-class"), None)
    if rfm is None:
        differ("RFM line", None, report.get("rfm"))
    else:
        theirs = report.get("rfm") or {}
        differ("RFM line", {"recencyDays": rfm[2], "frequency": rfm[3], "monetaryFen": rfm[4], "rScore": rfm[5] // 100,
                            "fScore": rfm[5] // 10 % 10, "mScore": rfm[5] % 10, "segment": rfm[1],
                            "valueClass": CLASS_NAMES[int(klass[1])], "baseCustomers": klass[2]},
               {k: theirs.get(k) for k in ("recencyDays", "frequency", "monetaryFen", "rScore", "fScore", "mScore", "segment",
                                           "valueClass", "baseCustomers")})
    for group in report["preferences"]:
        field = group["field"]
        counts = {r[1].split(chr(31), 1)[1]: r[2] for r in rows if r[0] == "pref" and r[1].split(chr(31), 1)[0] == field}
        total = sum(counts.values())
        differ(f"{field} events", total, group["events"])
        ranked = sorted(counts.items(), key=lambda x: -x[1])
        top = ranked[:5]
        differ(f"{field} top counts", [n for _, n in top], [x["events"] for x in group["top"]])
        for x in group["top"]:
            differ(f"{field} {x['value']} (events, share)", (counts.get(x["value"]), counts.get(x["value"], 0) / total if total else None),
                   (x["events"], x["share"]))
    own = next((r for r in rows if r[0] == "price-own"), (None, None, 0, 0, 0, 0))
    brand_rows = [r for r in rows if r[0] in ("price-own", "price-brand")]
    b_amount, b_units = sum(r[2] for r in brand_rows), sum(r[3] for r in brand_rows)
    amount, units, with_list, discounted = own[2] or 0, own[3] or 0, own[4] or 0, own[5] or 0
    ours = {
        "units": units,
        "averageUnitPriceFen": round_half_away(amount / units) if units else None,
        "brandAverageUnitPriceFen": round_half_away(b_amount / b_units) if b_units else None,
        "relativeToBrand": (amount / units) / (b_amount / b_units) if units and b_units and b_amount else None,
        "purchasesWithListPrice": with_list, "discountedPurchases": discounted,
        "discountedShare": discounted / with_list if with_list else None,
    }
    differ("price level", ours, {k: report["price"].get(k) for k in ours})
    return problems


FUNNEL_STEPS = ["view", "cart", "order", "pay"]
CONDITION_FIELDS = ["channel", "touchpoint", "campaign", "content", "sku", "category"]


def sql_text(value):
    return "'" + value.replace("'", "''") + "'"


def funnel_condition(text):
    """`field=a|b` or `field!=a` as SQL: `=` needs one of the values (an absent value fails), `!=`
    none of them (an absent value passes), as Kehu's FieldCondition."""
    negated = "!=" in text
    field, values = text.split("!=" if negated else "=", 1)
    field = field.strip()
    assert field in CONDITION_FIELDS, f"not a condition field: {field}"
    listed = ", ".join(sql_text(v.strip()) for v in values.split("|") if v.strip())
    return f"({field} IS NULL OR {field} NOT IN ({listed}))" if negated else f"({field} IN ({listed}))"


def funnel_steps(P):
    """The steps as (kind, [SQL conditions]) from `steps` and `filter` (docs/definitions.md, Funnel):
    steps split on commas outside brackets, conditions in brackets, `filter` added to every step."""
    text = P["args"].get("steps", ",".join(FUNNEL_STEPS))
    pieces, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            pieces.append(current)
            current = ""
        else:
            current += ch
    pieces.append(current)
    shared = [funnel_condition(c) for c in (P["args"].get("filter") or "").split(",") if c.strip()]
    steps = []
    for piece in pieces:
        piece = piece.strip()
        kind, conditions = piece, []
        if "[" in piece:
            kind = piece[:piece.index("[")].strip()
            conditions = [funnel_condition(c) for c in piece[piece.index("[") + 1:-1].split(",") if c.strip()]
        steps.append((kind, conditions + shared))
    kinds = [k for k, _ in steps]
    # One step per kind, so an event matches at most one step (Kehu also handles events matching
    # several steps; the benchmark's funnels do not have them).
    assert all(k in KINDS for k in kinds) and len(set(kinds)) == len(kinds), "distinct plain kinds only"
    return steps


def funnel_sql(P):
    """A funnel (docs/definitions.md, Funnel), every variant: per consumer the level, the chain
    the report follows (the first, in feed order, that reached the level) with the times from its
    step 1 to each later step, and the field of its step-1 event for `by`.

    Ordered mode (ClickHouse windowFunnel(W)) with ASOF joins: for every step-1 event in the
    period, the earliest step-2 event at or after it, the earliest step-3 at or after that, ...;
    the chain's level is the deepest step within W of its start, the consumer's level the deepest
    over their step-1 events. The chain that reached it first is the one completing earliest; of
    chains completing at the same event, windowFunnel's slot holds the latest start (a level-1
    chain completes at its own step-1 event, so there the earliest).

    Strict mode: the consumer's funnel events in time order (at the same instant by step, then
    snapshot order); a chain is a run that starts at a step-1 event in the period and continues
    while each next funnel event is the next step, within W of the start. A step-1 event after
    the period starts no chain but still ends the one before it (Kehu's behaviour; see
    docs/definitions.md)."""
    steps = funnel_steps(P)
    n = len(steps)
    assert n >= 2, "a funnel of two or more steps"
    first, last, start, end = period(P)
    window = arg_duration_ms(P, "window", 7 * DAY_MS)
    strict = (P["args"].get("strict") or "false").lower() in ("true", "1", "yes", "on")
    by = P["args"].get("by") or "channel"
    matches = [f"(kind = '{k}'" + "".join(f" AND {c}" for c in cs) + ")" for k, cs in steps]
    step_of = "CASE " + " ".join(f"WHEN {m} THEN {i + 1}" for i, m in enumerate(matches)) + " END"
    f = (f"f AS (SELECT consumer, row, ts, {step_of} AS step, coalesce({by}, '(none)') AS v FROM events "
         f"WHERE kind IN {in_list([k for k, _ in steps])} AND ts >= {start} AND ts < {end + window} "
         f"AND ({' OR '.join(matches)}))")
    level = "CASE " + " ".join(f"WHEN t{k} IS NULL OR t{k} - t1 > {window} THEN {k - 1}" for k in range(2, n + 1)) + f" ELSE {n} END"
    if strict:
        times = ", ".join(f"max(ts) FILTER (WHERE step = {k}) AS t{k}" for k in range(1, n + 1))
        body = f"""{f},
    seq AS (SELECT *, lag(step) OVER (PARTITION BY consumer ORDER BY ts, step, row) AS prev FROM f),
    grp AS (
        SELECT *, sum(CASE WHEN step = 1 OR prev IS NULL OR step <> prev + 1 THEN 1 ELSE 0 END)
            OVER (PARTITION BY consumer ORDER BY ts, step, row ROWS UNBOUNDED PRECEDING) AS g
        FROM seq
    ),
    runs AS (
        SELECT consumer, min(step) AS first_step, arg_min(row, step) AS r1, arg_min(v, step) AS v, {times}
        FROM grp GROUP BY consumer, g
    ),
    chains AS (SELECT *, {level} AS level FROM runs WHERE first_step = 1 AND t1 < {end})"""
    else:
        ctes = [f, f"c1 AS (SELECT consumer, row AS r1, ts AS t1, v FROM f WHERE step = 1 AND ts < {end})"]
        for k in range(2, n + 1):
            ctes.append(f"s{k} AS (SELECT consumer, ts FROM f WHERE step = {k})")
            ctes.append(f"c{k} AS (SELECT c.*, s.ts AS t{k} FROM c{k - 1} c ASOF LEFT JOIN s{k} s "
                        f"ON c.consumer = s.consumer AND s.ts >= c.t{k - 1})")
        body = ",\n    ".join(ctes) + f""",
    chains AS (SELECT *, {level} AS level FROM c{n})"""
    tl = "CASE level " + " ".join(f"WHEN {k} THEN t{k}" for k in range(1, n + 1)) + " END"
    if strict:
        body += f""",
    ranked AS (SELECT *, {tl} AS tl FROM chains WHERE level > 0),
    best AS (SELECT * FROM ranked QUALIFY row_number() OVER (PARTITION BY consumer ORDER BY level DESC, tl, t1, r1) = 1)"""
    else:
        # Forward: the level and the earliest completion; a level-1 consumer's chain is their first
        # step-1 event. Backward from the completion: slot k held the chain copied by the last
        # step-(k+1) event at or before the next step's event, and slot 1 the last step-1 event
        # (at one instant, the last in snapshot order).
        back = [f"""ranked AS (SELECT *, {tl} AS tl FROM chains WHERE level > 0),
    fwd AS (SELECT consumer, level, tl, v AS v1 FROM ranked QUALIFY row_number() OVER (PARTITION BY consumer ORDER BY level DESC, tl, r1) = 1),
    bk{n} AS (SELECT *, CASE WHEN level = {n} THEN tl END AS t{n} FROM fwd)"""]
        for k in range(n - 1, 1, -1):
            back.append(f"""bk{k} AS (SELECT b.*, CASE WHEN b.level = {k} THEN b.tl ELSE s.ts END AS t{k}
        FROM bk{k + 1} b ASOF LEFT JOIN s{k} s ON b.consumer = s.consumer AND s.ts <= b.t{k + 1})""")
        back.append(f"""s1g AS (SELECT consumer, ts, arg_max(v, row) AS v FROM f WHERE step = 1 AND ts < {end} GROUP BY ALL),
    best AS (SELECT b.*, CASE WHEN b.level = 1 THEN b.tl ELSE s.ts END AS t1, CASE WHEN b.level = 1 THEN b.v1 ELSE s.v END AS v
        FROM bk2 b ASOF LEFT JOIN s1g s ON b.consumer = s.consumer AND s.ts <= b.t2)""")
        body += ",\n    " + ",\n    ".join(back)
    per_step = []
    for k in range(1, n + 1):
        d = f"t{k} - t1"
        per_step.append(f"SELECT 'step', NULL, {k}, count(*) FILTER (WHERE level >= {k}), "
                        f"quantile_cont({d}, 0.5) FILTER (WHERE level >= {k}), quantile_cont({d}, 0.9) FILTER (WHERE level >= {k}) "
                        f"FROM best")
        per_step.append(f"SELECT 'by', v, {k}, count(*) FILTER (WHERE level >= {k}), NULL, NULL FROM best GROUP BY v")
    return f"""
    WITH {body}
    {' UNION ALL '.join(per_step)}"""


def round_half_away(x):
    return None if x is None else int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def funnel_check(report, rows, P):
    """Every number of the report: consumers, conversions, drop-off, median and p90 per step, the
    breakdown rows in their order, the incomplete-window day."""
    problems = []
    steps = {r[2]: r for r in rows if r[0] == "step"}
    n = len(steps)
    reached = [steps[k][3] for k in range(1, n + 1)]
    for row in report["rows"]:
        k = row["step"]
        ours = {
            "consumers": reached[k - 1],
            "dropOff": reached[k - 2] - reached[k - 1] if k > 1 else 0,
            "conversionFromFirst": reached[k - 1] / reached[0] if reached[0] else None,
            "conversionFromPrevious": reached[k - 1] / reached[k - 2] if k > 1 and reached[k - 2] else None,
            "medianMs": round_half_away(steps[k][4]) if k > 1 else None,
            "p90Ms": round_half_away(steps[k][5]) if k > 1 else None,
        }
        if k == 1:
            ours["medianMs"] = ours["p90Ms"] = None
        for key, value in ours.items():
            if row.get(key) != value:
                problems.append(f"step {k} {row['label']} {key}: DuckDB {value} vs Kehu {row.get(key)}")
    if len(report["rows"]) != n:
        problems.append(f"steps: DuckDB {n} vs Kehu {len(report['rows'])}")
    if P["args"].get("by"):
        segments = {}
        for r in rows:
            if r[0] == "by":
                segments.setdefault(r[1], [0] * n)[r[2] - 1] = r[3]
        ours = sorted(((v, c, c[-1] / c[0]) for v, c in segments.items() if c[0] > 0), key=lambda x: (-x[1][0], x[0]))
        theirs = [(s["value"], s["consumers"], s["conversion"]) for s in report["breakdown"]]
        if ours != theirs:
            problems.append(f"breakdown: DuckDB {ours} vs Kehu {theirs}")
    elif report["breakdown"]:
        problems.append(f"breakdown without `by`: Kehu {report['breakdown']}")
    first, last, start, end = period(P)
    window = arg_duration_ms(P, "window", 7 * DAY_MS)
    complete = P["cal"].end(P["last_day"]) - window
    incomplete = None
    if complete < end:
        incomplete = str(max(first, datetime.date(1970, 1, 1) + datetime.timedelta(days=(complete + P["offset"]) // DAY_MS)))
    if report.get("incompleteFrom") != incomplete:
        problems.append(f"incomplete from: DuckDB {incomplete} vs Kehu {report.get('incompleteFrom')}")
    return problems


def orders_unpaid_sql(P):
    """Orders placed in the period (first `order` event per consumer and order id) not paid within
    24h; awaiting when placed + W runs past the end of the data."""
    first, last, start, end = period(P)
    within = arg_duration_ms(P, "within", 24 * 3_600_000)
    data_end = P["cal"].end(P["last_day"])
    return f"""
    WITH placed AS (
        SELECT consumer, order_id, min(ts) AS placed, arg_min(amount, row) AS amount, arg_min(channel, row) AS channel
        FROM events WHERE kind = 'order' AND order_id IS NOT NULL
        GROUP BY consumer, order_id
    ),
    period AS (SELECT * FROM placed WHERE placed >= {start} AND placed < {end}),
    pays AS (SELECT DISTINCT consumer, order_id, ts FROM events WHERE kind = 'pay' AND order_id IS NOT NULL),
    judged AS (
        SELECT p.consumer, p.order_id, p.placed, p.amount, p.channel,
            coalesce(bool_or(pays.ts - p.placed <= {within}), false) AS paid_within,
            count(pays.ts) AS payments
        FROM period p LEFT JOIN pays ON pays.consumer = p.consumer AND pays.order_id = p.order_id
        GROUP BY ALL
    ),
    classed AS (
        SELECT *, CASE WHEN paid_within THEN 'paid' WHEN payments = 0 AND placed + {within} >= {data_end} THEN 'awaiting'
                       ELSE 'unpaid' END AS state
        FROM judged
    )
    SELECT coalesce(channel, '(none)') AS channel, count(*) AS orders,
        count(*) FILTER (WHERE state = 'paid') AS paid, count(*) FILTER (WHERE state = 'unpaid') AS unpaid,
        count(*) FILTER (WHERE state = 'awaiting') AS awaiting,
        coalesce(sum(coalesce(amount, 0)) FILTER (WHERE state = 'unpaid'), 0) AS unpaid_fen
    FROM classed GROUP BY ALL ORDER BY unpaid_fen DESC"""


def orders_unpaid_check(report, rows, P):
    ours = tuple(sum(r[i] for r in rows) for i in range(1, 6))
    theirs = (report["orders"], report["paidWithin"], report["unpaid"], report["awaiting"], report["unpaidFen"])
    names = ("orders", "paid within", "unpaid", "awaiting", "unpaid fen")
    return [f"{n}: DuckDB {o:,} vs Kehu {t:,}" for n, o, t in zip(names, ours, theirs) if o != t]


def month_bounds(P):
    last = arg_day(P, "to", P["as_of"])
    m_to = last.year * 12 + last.month - 1
    first = arg_day(P, "from", None)
    m_from = first.year * 12 + first.month - 1 if first else m_to - 11
    return last, m_from, m_to


def retention_sql(P):
    """Cohorts by first paid order per month, return = a paid order's first payment, as of `to`."""
    last, m_from, m_to = month_bounds(P)
    end = P["cal"].end(last)
    return f"""
    WITH {orders_cte()},
    po AS (SELECT DISTINCT consumer, {month_of('pay_ts', P)} AS m FROM orders WHERE pay_ts < {end} AND refunded_ts >= {end}),
    cohort AS (SELECT consumer, min(m) AS c FROM po GROUP BY consumer HAVING min(m) BETWEEN {m_from} AND {m_to}),
    returned AS (SELECT cohort.c, po.m - cohort.c AS k, count(*) AS n FROM po JOIN cohort USING (consumer) WHERE po.m > cohort.c GROUP BY ALL)
    SELECT c, 0 AS k, count(*) FROM cohort GROUP BY c
    UNION ALL SELECT c, k, n FROM returned
    ORDER BY 1, 2"""


def retention_check(report, rows, P):
    last, m_from, m_to = month_bounds(P)
    ours = {(c - m_from, k): n for c, k, n in rows}
    problems = []
    for i, cohort in enumerate(report["cohorts"]):
        if cohort["size"] != ours.get((i, 0), 0):
            problems.append(f"cohort {cohort['label']} size: DuckDB {ours.get((i, 0), 0):,} vs Kehu {cohort['size']:,}")
        for cell in cohort["periods"]:
            if cell["period"] >= 1 and cell["retained"] != ours.get((i, cell["period"]), 0):
                problems.append(f"cohort {cohort['label']} +{cell['period']}: DuckDB {ours.get((i, cell['period']), 0):,} vs Kehu {cell['retained']:,}")
    return problems


def lifecycle_sql(P):
    """New / returning / resurrecting / dormant buyers per month, paid orders as of `to`."""
    last, m_from, m_to = month_bounds(P)
    end = P["cal"].end(last)
    return f"""
    WITH {orders_cte()},
    b AS (SELECT DISTINCT consumer, {month_of('pay_ts', P)} AS m FROM orders WHERE pay_ts < {end} AND refunded_ts >= {end}),
    f AS (SELECT consumer, min(m) AS fm FROM b GROUP BY consumer),
    x AS (
        SELECT coalesce(cur.consumer, prev.consumer) AS consumer, coalesce(cur.m, prev.m + 1) AS i,
            cur.m IS NOT NULL AS now_, prev.m IS NOT NULL AS before_
        FROM (SELECT * FROM b WHERE m BETWEEN {m_from} AND {m_to}) cur
        FULL OUTER JOIN (SELECT * FROM b WHERE m BETWEEN {m_from - 1} AND {m_to - 1}) prev
            ON cur.consumer = prev.consumer AND cur.m = prev.m + 1
    )
    SELECT i,
        count(*) FILTER (WHERE now_) AS buyers,
        count(*) FILTER (WHERE now_ AND f.fm = i) AS new,
        count(*) FILTER (WHERE now_ AND before_) AS returning,
        count(*) FILTER (WHERE now_ AND NOT before_ AND f.fm < i - 1) AS resurrecting,
        count(*) FILTER (WHERE before_ AND NOT now_) AS dormant
    FROM x JOIN f USING (consumer) GROUP BY i ORDER BY i"""


def lifecycle_check(report, rows, P):
    last, m_from, m_to = month_bounds(P)
    ours = {i - m_from: r for i, *r in rows}
    problems = []
    for k, interval in enumerate(report["intervals"]):
        o = ours.get(k, [0, 0, 0, 0, 0])
        theirs = [interval["buyers"], interval["new"], interval["returning"], interval["resurrecting"], abs(interval["dormant"])]
        if list(o) != theirs:
            problems.append(f"{interval['label']}: DuckDB (buyers, new, returning, resurrecting, dormant) {list(o)} vs Kehu {theirs}")
    return problems


def channels_sql(P):
    """Channel quality per channel and in all (each consumer once), over the period."""
    first, last, start, end = period(P)
    return f"""
    WITH {orders_cte()},
    earlier AS (SELECT DISTINCT consumer FROM orders WHERE pay_ts < {start} AND refunded_ts >= {start}),
    per AS (
        SELECT consumer, coalesce(channel, '(none)') AS ch,
            arg_min(kind, row) AS first_kind, min(ts) AS first_ts,
            min(ts) FILTER (WHERE kind IN {in_list(I_KINDS)}) AS first_i,
            max(ts) FILTER (WHERE kind IN {in_list(I_KINDS)}) AS last_i,
            max(ts) FILTER (WHERE kind = 'pay') AS last_pay,
            sum(coalesce(amount, 0)) FILTER (WHERE kind = 'pay') AS gmv,
            GROUPING(coalesce(channel, '(none)')) AS is_total
        FROM events WHERE ts >= {start} AND ts < {end}
        GROUP BY GROUPING SETS ((consumer, coalesce(channel, '(none)')), (consumer))
    )
    SELECT CASE WHEN is_total = 1 THEN '*all*' ELSE ch END AS row_name,
        count(*) AS reached,
        count(*) FILTER (WHERE first_kind IN {in_list(A_KINDS)}) AS aware,
        count(*) FILTER (WHERE first_kind IN {in_list(A_KINDS)} AND last_i > first_ts) AS a_to_i,
        count(*) FILTER (WHERE first_i IS NOT NULL) AS interested,
        count(*) FILTER (WHERE first_i IS NOT NULL AND last_pay > first_i) AS i_to_p,
        count(*) FILTER (WHERE last_pay IS NOT NULL) AS buyers,
        coalesce(sum(gmv), 0) AS gmv,
        count(*) FILTER (WHERE last_pay IS NOT NULL AND earlier.consumer IS NULL) AS new_buyers
    FROM per LEFT JOIN earlier USING (consumer)
    GROUP BY ALL ORDER BY gmv DESC"""


def channels_check(report, rows, P):
    ours = {r[0]: tuple(r[1:]) for r in rows}
    problems = []
    for row in report["rows"] + [dict(report["total"], channel="*all*")]:
        name = row.get("channel") or "(none)"
        theirs = (row["reached"], row["awareEntrants"], row["awareToInterested"], row["interested"], row["interestedToPaid"],
                  row["buyers"], row["gmvFen"], row["newBuyers"])
        got = ours.get(name)
        if got != theirs:
            problems.append(f"{name}: DuckDB {got} vs Kehu {theirs} (reached, A, A->I, I, I->P, buyers, GMV, new)")
    return problems


def price_sql(P):
    """Price sensitivity bands per buyer and 以价换量 per SKU and day, over the period."""
    first, last, start, end = period(P)
    depth_bp = round(float(P["args"].get("depth") or 0.2) * 10000)
    coupon_ms = arg_int(P, "coupon-days", 7) * DAY_MS
    coupon = f"(claim IS NOT NULL AND ts - claim <= {coupon_ms})" if coupon_ms > 0 else "false"
    return f"""
    WITH pays AS (
        SELECT consumer, row, ts, sku, amount, list_price, coalesce(quantity, 1) AS units
        FROM events WHERE kind = 'pay' AND ts >= {start} AND ts < {end}
    ),
    claims AS (SELECT consumer, ts AS claim FROM events WHERE kind = 'coupon_claim' AND ts < {end}),
    joined AS (SELECT p.*, c.claim FROM pays p ASOF LEFT JOIN claims c ON p.consumer = c.consumer AND c.claim <= p.ts),
    judged AS (
        SELECT *, {coupon} AS coupon,
            amount IS NOT NULL AND list_price > 0 AS priced,
            amount IS NOT NULL AND list_price > 0 AND amount * 10000 <= list_price * units * {10000 - depth_bp} AS deep
        FROM joined
    ),
    buyers AS (
        SELECT consumer, count(*) AS n, count(*) FILTER (WHERE priced OR coupon) AS judged,
            count(*) FILTER (WHERE deep OR coupon) AS discounted
        FROM judged GROUP BY consumer
    ),
    bands AS (
        SELECT CASE WHEN judged = 0 THEN 'unknown' WHEN discounted = 0 THEN 'none' WHEN discounted * 2 < judged THEN 'some'
                    ELSE 'sensitive' END AS band, count(*) AS buyers, sum(n) AS purchases
        FROM buyers GROUP BY ALL
    ),
    sku_days AS (
        SELECT sku, {local_day('ts', P)} AS d, sum(units) AS units, count(DISTINCT consumer) AS buyers,
            sum(amount) FILTER (WHERE priced) AS priced_fen, sum(list_price * units) FILTER (WHERE priced) AS list_fen,
            sum(units) FILTER (WHERE priced) AS priced_units
        FROM judged WHERE sku IS NOT NULL GROUP BY ALL
    ),
    sku_classes AS (
        SELECT sku, CASE WHEN priced_units IS NULL THEN 'unclassified'
                         WHEN priced_fen * 10000 <= list_fen * {10000 - depth_bp} THEN 'discounted' ELSE 'regular' END AS class,
            count(*) AS days, sum(units) AS units, sum(buyers) AS buyer_days, sum(priced_fen) AS priced_fen,
            sum(priced_units) AS priced_units
        FROM sku_days GROUP BY ALL
    )
    SELECT 'band' AS what, band AS name, NULL AS class, buyers, purchases, NULL, NULL, NULL FROM bands
    UNION ALL
    SELECT 'sku', sku, class, days, units, buyer_days, priced_fen, priced_units FROM sku_classes"""


def price_check(report, rows, P):
    problems = []
    bands = {r[1]: (r[3], r[4]) for r in rows if r[0] == "band"}
    for band in report["bands"]:
        got = bands.get(band["band"], (0, 0))
        if got != (band["buyers"], band["purchases"]):
            problems.append(f"band {band['band']}: DuckDB (buyers, purchases) {got} vs Kehu {(band['buyers'], band['purchases'])}")
    skus = {}
    for r in rows:
        if r[0] == "sku":
            skus.setdefault(r[1], {})[r[2]] = r[3:]
    for sku in report["skus"]:
        ours = skus.get(sku["sku"], {})
        for cls in ("regular", "discounted"):
            got = ours.get(cls)
            theirs = sku[cls]
            g = (got[0], got[1], got[2]) if got else (0, 0, 0)
            if g != (theirs["days"], theirs["units"], theirs["buyerDays"]):
                problems.append(f"SKU {sku['sku']} {cls}: DuckDB (days, units, buyer-days) {g} vs Kehu "
                                f"{(theirs['days'], theirs['units'], theirs['buyerDays'])}")
    return problems


def content_sql(P):
    """Content seeding per AIPL stage (stage as of the end of the day before the reference) with
    the stage-weighted lift; per-item rows are not computed here (Kehu computes them too)."""
    first, last, start, end = period(P)
    within = arg_int(P, "within", 15) * DAY_MS
    off = P["offset"]
    return f"""
    WITH {orders_cte()},
    ref AS (
        SELECT consumer,
            coalesce(min(ts) FILTER (WHERE kind = 'content_view'), min(ts)) AS ref_ts,
            count(*) FILTER (WHERE kind = 'content_view') > 0 AS viewer
        FROM events WHERE ts >= {start} AND ts < {end} GROUP BY consumer
    ),
    refd AS (SELECT *, ((ref_ts + {off}) // {DAY_MS}) * {DAY_MS} - {off} AS e FROM ref),
    p AS (
        SELECT r.consumer, count(*) AS n, min(o.pay_ts) AS first_pay
        FROM refd r JOIN orders o ON o.consumer = r.consumer
        WHERE o.pay_ts >= r.e - {365 * DAY_MS} AND o.pay_ts < r.e AND o.refunded_ts >= r.e
        GROUP BY r.consumer
    ),
    ev AS (
        SELECT r.consumer,
            max(CASE WHEN ev.kind IN {in_list(I_KINDS)} AND ev.ts >= r.e - {15 * DAY_MS} AND ev.ts < r.e THEN 2
                     WHEN ev.kind IN {in_list(A_KINDS)} AND ev.ts >= r.e - {15 * DAY_MS} AND ev.ts < r.e THEN 1 ELSE 0 END) AS s,
            bool_or(ev.kind IN {in_list(L_KINDS)} AND ev.ts >= p.first_pay AND ev.ts < r.e) AS advocate,
            bool_or(ev.kind = 'pay' AND ev.ts > r.ref_ts AND ev.ts <= r.ref_ts + {within}) AS bought
        FROM refd r JOIN events ev ON ev.consumer = r.consumer LEFT JOIN p ON p.consumer = r.consumer
        WHERE ev.ts >= least(r.e - {15 * DAY_MS}, coalesce(p.first_pay, r.e)) AND ev.ts <= r.ref_ts + {within}
        GROUP BY r.consumer
    ),
    staged AS (
        SELECT r.consumer, r.viewer,
            CASE WHEN p.n >= 2 OR (p.n = 1 AND ev.advocate) THEN 4 WHEN p.n >= 1 THEN 3 ELSE coalesce(ev.s, 0) END AS stage,
            coalesce(ev.bought, false) AS bought
        FROM refd r LEFT JOIN p USING (consumer) LEFT JOIN ev USING (consumer)
    )
    SELECT stage, count(*) FILTER (WHERE viewer) AS viewers, count(*) FILTER (WHERE viewer AND bought) AS viewer_buyers,
        count(*) FILTER (WHERE NOT viewer) AS non_viewers, count(*) FILTER (WHERE NOT viewer AND bought) AS non_viewer_buyers
    FROM staged GROUP BY stage ORDER BY stage"""


def content_check(report, rows, P):
    ours = {STAGE_LETTERS[s]: tuple(r) for s, *r in rows}
    problems = []
    for row in report["stages"]:
        theirs = (row["viewers"], row["viewerBuyers"], row["nonViewers"], row["nonViewerBuyers"])
        got = ours.get(row["stage"], (0, 0, 0, 0))
        if got != theirs:
            problems.append(f"stage {row['stage']}: DuckDB (viewers, buyers, non-viewers, buyers) {got} vs Kehu {theirs}")
    return problems


ANALYSES = {
    "aipl": (aipl_sql, aipl_check),
    "aipl-flow": (aipl_flow_sql, aipl_flow_check),
    "fast": (fast_sql, fast_check),
    "visitors": (visitors_sql, visitors_check),
    "nine": (nine_sql, nine_check),
    "funnel": (funnel_sql, funnel_check),
    "funnel-strict": (funnel_sql, funnel_check),
    "funnel-conditions": (funnel_sql, funnel_check),
    "funnel-by-channel": (funnel_sql, funnel_check),
    "aipl-by-category": (aipl_by_category_sql, aipl_by_category_check),
    "aipl-trend-day": (aipl_trend_sql, aipl_trend_check),
    "aipl-trend-week": (aipl_trend_sql, aipl_trend_check),
    "fast-trend-day": (fast_trend_sql, fast_trend_check),
    "fast-trend-week": (fast_trend_sql, fast_trend_check),
    "aipl-benchmark": (aipl_benchmark_sql, aipl_benchmark_check),
    "profile": (profile_sql, profile_check),
    "orders-unpaid": (orders_unpaid_sql, orders_unpaid_check),
    "retention": (retention_sql, retention_check),
    "lifecycle": (lifecycle_sql, lifecycle_check),
    "rfm": (rfm_sql, rfm_check),
    "channels": (channels_sql, channels_check),
    "price": (price_sql, price_check),
    "content": (content_sql, content_check),
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
    P["cal_start"] = lambda n: n * DAY_MS - P["offset"]
    reports = {a["name"]: a for a in kehu["analyses"]}
    con = duckdb.connect(args.db, read_only=True)
    con.execute(f"SET threads = {args.threads}")
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    P["consumers"] = con.execute("SELECT count(*) FROM consumers").fetchone()[0]
    # ASOF joins always by sort-merge: after a range join DuckDB estimates ~1 row and would
    # otherwise pick its nested-loop ASOF (for under 64 rows), which takes many minutes on the
    # FAST trend's 600,000 member-days.
    con.execute("SET asof_loop_join_threshold = 0")
    wanted = [n.strip() for n in args.only.split(",")] if args.only else list(ANALYSES)
    results = []
    mismatches = 0
    for name in wanted:
        if name not in ANALYSES:
            print(f"!! no SQL for analysis '{name}'", file=sys.stderr)
            continue
        sql_of, check = ANALYSES[name]
        P["entry"] = reports.get(name, {})
        P["args"] = P["entry"].get("arguments", {})
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
