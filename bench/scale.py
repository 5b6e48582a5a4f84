"""Scale benchmark: N realistic cases in PostgreSQL (or SQLite), then the latency of every screen people use all day.

1. A fresh, randomly named PostgreSQL database (dropped at the end unless ``--keep``), migrated; the demo plays
   every story of the three processes through the service layer (the templates); ``bench/scalegen.py`` copies
   them set-based into N cases with customers, work items, events and search entries; VACUUM ANALYZE.
2. Every worklist view (API and UI: my items, a team's queues, unassigned, overdue, one queue, sort by priority,
   a saved filter, page 2 by cursor), the tab counts, the case page, the desk search (a common surname, a phone,
   a reference), full-text search: ``--requests`` timed GETs each through the Flask app in this process (no
   network: the server's own time). p50 / p95 per request against its aim; for any over its aim, the
   EXPLAIN (ANALYZE, BUFFERS) of its slowest statement.
3. Baseline in the same run: the worklist query and tab counts as they were before (one ORDER BY over the open
   items of the queue joined to case, customer and assignee; COUNT over every open item), timed on the same data.
4. Storage: bytes per case (process state, events, work items, search entries), open and closed.

Usage: .venv/bin/python bench/scale.py --cases 50000 [--requests 40] [--keep] [--url postgresql+psycopg://...]
       .venv/bin/python bench/scale.py --sqlite --cases 100000 [--keep]   (the embedded default: aim p95 <= 50 ms)
       .venv/bin/python bench/scale.py --url sqlite:////tmp/caseworks-scale-sqlite-.../caseworks.db   (measure again)
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench import scalegen, scalemeasure  # noqa: E402
from bench.scalegen_sqlite import generate_sqlite  # noqa: E402
from engine.bootstrap import build  # noqa: E402
from engine.db import connect, upgrade  # noqa: E402
from webapp.demo import load_demo  # noqa: E402
from engine.passwords import hash_password  # noqa: E402
from engine.settings import Settings  # noqa: E402

PG_ADMIN = os.environ.get("CASEWORKS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = scalemeasure.PASSWORD


def log(message: str) -> None:
    print(message, flush=True)


def _create_pg() -> tuple[str, str]:
    name = f"caseworks_scale_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


def _drop_pg(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fill(settings: Settings, cases: int) -> None:
    """Templates through the product, then N copies set-based; people in every team."""
    db = connect(settings)
    upgrade(db)
    db.dispose()
    ctx = build(settings.with_(worker_enabled=False))
    try:
        started = time.perf_counter()
        load_demo(ctx)
        log(f"templates: the demo through the service layer in {time.perf_counter() - started:.1f} s")
        engine = ctx.db.write_engine
        with engine.connect() as conn:
            info = scalegen.prepare_templates(conn)
            people = scalegen.add_people(conn, hash_password(PASSWORD), ctx.clock.now())
            conn.commit()
        log(f"templates: {info}; users: {people}")
        started = time.perf_counter()
        seconds = scalegen.generate(engine.connect, cases, ctx.clock.now(), log)
        elapsed = time.perf_counter() - started
        log(f"generated {cases:,} cases in {elapsed:.0f} s ({cases / elapsed:,.0f} cases/s); seconds per table: "
            + ", ".join(f"{k} {v:.0f}" for k, v in seconds.items()))
        started = time.perf_counter()
        scalegen.finish_storage(engine)
        log(f"VACUUM ANALYZE in {time.perf_counter() - started:.0f} s")
    finally:
        ctx.db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per view")
    parser.add_argument("--url", help="use this PostgreSQL database (already filled with --keep) instead of a new one")
    parser.add_argument("--keep", action="store_true", help="keep the new database (its URL is printed)")
    parser.add_argument("--sqlite", action="store_true", help="the embedded SQLite default instead of PostgreSQL")
    parser.add_argument("--fill-only", action="store_true", help="fill (with --keep) and measure later with --url")
    args = parser.parse_args()
    name = None
    tmp: Path | None = None
    if args.sqlite and not args.url:
        home = Path(tempfile.mkdtemp(prefix="caseworks-scale-sqlite-"))
        tmp = None if args.keep else home
        settings = Settings(home=home, worker_enabled=False)
    elif args.url:
        settings = Settings(database_url=args.url, home=Path(tempfile.mkdtemp(prefix="caseworks-scale-")),
                            worker_enabled=False)
    else:
        name, url = _create_pg()
        settings = Settings(database_url=url, home=Path(tempfile.mkdtemp(prefix="caseworks-scale-")),
                            worker_enabled=False)
        log(f"database {name}")
    try:
        if not args.url:
            if args.sqlite:
                scalegen_sqlite(settings, args.cases)
            else:
                fill(settings, args.cases)
        return 0 if args.fill_only else scalemeasure.measure(settings, args.requests, log)
    finally:
        if name and not args.keep:
            _drop_pg(name)
            log(f"dropped {name}")
        elif name:
            log(f"kept: --url {settings.database_url}")
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        elif args.sqlite and not args.url:
            log(f"kept: --url {settings.effective_database_url}")


def scalegen_sqlite(settings: Settings, cases: int) -> None:
    """The embedded default: the same templates, copied by ``scalegen_sqlite.generate_sqlite``."""
    ctx = build(settings)
    try:
        load_demo(ctx)
        generate_sqlite(ctx, cases, hash_password(PASSWORD), log)
    finally:
        ctx.db.dispose()


if __name__ == "__main__":
    sys.exit(main())
