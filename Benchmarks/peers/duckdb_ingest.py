#!/usr/bin/env python3
"""DuckDB peer for Kehu's CSV ingest benchmark (Benchmarks/run-foundation.sh).

Loads a canonical event CSV (docs/formats.md) into a DuckDB table with read_csv and explicit
column types, the closest DuckDB equivalent of `kehu ingest`: every row parsed and typed, and
stored in a table. Runs it against an in-memory database and an on-disk one (created fresh for
every run and checkpointed before the clock stops, so the data is on disk like Kehu's fsynced
segments), and prints one JSON object per database:

    {"peer": "duckdb", "version": "...", "database": "memory", "rows": N, "seconds": median, ...}

Usage: duckdb_ingest.py --csv FILE [--runs 3] [--databases memory,disk] [--disk-dir DIR]
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

import duckdb

# The canonical columns with the types their rules call for (docs/formats.md): `ts` is
# ISO-8601 with an offset, amounts are yuan with at most 2 decimals, quantity a positive integer.
CANONICAL_COLUMNS = {
    "event_id": "VARCHAR",
    "ts": "TIMESTAMPTZ",
    "keys": "VARCHAR",
    "kind": "VARCHAR",
    "channel": "VARCHAR",
    "touchpoint": "VARCHAR",
    "campaign": "VARCHAR",
    "content": "VARCHAR",
    "sku": "VARCHAR",
    "category": "VARCHAR",
    "order_id": "VARCHAR",
    "amount": "DECIMAL(18,2)",
    "list_price": "DECIMAL(18,2)",
    "quantity": "INTEGER",
}


def columns_literal():
    pairs = ", ".join(f"'{name}': '{kind}'" for name, kind in CANONICAL_COLUMNS.items())
    return "{" + pairs + "}"


def load(connection, csv_path):
    """Creates table `events` from the CSV; returns its row count."""
    path = csv_path.replace("'", "''")
    connection.execute(
        "CREATE TABLE events AS SELECT * FROM read_csv("
        f"'{path}', header = true, delim = ',', quote = '\"', escape = '\"', "
        f"columns = {columns_literal()}, auto_detect = false)"
    )
    return connection.execute("SELECT count(*) FROM events").fetchone()[0]


def run_once(csv_path, database, disk_dir):
    """One timed load into a fresh database; returns (rows, seconds)."""
    if database == "memory":
        started = time.perf_counter()
        connection = duckdb.connect(":memory:")
        rows = load(connection, csv_path)
        seconds = time.perf_counter() - started
        connection.close()
        return rows, seconds
    folder = tempfile.mkdtemp(prefix="duckdb-ingest-", dir=disk_dir)
    try:
        started = time.perf_counter()
        connection = duckdb.connect(os.path.join(folder, "events.duckdb"))
        rows = load(connection, csv_path)
        connection.execute("CHECKPOINT")
        connection.close()
        seconds = time.perf_counter() - started
        return rows, seconds
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv", required=True, help="the canonical event CSV")
    parser.add_argument("--runs", type=int, default=3, help="timed loads per database (median reported)")
    parser.add_argument("--databases", default="memory,disk", help="memory, disk or both (comma-separated)")
    parser.add_argument("--disk-dir", default=None, help="where on-disk databases are made (default: the CSV's folder)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    disk_dir = args.disk_dir or os.path.dirname(os.path.abspath(args.csv))
    threads = duckdb.connect(":memory:").execute("SELECT current_setting('threads')").fetchone()[0]
    for database in [d.strip() for d in args.databases.split(",") if d.strip()]:
        if database not in ("memory", "disk"):
            parser.error(f"unknown database '{database}': use memory or disk")
        results = [run_once(args.csv, database, disk_dir) for _ in range(args.runs)]
        rows = results[0][0]
        if any(r != rows for r, _ in results):
            print(f"row counts differ between runs: {[r for r, _ in results]}", file=sys.stderr)
            sys.exit(1)
        times = [s for _, s in results]
        median = statistics.median(times)
        print(json.dumps({
            "peer": "duckdb",
            "version": duckdb.__version__,
            "database": database,
            "threads": int(threads),
            "rows": rows,
            "runs": [round(t, 4) for t in times],
            "seconds": round(median, 4),
            "rows_per_second": round(rows / median),
        }), flush=True)


if __name__ == "__main__":
    main()
