"""Throughput of publishing recommendations (replacing each learner's Pending rows).

    .venv/bin/python benchmarks/publish_recommendations.py \\
        --server mysql+pymysql://root@127.0.0.1:3306 --learners 20000

Creates a scratch database on the server, migrates it, adds ``--learners`` learners,
then publishes 25 rows per learner three times, with the audit as the nightly run
writes it: into an empty table; again with nothing changed (a rerun, or a night whose
lists are yesterday's: every row is kept); and again with ``--changed`` of the rows
given another confidence (deleted and inserted, the rest kept). It prints the rows
inserted, kept and deleted and the published rows per second of each; the database is
dropped at the end. ``--server sqlite`` measures a temporary SQLite file instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from features import migrate
from features.engine import make_engine
from features.publish_recommendations import publish_recommendations
from features.schema import RECOMMENDATION_TYPES, Learner, User

ROWS_PER_LEARNER = 25  # 5 types x top 5


def fake_recommendations(n_learners: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ids = np.repeat(np.arange(1, n_learners + 1), ROWS_PER_LEARNER)
    slot = np.tile(np.arange(ROWS_PER_LEARNER), n_learners)
    return pd.DataFrame({
        "learner_id": ids,
        "recommendation_type": np.array(RECOMMENDATION_TYPES)[slot // 5],
        "reference_id": rng.integers(1, 4000, len(ids)).astype(str),
        "rec_rank": slot % 5 + 1,
        "confidence_score": np.round(rng.random(len(ids)), 2),
        "recommendation_reason": "Teaches SQL and Tableau — 2 of the 4 skills you still need "
                                 "for Data Analyst; Video format, which you prefer.",
    })


def scratch_url(server: str) -> tuple[str, Callable[[], None]]:
    if server == "sqlite":
        path = Path(tempfile.mkdtemp()) / "publish.db"
        return f"sqlite:///{path}", lambda: None
    name = f"learnerai_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(server).set(database=None))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))

    return make_url(server).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="mysql+pymysql://root@127.0.0.1:3306")
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--changed", type=float, default=0.25,
                        help="share of the rows the third run changes")
    args = parser.parse_args()
    url, drop = scratch_url(args.server)
    try:
        engine = make_engine(url)
        migrate.upgrade(engine)
        ids = list(range(1, args.learners + 1))
        with engine.begin() as conn:
            conn.execute(insert(User), [{"id": i, "email": f"u{i}@example.org"} for i in ids])
            conn.execute(insert(Learner), [{"learner_id": i, "user_id": i} for i in ids])
        recs = fake_recommendations(args.learners)
        changed = recs.copy()
        every = max(1, round(1 / args.changed)) if args.changed > 0 else len(recs) + 1
        rows = np.arange(len(changed)) % every == 0
        changed.loc[rows, "confidence_score"] = \
            np.round((changed.loc[rows, "confidence_score"] + 0.5) % 1.0, 2)
        for label, frame in (("first run (empty table)", recs),
                             ("rerun, nothing changed", recs),
                             (f"rerun, {rows.mean():.0%} of rows changed", changed)):
            start = time.perf_counter()
            counts = publish_recommendations(engine, frame, learner_ids=ids, run_id="bench",
                                             model_version="bench/1",
                                             as_of=dt.datetime(2026, 3, 1), audit_by="bench")
            seconds = time.perf_counter() - start
            kept = counts.get("kept", 0)
            print(f"{engine.dialect.name} {label}: {counts['inserted']:,} rows inserted, "
                  f"{kept:,} kept, {counts['deleted']:,} deleted in {seconds:.1f} s = "
                  f"{(counts['inserted'] + kept) / seconds:,.0f} rows published/s",
                  flush=True)
        engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
