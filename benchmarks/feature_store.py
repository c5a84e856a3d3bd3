"""Feature-store benchmark: each stage against its floor, measured in the same run.

(Named feature_store.py, not features.py: run as a script, a file called
features.py in this folder would shadow the ``features`` package for every
benchmark here.)

    .venv/bin/python benchmarks/feature_store.py \
        --database-url mysql+pymysql://root@127.0.0.1:3306/learnerai_bench_seed \
        --as-of 2026-03-01 [--learners 100000 --days 180]  [--json out.json]

Reuses the database if it already has learners (seed it with benchmarks/seed.py
or ``learnerai seed``), otherwise seeds ``--learners``. Measures:

- extraction: the engagement view's SQL (one GROUP BY pass over the activity
  log plus small side tables) vs the floor, the database's own bare
  ``COUNT(*), SUM()`` GROUP BY scan of the activity log (the faster of the
  optimizer's plan and a forced table scan, so ours is never compared with the
  optimizer's worse choice);
- embeddings: the time the cold-cache features run spends encoding and in the
  embedding cache (measured inside the run by ``nightly_profile.RunProfile``, the
  model already loaded) vs the floor, a bare ``model.encode`` over just the unique
  texts, and vs naive per-learner encoding (measured on a sample of learners and
  extrapolated);
- publish: learner_ai_features rows written per second;
- peak RSS of the process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import time
from pathlib import Path

import pandas as pd
from nightly_profile import RunProfile
from sqlalchemy import func, select, text

from features import migrate
from features.engagement import activity_queries, extract_engagement
from features.engine import make_engine
from features.learner_features import compute_learner_features, publish_learner_features
from features.reading import read_frame
from features.schema import Learner, LearnerActivityLog
from features.sql import as_of_param, without_group_by_index
from models.embeddings import TextEncoder
from models.learner_profile import intent_texts, skill_texts


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def scan_floor_query(as_of: dt.datetime):
    a = LearnerActivityLog.__table__.c
    return (select(a.learner_id, func.count(), func.sum(a.duration_seconds))
            .where(a.timestamp < as_of_param(as_of)).group_by(a.learner_id))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 3, 1))
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--naive-sample", type=int, default=200)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    as_of = dt.datetime.combine(args.as_of, dt.time())
    engine = make_engine(args.database_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        learners = conn.execute(select(func.count()).select_from(Learner)).scalar_one()
        activity_rows = conn.execute(
            select(func.count()).select_from(LearnerActivityLog)).scalar_one()
    if learners == 0:
        from features.demo_data import seed_database

        seed_database(engine, learners=args.learners, days=args.days, seed=42, as_of=as_of)
        return main()

    figures: dict[str, float] = {"learners": learners, "activity_rows": activity_rows}
    read_frame(engine, scan_floor_query(as_of))  # warm the buffer pool
    figures["scan_floor_s"] = min(
        timed(read_frame, engine, scan_floor_query(as_of))[1],
        timed(read_frame, engine, without_group_by_index(scan_floor_query(as_of)))[1])
    _, figures["activity_query_s"] = timed(
        lambda: [read_frame(engine, q) for q in activity_queries(as_of).values()])
    _, figures["extraction_s"] = timed(extract_engagement, engine, as_of)

    with engine.begin() as conn:  # cold embedding cache
        conn.execute(text("DELETE FROM text_embeddings"))
    encoder = TextEncoder()
    encoder.encode(["warm up"])
    profile = RunProfile().install()
    feature_set, figures["features_cold_s"] = timed(compute_learner_features, engine, as_of,
                                                    encoder)
    spent = profile.summary({"start-up": figures["features_cold_s"]})["stages"]["start-up"]
    figures["embeddings_s"] = spent.get("encode (model)", 0.0) + spent.get("embedding cache",
                                                                           0.0)
    figures["texts_encoded"] = encoder.encoded_count - 1
    _, figures["features_warm_s"] = timed(compute_learner_features, engine, as_of, encoder)

    # Floor: a bare encode of exactly the unique texts the cold run needed.
    from features.catalog import load_catalog
    from models.skill_resolution import catalog_texts

    catalog = load_catalog()
    names = catalog.skills.set_index("skill_key")["name"]
    texts = pd.concat([
        pd.Series(catalog_texts(catalog.skills)),
        feature_set.skill_rows["skill_name"],
        skill_texts(feature_set.skill_rows, names)["text"],
        intent_texts(feature_set.features, pd.DataFrame(columns=["learner_id", "title"]))["text"],
    ]).astype(str).str.strip().drop_duplicates().tolist()
    bare = TextEncoder()
    bare.encode(["warm up"])
    _, figures["encode_floor_s"] = timed(bare.encode, texts)
    figures["unique_texts"] = len(texts)

    # Naive: encode each learner's own texts separately, on a sample.
    rows = skill_texts(feature_set.skill_rows, names)
    sample = rows[rows["learner_id"].isin(rows["learner_id"].drop_duplicates()
                                          .head(args.naive_sample))]
    start = time.perf_counter()
    for _, group in sample.groupby("learner_id"):
        bare.encode(group["text"].tolist())
    per_learner = (time.perf_counter() - start) / max(sample["learner_id"].nunique(), 1)
    figures["naive_encode_s_extrapolated"] = per_learner * learners

    counts, figures["publish_s"] = timed(publish_learner_features, engine, feature_set)
    figures["published_rows"] = counts["learner_ai_features"]
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    embed_ours = figures["embeddings_s"]
    table = [
        ("extraction (engagement view)", figures["extraction_s"], figures["scan_floor_s"]),
        ("activity GROUP BYs alone, one after the other", figures["activity_query_s"], figures["scan_floor_s"]),
        ("embeddings, cold cache", embed_ours, figures["encode_floor_s"]),
        ("naive per-learner encoding", figures["naive_encode_s_extrapolated"], embed_ours),
    ]
    print(f"\n{learners:,} learners, {activity_rows:,} activity rows, as of {as_of:%Y-%m-%d}, "
          f"{engine.dialect.name}\n")
    print("| stage | seconds | floor (s) | ratio |\n| --- | ---: | ---: | ---: |")
    for name, seconds, floor in table:
        print(f"| {name} | {seconds:.2f} | {floor:.2f} | {seconds / floor:.2f}x |")
    print(f"\npublish: {figures['published_rows']:,} rows in {figures['publish_s']:.1f} s "
          f"({figures['published_rows'] / figures['publish_s']:,.0f} rows/s); "
          f"{figures['unique_texts']:,} unique texts, {figures['texts_encoded']:,} encoded; "
          f"features warm {figures['features_warm_s']:.1f} s; "
          f"peak RSS {figures['peak_rss_mb']:.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
