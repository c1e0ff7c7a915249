#!/usr/bin/env python3
"""Benchmark the hotspot recompute (`riskkarta hotspots compute`) for 100,000 and 1,000,000 incidents.

    .venv/bin/python scripts/bench_hotspots.py [--incidents 100000 1000000] [--repeat 3]

Run by hand on the demo city (`make run` loads it). In one transaction that is rolled back at the end, it
replaces the incidents with that many generated demo incidents over the city (three years), then times the full
recompute (every period, category and time band) `--repeat` times and prints the split between SQL (counting the
incidents per cell), Python (Gi*, p-values, FDR for every run) and storing the runs. The floor is the bare
counting query alone (the same SQL, run directly, its rows discarded): the ratio says how much the statistics and
storing add on top. Target (issue 18): under 10 s for 1,000,000 incidents on a 2-core machine.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from layers.demo_crime import crime_incidents  # noqa: E402
from layers.demo_vectors import incident_rows  # noqa: E402
from webapp.config import Settings  # noqa: E402
from webapp.db import make_engine  # noqa: E402
from webapp.services.hotspots import compute as hotspots  # noqa: E402
from webapp.services.imports import incidents  # noqa: E402


def floor(session: Session, parameters: hotspots.Parameters) -> float:
    """The bare counting query (per cell, category and month, and per cell, category and band), as the recompute
    runs it, its rows fetched and dropped."""
    categories, last = session.execute(text("SELECT array_agg(DISTINCT category), max(occurred_at)::date "
                                            "FROM incident WHERE layer = 'crime'")).one()
    twelve = hotspots.periods_of(last, last)[0]
    cursor = session.connection().connection.driver_connection.cursor()
    started = time.perf_counter()
    cursor.execute(hotspots.counts_sql(parameters.grid), {"categories": sorted(categories), "start": twelve.start,
                                                          "end": twelve.end, "layer": "crime"})
    cursor.fetchall()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--incidents", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shape", choices=("hex", "square"), default="hex")
    args = parser.parse_args()
    engine = make_engine(Settings().database_url)
    parameters = hotspots.Parameters(shape=args.shape)
    print(f"{'incidents':>10} {'runs':>5} {'total s':>8} {'SQL s':>7} {'Python s':>9} {'store s':>8} "
          f"{'floor s':>8} {'÷ floor':>8}")
    for n in args.incidents:
        with Session(engine) as session:
            started = time.perf_counter()
            batch = crime_incidents(n=n)
            incidents.replace_all(session, incident_rows(batch), source="bench", is_demo=True)
            setup = time.perf_counter() - started
            totals, outcomes = [], []
            for _ in range(args.repeat):
                started = time.perf_counter()
                outcomes.append(hotspots.compute(session, parameters=parameters))
                totals.append(time.perf_counter() - started)
            bare = min(floor(session, parameters) for _ in range(args.repeat))
            best = outcomes[totals.index(min(totals))]
            print(f"{n:>10,} {len(best.runs):>5} {statistics.median(totals):>8.2f} {best.sql_seconds:>7.2f} "
                  f"{best.python_seconds:>9.2f} {best.store_seconds:>8.2f} {bare:>8.2f} "
                  f"{statistics.median(totals) / bare:>8.1f}   (set-up {setup:.0f} s, rolled back)")
            session.rollback()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
