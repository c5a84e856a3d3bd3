"""Seeding speed and memory: ``seed_database`` into a fresh database.

    .venv/bin/python benchmarks/seed.py --learners 100000 --days 180
    .venv/bin/python benchmarks/seed.py --learners 100000 \\
        --database-url mysql+pymysql://root@127.0.0.1:3306/learnerai_bench_seed
    .venv/bin/python benchmarks/seed.py --learners 100000 --database-url mysql+pymysql://... \\
        --mysql-tuned

The database is made fresh first: a temporary SQLite file by default (deleted
afterwards unless ``--keep``), or, for a MySQL/MariaDB URL, the named database
dropped and re-created. Migrations run before the clock starts. Prints a
markdown table (rows per table, total rows, seconds, rows/s, peak RSS) and
optionally writes the same figures as JSON.

``--mysql-tuned`` sets two dynamic server variables for the run and restores
them afterwards (it needs the SUPER or SYSTEM_VARIABLES_ADMIN privilege):
``innodb_flush_log_at_trx_commit=2`` (the redo log is written at each commit
but flushed to disk about once a second: up to a second of commits lost on an
OS crash) and ``innodb_buffer_pool_size`` of 2 GiB (the default 128 MiB makes
InnoDB evict and re-read index pages of the big tables). Fine for a benchmark
or a demo database; a decision for the DBA in production.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from features import migrate
from features.demo_data import SeedReport, seed_database
from features.engine import make_engine


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 3, 1),
                        help="as-of date (default 2026-03-01, so runs are comparable)")
    parser.add_argument("--chunk-size", type=int, default=2000)
    parser.add_argument("--database-url", default=None,
                        help="default: a temporary SQLite file")
    parser.add_argument("--mysql-tuned", action="store_true",
                        help="during the run: SET GLOBAL innodb_flush_log_at_trx_commit=2, "
                             "innodb_buffer_pool_size=2G (restored afterwards)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite file")
    return parser.parse_args(argv)


def fresh_database(url: str | None, scratch: Path) -> str:
    """A URL of an empty database at the head revision."""
    if url is None:
        url = f"sqlite:///{scratch / 'seed-bench.db'}"
    parsed = make_url(url)
    if parsed.get_backend_name() in ("mysql", "mariadb"):
        name = parsed.database
        if not name:
            raise SystemExit("the MySQL URL must name a database (it is dropped and re-created)")
        server = create_engine(parsed._replace(database=None))  # set() cannot unset
        with server.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        server.dispose()
    else:
        path = Path(parsed.database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


TUNING = {"innodb_flush_log_at_trx_commit": 2, "innodb_buffer_pool_size": 2 * 1024**3}


def set_server_variables(url: str, values: dict[str, int]) -> dict[str, int]:
    """SET GLOBAL each variable; returns the previous values (to restore them)."""
    engine = make_engine(url)
    previous: dict[str, int] = {}
    with engine.begin() as conn:
        for name, value in values.items():
            previous[name] = int(conn.execute(text(f"SELECT @@GLOBAL.{name}")).scalar_one())
            conn.execute(text(f"SET GLOBAL {name} = {int(value)}"))
    engine.dispose()
    return previous


def peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux (bytes on macOS).
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / scale / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def figures(report: SeedReport, url: str, wall: float, flags: dict[str, Any]) -> dict[str, Any]:
    return {
        "database": make_url(url).get_backend_name(),
        "learners": report.learners,
        "days": report.days,
        "seed": report.seed,
        "as_of": report.as_of.isoformat(),
        "seconds": round(wall, 1),
        "total_rows": report.total_rows,
        "rows_per_second": round(report.total_rows / wall) if wall else 0,
        "peak_rss_mib": round(peak_rss_mib(), 1),
        # The box may be shared: our own CPU time and the load say how contended the run was.
        "process_cpu_seconds": round(cpu_seconds(), 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "rows": report.rows,
        **flags,
    }


def markdown(fig: dict[str, Any]) -> str:
    lines = ["| table | rows |", "| --- | ---: |"]
    lines += [f"| {name} | {count:,} |" for name, count in sorted(fig["rows"].items())]
    lines += ["", "| measure | value |", "| --- | ---: |"]
    for key in ("database", "learners", "days", "seconds", "total_rows", "rows_per_second",
                "peak_rss_mib", "process_cpu_seconds", "load_average_1m", "mysql_tuned"):
        if key in fig:
            value = fig[key]
            lines.append(f"| {key} | {value:,} |" if isinstance(value, int) and not
                         isinstance(value, bool) else f"| {key} | {value} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="seed-bench-") as tmp:
        scratch = Path(tmp) if not args.keep else Path(tempfile.mkdtemp(prefix="seed-bench-"))
        url = fresh_database(args.database_url, scratch)
        is_mysql = make_url(url).get_backend_name() in ("mysql", "mariadb")
        previous = set_server_variables(url, TUNING) if (is_mysql and args.mysql_tuned) else None
        engine = make_engine(url)
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.perf_counter()
            if now - last[0] > 10 or done == total:
                print(f"  {done:,}/{total:,} learners", file=sys.stderr, flush=True)
                last[0] = now

        try:
            start = time.perf_counter()
            report = seed_database(
                engine, learners=args.learners, days=args.days, seed=args.seed,
                as_of=dt.datetime.combine(args.as_of, dt.time()), chunk_size=args.chunk_size,
                progress=progress)
            wall = time.perf_counter() - start
        finally:
            engine.dispose()
            if previous is not None:
                set_server_variables(url, previous)
        fig = figures(report, url, wall, {"mysql_tuned": bool(args.mysql_tuned)}
                      if is_mysql else {})
        print(markdown(fig))
        if args.json is not None:
            args.json.write_text(json.dumps(fig, indent=2) + "\n")
        if args.keep and not is_mysql:
            print(f"\nkept {url}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
