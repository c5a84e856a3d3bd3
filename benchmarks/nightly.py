"""End-to-end nightly benchmark on MariaDB: full and incremental runs, stage by stage,
against floors measured on the same data in the same run.

    .venv/bin/python benchmarks/nightly.py --scales 1000,10000,100000
    .venv/bin/python benchmarks/nightly.py --learners 10000 --label after \\
        --server mysql+pymysql://root@127.0.0.1:3306 --json benchmarks/results/nightly.json

Per scale (learners, ~100 activity rows each over ``--days`` 180):

1. **Seed once.** ``learnerai_bench_nightly_<N>`` is seeded with
   :func:`features.demo_data.seed_database` (``innodb_flush_log_at_trx_commit=2``
   while seeding) and the tables a nightly run writes are copied to
   ``learnerai_bench_nightly_<N>_pristine``. A later invocation reuses both when the
   row counts match, and restores the copy first (and empties ``batch_runs``,
   ``learner_input_state`` and ``text_embeddings`` and removes the activity rows a
   previous invocation added), so every invocation starts from the same state.
2. **A risk champion** is trained once on a separate 2,000-learner SQLite database into
   a local MLflow store under the work directory (``benchmarks/results/nightly-work``):
   the benchmark measures scoring, not training.
3. **Floors**, on the same database: the server's bare ``COUNT(*), SUM()`` GROUP BY
   scan of ``learner_activity_log`` (best of 2 after a warm-up; ``benchmarks/
   feature_store.py``'s query); later a bare ``SentenceTransformer.encode`` of exactly the
   unique texts the cold run encoded (model loaded and warmed up first); and a bare
   multi-row INSERT of as many recommendation rows as the run published (statements
   rendered before the clock starts, into a copy of ``learner_recommendations`` with
   its foreign key, 2,000 rows a statement, a commit per 50,000 rows).
4. **Full nightly, cold** — ``run_nightly(full=True)`` in a fresh process with an empty
   embedding cache (every text encoded: the first run on a new platform);
   **full nightly, warm** — the same again with the cache filled (the weekly full run);
   **incremental nightly** — after ``--new-activity-share`` (1%) of the learners got 3
   new activity rows in the hour before as-of, the Prefect flow ``learnerai-nightly``
   (``flows.nightly.nightly``, as ``learnerai nightly`` runs it, ephemeral Prefect API)
   in a fresh process: its wall time includes Python start-up, imports and Prefect's
   temporary server. It uses the same as-of as the full runs, so no learner moves to
   another days-since-activity band and the scope is the learners with new rows.
   Prefect's own start-up is also measured alone (a flow that does nothing).
   Before the floors and each run, the benchmark waits for the server to write back the
   previous step's changes (:func:`settle`; ``--no-settle`` skips it), as the next night
   would find it; the seconds waited are in the JSON (``settled``).
   **incremental nightly, Prefect server running** — what a scheduled night costs
   (``learnerai serve`` needs a ``prefect server``, docs/deployment.md): a ``prefect
   server start`` on a loopback port, another 1% of the learners (the next seed) get new
   activity, and the same flow runs in a fresh process with ``PREFECT_API_URL`` set
   (``--no-served`` skips it).

Each run's process is instrumented (``benchmarks/nightly_profile.py``): per stage, the
time in SQL reads, the embedding model, the embedding cache, the risk model, careers,
the recommender and publishing, and the rest (Python glue). Peak RSS is the run
process's own (``ru_maxrss``); ``tree`` also counts the Prefect server subprocess.

Prints a markdown table per scale and the per-learner cost across every scale in the
JSON (``--json``, default ``benchmarks/results/nightly.json``; runs are kept per
``--label`` and scale, so separate invocations add up) and writes the same markdown
next to it (``.md``).

Server settings: ``--buffer-pool-gib`` (default 4) is applied with ``SET GLOBAL
innodb_buffer_pool_size`` (needs SUPER / SYSTEM_VARIABLES_ADMIN; 0 leaves the server
alone); the settings in force are recorded in the JSON. With MariaDB's default 128 MiB
pool the 10M-row activity table does not fit and every aggregation reads from disk.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from features import migrate
from features.engine import make_engine

HERE = Path(__file__).resolve().parent

DEFAULT_SERVER = "mysql+pymysql://root@127.0.0.1:3306"
DEFAULT_JSON = HERE / "results" / "nightly.json"
WORK = HERE / "results" / "nightly-work"
#: Tables a nightly run writes that the seed also fills: restored from the copy.
SNAPSHOT_TABLES = ("learner_ai_features", "learner_recommendations", "learner_engagement",
                   "learner_psychographics", "learner_career_pathways",
                   "learner_notifications", "learner_audit_log")
#: Never touched by the restore.
KEEP_TABLES = ("alembic_version",)
#: Server variables recorded with every result.
SERVER_VARIABLES = ("version", "innodb_buffer_pool_size", "innodb_flush_log_at_trx_commit",
                    "innodb_log_file_size", "innodb_io_capacity", "max_allowed_packet",
                    "tmp_table_size", "max_heap_table_size", "sort_buffer_size",
                    "join_buffer_size", "sync_binlog", "log_bin")
#: The counts of a nightly run that are rows written (inserted or updated).
WRITTEN = ("learner_ai_features", "learner_engagement", "learner_psychographics_ai",
           "risk_predictions", "nudges", "audit_risk", "inserted", "kept",
           "audit_recommendations",
           "pathways_inserted", "career_predictions", "input_state")
TARGETS = {"full_s": 90.0, "incremental_s": 15.0, "extraction_ratio": 1.5,
           "embeddings_ratio": 1.2, "publish_rows_per_s": 50_000, "per_learner_spread": 0.15,
           "peak_rss_mib": 2048.0}


# ---------------------------------------------------------------------------- helpers


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak RSS in MiB. For this process, the kernel's high-water mark of its own memory
    (VmHWM): ru_maxrss survives execve, so a child started by a parent that had grown
    large (the encode floor at 100,000 learners) reported the parent's peak as its own."""
    if who == resource.RUSAGE_SELF:
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
        except OSError:
            pass
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def server_cpu_seconds() -> float | None:
    """CPU seconds the local MariaDB/MySQL server process has used so far (None when it
    does not run on this machine): the run's CPU budget includes the server's."""
    ticks = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        if name in ("mariadbd", "mysqld"):
            fields = text[text.rindex(")") + 2:].split()
            return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return None


def code_fingerprint() -> dict[str, str]:
    """Which code ran: where the packages were imported from and a hash of their sources
    (the working tree may hold uncommitted changes)."""
    import hashlib

    import features

    root = Path(features.__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for package in ("features", "flows", "models", "registry"):
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return {"root": str(root), "sources_sha256": digest.hexdigest()[:16]}


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def database_url(server: str, name: str | None) -> str:
    url = make_url(server)
    url = url.set(database=name) if name else url._replace(database=None)
    return url.render_as_string(hide_password=False)


def names(learners: int) -> tuple[str, str]:
    base = f"learnerai_bench_nightly_{learners}"
    return base, f"{base}_pristine"


def server_settings(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {name: conn.execute(text(f"SELECT @@GLOBAL.{name}")).scalar()
                for name in SERVER_VARIABLES}


def set_buffer_pool(engine: Engine, gib: float) -> None:
    """Grow (never shrink below the request) the InnoDB buffer pool; resizing is online."""
    wanted = int(gib * 1024**3)
    with engine.begin() as conn:
        current = int(conn.execute(text("SELECT @@GLOBAL.innodb_buffer_pool_size")).scalar())
        if current == wanted:
            return
        conn.execute(text(f"SET GLOBAL innodb_buffer_pool_size = {wanted}"))
    for _ in range(120):  # the resize runs in the background
        with engine.connect() as conn:
            status = conn.execute(text(
                "SHOW STATUS LIKE 'Innodb_buffer_pool_resize_status'")).first()
        if status is None or not status[1] or "complete" in str(status[1]).lower() \
                or "Completed" in str(status[1]):
            return
        time.sleep(1)


def row_count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM `{table}`")).scalar())


def database_exists(server_engine: Engine, name: str) -> bool:
    with server_engine.connect() as conn:
        return conn.execute(text("SELECT 1 FROM information_schema.schemata "
                                 "WHERE schema_name = :n"), {"n": name}).first() is not None


# ------------------------------------------------------------------ seed and restore


def read_meta(server_engine: Engine, pristine: str) -> dict[str, Any] | None:
    if not database_exists(server_engine, pristine):
        return None
    with server_engine.connect() as conn:
        row = conn.execute(text(f"SELECT v FROM `{pristine}`.bench_meta WHERE k = 'meta'")).first()
    return json.loads(row[0]) if row else None


def snapshot(server_engine: Engine, db: str, pristine: str, meta: dict[str, Any]) -> None:
    """Copy the tables a run writes into the pristine database, with ``meta``."""
    with server_engine.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{pristine}`"))
        conn.execute(text(f"CREATE DATABASE `{pristine}` CHARACTER SET utf8mb4"))
        for table in SNAPSHOT_TABLES:
            conn.execute(text(f"CREATE TABLE `{pristine}`.`{table}` LIKE `{db}`.`{table}`"))
            conn.execute(text(f"INSERT INTO `{pristine}`.`{table}` SELECT * FROM `{db}`.`{table}`"))
        conn.execute(text(f"CREATE TABLE `{pristine}`.bench_meta "
                          "(k VARCHAR(64) PRIMARY KEY, v TEXT)"))
        conn.execute(text(f"INSERT INTO `{pristine}`.bench_meta VALUES ('meta', :v)"),
                     {"v": json.dumps(meta)})


def restore(server_engine: Engine, db: str, pristine: str, meta: dict[str, Any]) -> float:
    """Put the database back in its just-seeded state; returns seconds taken.

    The snapshot tables get their seeded rows back; every other table the seed left
    empty (the ledger, input state, embedding cache, tables of later migrations) is
    emptied; the seeded input tables are left alone, but for the activity rows an
    earlier invocation added."""
    start = time.perf_counter()
    with server_engine.begin() as conn:
        tables = conn.execute(text("SELECT table_name FROM information_schema.tables WHERE "
                                   "table_schema = :db AND table_type = 'BASE TABLE'"),
                              {"db": db}).scalars().all()
        conn.execute(text("SET SESSION foreign_key_checks = 0"))
        for table in SNAPSHOT_TABLES:
            conn.execute(text(f"TRUNCATE TABLE `{db}`.`{table}`"))
            conn.execute(text(f"INSERT INTO `{db}`.`{table}` SELECT * FROM `{pristine}`.`{table}`"))
        for table in tables:
            if table not in (*SNAPSHOT_TABLES, *meta["input_tables"], *KEEP_TABLES):
                conn.execute(text(f"TRUNCATE TABLE `{db}`.`{table}`"))
        conn.execute(text(f"DELETE FROM `{db}`.learner_activity_log WHERE log_id > :top"),
                     {"top": int(meta["max_log_id"])})
        conn.execute(text(f"DROP TABLE IF EXISTS `{db}`.bench_floor_recommendations"))
        conn.execute(text("SET SESSION foreign_key_checks = 1"))
    return time.perf_counter() - start


def ensure_seeded(server: str, learners: int, args: argparse.Namespace) -> dict[str, Any]:
    """The scale's database, seeded once: reused when its row counts match."""
    from seed import TUNING, fresh_database, set_server_variables

    from features.demo_data import seed_database

    db, pristine = names(learners)
    server_engine = create_engine(database_url(server, None))
    url = database_url(server, db)
    try:
        meta = None if args.reseed else read_meta(server_engine, pristine)
        wanted = {"learners": learners, "days": args.days, "seed": args.seed,
                  "as_of": args.as_of.isoformat()}
        if meta and all(meta.get(k) == v for k, v in wanted.items()) \
                and "input_tables" in meta and database_exists(server_engine, db):
            engine = make_engine(url)
            counts = {t: row_count(engine, t) for t in ("learners", "learner_activity_log")}
            engine.dispose()
            if counts["learners"] == learners and \
                    counts["learner_activity_log"] >= meta["activity_rows"]:
                say(f"{db}: reusing ({counts['learners']:,} learners, "
                    f"{meta['activity_rows']:,} seeded activity rows)")
                return {**meta, "reused": True}
        if not args.reseed and database_exists(server_engine, db):
            engine = make_engine(url)
            counts = {t: row_count(engine, t) for t in ("learners", "learner_activity_log")}
            if counts["learners"] == learners and counts["learner_activity_log"] >= 50 * learners:
                with engine.connect() as conn:
                    top = int(conn.execute(text("SELECT MAX(log_id) FROM learner_activity_log"))
                              .scalar())
                engine.dispose()
                with engine.connect() as conn:
                    filled = [t for t, n in conn.execute(text(
                        "SELECT table_name, table_rows FROM information_schema.tables "
                        "WHERE table_schema = DATABASE()")) if n]
                meta = {**wanted, "activity_rows": counts["learner_activity_log"],
                        "max_log_id": top, "seed_seconds": None,
                        "input_tables": sorted(set(filled) - set(SNAPSHOT_TABLES) - {
                            "batch_runs", "learner_input_state", "text_embeddings"}),
                        "note": "found already seeded; snapshot taken as found"}
                snapshot(server_engine, db, pristine, meta)
                say(f"{db}: found seeded by row counts; snapshot taken")
                return {**meta, "reused": True}
            engine.dispose()
        say(f"{db}: seeding {learners:,} learners over {args.days} days")
        fresh_database(url, Path(tempfile.gettempdir()))
        previous = set_server_variables(url, {"innodb_flush_log_at_trx_commit":
                                              TUNING["innodb_flush_log_at_trx_commit"]})
        engine = make_engine(url)
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if time.perf_counter() - last[0] > 30 or done == total:
                say(f"  seeded {done:,}/{total:,} learners")
                last[0] = time.perf_counter()

        try:
            start = time.perf_counter()
            report = seed_database(engine, learners=learners, days=args.days, seed=args.seed,
                                   as_of=dt.datetime.combine(args.as_of, dt.time()),
                                   progress=progress)
            seconds = time.perf_counter() - start
        finally:
            set_server_variables(url, previous)
        with engine.connect() as conn:
            top = int(conn.execute(text("SELECT MAX(log_id) FROM learner_activity_log")).scalar())
        engine.dispose()
        meta = {**wanted, "activity_rows": int(report.rows["learner_activity_log"]),
                "total_rows": int(report.total_rows), "max_log_id": top,
                "input_tables": sorted(t for t, n in report.rows.items()
                                       if n and t not in SNAPSHOT_TABLES),
                "seed_seconds": round(seconds, 1), "seed_rows_per_s": round(
                    report.total_rows / seconds)}
        snapshot(server_engine, db, pristine, meta)
        say(f"{db}: seeded {report.total_rows:,} rows in {seconds:.0f} s")
        return {**meta, "reused": False}
    finally:
        server_engine.dispose()


# --------------------------------------------------------------------------- champion


def champion_env(work: Path) -> dict[str, str]:
    return {"MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlflow.db'}",
            "LEARNERAI_MLFLOW_ARTIFACTS": str(work / "mlartifacts"),
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "PREFECT_HOME": str(work / "prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            # A first start creates Prefect's database: over the 20 s default here.
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
            "DO_NOT_TRACK": "1"}


def ensure_champion(work: Path, as_of: dt.datetime) -> dict[str, Any]:
    """Disengagement and dropout champions in the work directory's MLflow (trained once,
    on a 2,000-learner SQLite database; lenient gates: this measures scoring)."""
    from features.settings import Settings
    from flows.risk_scoring import load_risk_champions
    from registry.models import NoChampionError

    env = champion_env(work)
    settings = Settings(database_url="sqlite://", mlflow_tracking_uri=env["MLFLOW_TRACKING_URI"],
                        mlflow_artifact_location=env["LEARNERAI_MLFLOW_ARTIFACTS"])
    try:
        return {**load_risk_champions(settings).versions, "trained_now": False}
    except NoChampionError:
        pass
    from features import migrate
    from features.demo_data import seed_database
    from flows.train import run_training
    from registry.models import PromotionGates

    say("training risk champions (once) on 2,000 SQLite learners")
    with tempfile.TemporaryDirectory(prefix="nightly-bench-train-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'train.db'}")
        migrate.upgrade(engine)
        seed_database(engine, learners=2000, days=180, seed=11, as_of=as_of)
        summary = run_training(engine, settings, as_of, ("disengagement", "dropout"),
                               gates=PromotionGates(min_roc_auc=0.5, max_group_auc_gap=1.0))
        engine.dispose()
    if not summary["disengagement"].get("promoted"):
        raise SystemExit(f"could not train a disengagement champion: {summary['disengagement']}")
    return {**load_risk_champions(settings).versions, "trained_now": True}


# ----------------------------------------------------------------------------- floors


def best_of(fn: Any, repeat: int = 2) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def explain_keys(engine: Engine, query: Any) -> list[dict[str, Any]]:
    """The server's plan (table, type, key, rows, Extra) of a SELECT."""
    compiled = query.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    with engine.connect() as conn:
        result = conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
        rows = [dict(zip(result.keys(), r, strict=True)) for r in result]
    return [{k: r.get(k) for k in ("table", "type", "key", "rows", "Extra")} for r in rows]


def scan_floors(engine: Engine, as_of: dt.datetime) -> dict[str, Any]:
    """The bare GROUP BY scan and the activity aggregate queries alone, one after the
    other, warm (best of 2)."""
    from feature_store import scan_floor_query

    from features.engagement import activity_queries
    from features.reading import read_frame
    from features.sql import without_group_by_index

    floor_q, activity_qs = scan_floor_query(as_of), activity_queries(as_of)
    # The floor as the optimizer plans it, and as a table scan (the learner_id index
    # ignored for the GROUP BY): the faster of the two is the floor.
    scan_q = without_group_by_index(floor_q)
    read_frame(engine, floor_q)  # warm the buffer pool
    planned = best_of(lambda: read_frame(engine, floor_q))
    scanned = best_of(lambda: read_frame(engine, scan_q))
    return {
        "scan_floor_s": round(min(planned, scanned), 3),
        "scan_floor_as_planned_s": round(planned, 3),
        "scan_floor_table_scan_s": round(scanned, 3),
        "activity_query_s": round(best_of(
            lambda: [read_frame(engine, q) for q in activity_qs.values()]), 3),
        "scan_floor_plan": explain_keys(engine, floor_q),
        "activity_query_plan": [row for q in activity_qs.values()
                                for row in explain_keys(engine, q)],
    }


def encode_floor(texts_path: str) -> dict[str, Any]:
    """A bare ``SentenceTransformer.encode`` of the unique texts (model loaded and warmed
    up first), in a process that imports nothing else: with scikit-learn's OpenMP
    runtime loaded beside torch's, the same encode ran up to 2x slower on this box."""
    from models.embeddings import DEFAULT_MODEL, resolve_model_path

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    unique = list(dict.fromkeys(json.loads(Path(texts_path).read_text())))
    start = time.perf_counter()
    model = SentenceTransformer(resolve_model_path(DEFAULT_MODEL), local_files_only=True)
    load = time.perf_counter() - start
    model.encode(["warm up"], show_progress_bar=False)
    start, cpu = time.perf_counter(), time.process_time()
    if unique:
        model.encode(unique, batch_size=128, normalize_embeddings=True,
                     convert_to_numpy=True, show_progress_bar=False)
    return {"unique_texts": len(unique), "encode_floor_s": round(time.perf_counter() - start, 3),
            "encode_floor_cpu_s": round(time.process_time() - cpu, 3),
            "model_load_s": round(load, 3)}


def insert_floor(engine: Engine, n_rows: int, as_of: dt.datetime) -> dict[str, Any]:
    """A bare multi-row INSERT of ``n_rows`` recommendation-shaped rows: statements
    rendered first, then only executed (2,000 rows each, a commit per 50,000 rows)."""
    from publish_recommendations import fake_recommendations

    if n_rows <= 0:
        return {"insert_floor_rows": 0, "insert_floor_s": 0.0}
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_floor_recommendations"))
        conn.execute(text("CREATE TABLE bench_floor_recommendations LIKE learner_recommendations"))
        conn.execute(text("ALTER TABLE bench_floor_recommendations ADD CONSTRAINT "
                          "bench_floor_fk FOREIGN KEY (learner_id) "
                          "REFERENCES learners (learner_id) ON DELETE CASCADE"))
        ids = np.array(conn.execute(text("SELECT learner_id FROM learners ORDER BY learner_id"))
                       .scalars().all(), dtype=np.int64)
    per = 25
    recs = fake_recommendations(-(-n_rows // per)).head(n_rows)
    recs["learner_id"] = np.repeat(ids, per)[:n_rows] if len(ids) * per >= n_rows else \
        np.resize(ids, n_rows)
    with engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        quote = dbapi.escape
        constant = ",".join([quote("Pending"), quote(as_of), quote("floor"), quote("floor/1")])
        rows = [f"({lid},{quote(kind)},{quote(ref)},{quote(reason)},{conf},{rank},{constant})"
                for lid, kind, ref, reason, conf, rank in recs[
                    ["learner_id", "recommendation_type", "reference_id", "recommendation_reason",
                     "confidence_score", "rec_rank"]].itertuples(index=False, name=None)]
    head = ("INSERT INTO bench_floor_recommendations (learner_id, recommendation_type, "
            "reference_id, recommendation_reason, confidence_score, rec_rank, action_status, "
            "created_on, run_id, model_version) VALUES ")
    statements = [head + ",".join(rows[i:i + 2000]) for i in range(0, len(rows), 2000)]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        start = time.perf_counter()
        for k, statement in enumerate(statements):
            cursor.execute(statement)
            if (k + 1) % 25 == 0:
                raw.commit()
        raw.commit()
        seconds = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_floor_recommendations")
        raw.commit()
    finally:
        raw.close()
    return {"insert_floor_rows": n_rows, "insert_floor_s": round(seconds, 3),
            "insert_floor_rows_per_s": round(n_rows / seconds)}


# ---------------------------------------------------------------------- the runs


def add_new_activity(engine: Engine, as_of: dt.datetime, share: float,
                     seed: int) -> dict[str, int]:
    """3 activity rows in the hour before as-of for ``share`` of the learners."""
    from features.schema import Learner, LearnerActivityLog

    with engine.connect() as conn:
        ids = np.array(conn.execute(select(Learner.learner_id).where(
            Learner.registration_date < as_of).order_by(Learner.learner_id)).scalars().all())
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(ids, size=max(1, round(share * len(ids))), replace=False))
    rows = []
    for lid in chosen.tolist():
        for k, (kind, seconds, score) in enumerate(
                (("Login", 60, None), ("Video", 900, None), ("Quiz", 600, 80))):
            rows.append({"learner_id": lid, "course_id": None, "module_name": "bench",
                         "activity_type": kind, "duration_seconds": seconds, "score": score,
                         "device_type": "Desktop", "user_agent": None, "ip_address": None,
                         "timestamp": as_of - dt.timedelta(minutes=50 - 10 * k)})
    with engine.begin() as conn:
        conn.execute(insert(LearnerActivityLog), rows)
    return {"learners": int(len(chosen)), "rows": len(rows)}


def settle(engine: Engine, timeout_s: float = 600.0,
           dirty_share: float = 0.005) -> dict[str, Any]:
    """Wait until the server has written back what the previous step changed, as the next
    night finds it: until under ``dirty_share`` of the buffer pool is dirty and purge has
    caught up (history list under 1,000), at most ``timeout_s``.

    The runs follow each other within seconds, after millions of writes; a nightly run
    finds the server quiet (at 100,000 learners this waited 0-8 s: the page cleaner
    mostly keeps up, and the warm run's extra time came from a buffer pool smaller than
    the database, not from write-back). InnoDB is asked to flush now (``innodb_max_dirty_pages_pct`` 0, ``innodb_io_capacity`` at its maximum;
    both restored after); without the privilege to, this only waits."""
    names = ("innodb_max_dirty_pages_pct", "innodb_io_capacity")
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        def status() -> dict[str, int]:
            return {name.lower(): int(value) for name, value in conn.execute(text(
                "SHOW GLOBAL STATUS WHERE Variable_name IN ("
                "'Innodb_buffer_pool_pages_dirty', 'Innodb_buffer_pool_pages_total', "
                "'Innodb_history_list_length')")).all()}

        first = now = status()
        saved = {name: conn.execute(text(f"SELECT @@GLOBAL.{name}")).scalar() for name in names}
        try:
            conn.execute(text("SET GLOBAL innodb_max_dirty_pages_pct = 0"))
            conn.execute(text("SET GLOBAL innodb_io_capacity = @@GLOBAL.innodb_io_capacity_max"))
            pushed = True
        except DBAPIError:
            pushed = False
        try:
            while (now["innodb_buffer_pool_pages_dirty"]
                   > dirty_share * now["innodb_buffer_pool_pages_total"]
                   or now["innodb_history_list_length"] > 1000) \
                    and time.perf_counter() - started < timeout_s:
                time.sleep(1.0)
                now = status()
        finally:
            if pushed:
                for name, value in saved.items():
                    conn.execute(text(f"SET GLOBAL {name} = :value"), {"value": value})
    return {"settle_s": round(time.perf_counter() - started, 1),
            "dirty_pages_before": first["innodb_buffer_pool_pages_dirty"],
            "history_before": first["innodb_history_list_length"],
            "dirty_pages_after": now["innodb_buffer_pool_pages_dirty"],
            "history_after": now["innodb_history_list_length"],
            "flush_requested": pushed}


def run_child(spec: dict[str, Any], work: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run ``spec`` in a fresh Python process; returns its report plus wall time and the
    peak RSS of its process tree."""
    spec_path = work / f"spec-{spec['name']}.json"
    out_path = work / f"out-{spec['name']}.json"
    out_path.unlink(missing_ok=True)
    spec_path.write_text(json.dumps({**spec, "out": str(out_path)}))
    start, server_cpu = time.perf_counter(), server_cpu_seconds()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child",
                             str(spec_path)], env={**os.environ, **env},
                            stdout=sys.stderr, stderr=sys.stderr)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"child run {spec['name']} failed with exit code {proc.returncode}")
    report = json.loads(out_path.read_text())
    report["process_wall_s"] = round(wall, 2)
    report["tree_peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)
    report["tree_cpu_s"] = round(usage.ru_utime + usage.ru_stime, 1)
    after = server_cpu_seconds()
    report["server_cpu_s"] = None if after is None or server_cpu is None else \
        round(after - server_cpu, 1)
    return report


@contextmanager
def prefect_server(work: Path, env: dict[str, str], seconds: float = 180) -> Iterator[str]:
    """A ``prefect server start`` on a free loopback port, as a scheduled deployment runs
    against (docs/deployment.md); yields its API URL and stops it afterwards."""
    from flows.loopback import free_port, wait_for

    port = free_port()
    log = (work / "prefect-server.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "prefect"), "server", "start", "--host",
         "127.0.0.1", "--port", str(port), "--no-ui"],
        env={**os.environ, **env, "PREFECT_HOME": str(work / "prefect-server")},
        stdout=log, stderr=subprocess.STDOUT)
    try:
        try:
            wait_for(f"http://127.0.0.1:{port}/api/health", server, seconds)
        except (RuntimeError, TimeoutError) as exc:
            raise SystemExit(f"{exc}: see {work / 'prefect-server.log'}") from None
        yield f"http://127.0.0.1:{port}/api"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def child_main(spec_path: str) -> None:
    """Inside the child process: one nightly run (or a no-op flow), instrumented."""
    started = time.perf_counter()
    spec = json.loads(Path(spec_path).read_text())
    if spec["kind"] == "encode-floor":
        Path(spec["out"]).write_text(json.dumps(encode_floor(spec["texts"])))
        return
    if spec["kind"] == "noop-flow":
        from prefect import flow

        imported = time.perf_counter() - started

        @flow(name="learnerai-bench-noop")
        def noop() -> int:
            return 1

        noop()
        Path(spec["out"]).write_text(json.dumps({
            "import_s": round(imported, 2), "seconds": round(time.perf_counter() - started, 2),
            "peak_rss_mib": round(peak_rss_mib(), 1)}))
        return

    from nightly_profile import RunProfile

    import flows.nightly as nightly_module
    from features.settings import load_settings

    profile = RunProfile().install()
    imported = time.perf_counter() - started
    as_of = dt.datetime.fromisoformat(spec["as_of"])

    def progress(message: str) -> None:
        profile.progress(message)
        say(f"  {spec['name']}: {message}")

    if spec["kind"] == "plain":
        engine = make_engine(spec["url"])
        result = nightly_module.run_nightly(engine, load_settings(database_url=spec["url"]),
                                            as_of, full=spec["full"], progress=progress)
        engine.dispose()
        summary = result.summary()
    else:  # the Prefect flow, as `learnerai nightly` runs it
        original = nightly_module.run_nightly

        def run_nightly(*args: Any, **kwargs: Any) -> Any:
            printed = kwargs.get("progress") or (lambda _m: None)
            kwargs["progress"] = lambda m: (profile.progress(m), printed(m))
            return original(*args, **kwargs)

        nightly_module.run_nightly = run_nightly
        state = nightly_module.nightly(as_of=as_of, full=spec["full"],
                                       database_url=spec["url"], return_state=True)
        summary = state.result()
    report = {
        "summary": summary,
        "profile": profile.summary(summary["timings"]),
        "import_s": round(imported, 2),
        "process_s": round(time.perf_counter() - started, 2),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "children_peak_rss_mib": round(peak_rss_mib(resource.RUSAGE_CHILDREN), 1),
        "cpu_s": round(cpu_seconds(), 1),
        "encoded_texts": len(profile.encoded_texts),
    }
    if spec.get("texts"):
        Path(spec["texts"]).write_text(json.dumps(profile.encoded_texts))
    Path(spec["out"]).write_text(json.dumps(report, default=str))


def rows_written(counts: dict[str, Any]) -> int:
    return int(sum(int(counts.get(k) or 0) for k in WRITTEN))


def run_entry(report: dict[str, Any]) -> dict[str, Any]:
    """The figures of one run kept in the JSON."""
    summary = report["summary"]
    written = rows_written(summary["counts"])
    functions = report["profile"]["functions"]
    publish = functions.get("publish_recommendations", {}).get("seconds", 0.0)
    inserted = int(summary["counts"].get("inserted") or 0)
    # Kept: Pending rows that already said what the run would insert (restamped only).
    published = inserted + int(summary["counts"].get("kept") or 0)
    calls = report["profile"]["calls"]
    return {
        "run_s": summary["seconds"],
        "process_wall_s": report["process_wall_s"],
        "startup_and_teardown_s": round(report["process_wall_s"] - summary["seconds"], 2),
        "import_s": report["import_s"],
        "timings": summary["timings"],
        "scope": summary["scope"],
        "counts": summary["counts"],
        "rows_written": written,
        "rows_written_per_s": round(written / summary["seconds"]) if summary["seconds"] else 0,
        "recommendations_inserted": inserted,
        "publish_recommendations_s": round(publish, 3),
        "recommendations_kept": published - inserted,
        "publish_recommendations_rows_per_s": round(published / publish) if publish else None,
        "extract_engagement_s": (calls.get("extract_engagement") or [None])[0],
        "encoded_texts": report["encoded_texts"],
        "peak_rss_mib": report["peak_rss_mib"],
        "tree_peak_rss_mib": report["tree_peak_rss_mib"],
        "cpu_s": report["cpu_s"],
        # The process tree (the run and its ranking worker) and the database server, over
        # the process's wall time: what 2 cores can give is 2 x wall.
        "tree_cpu_s": report.get("tree_cpu_s"),
        "server_cpu_s": report.get("server_cpu_s"),
        "status": summary["status"],
        "notes": summary["notes"],
        "profile": report["profile"],
    }


def embeddings_seconds(entry: dict[str, Any]) -> dict[str, float]:
    cats = entry["profile"]["categories"]
    load = cats.get("model load", 0.0)
    encode = cats.get("encode (model)", 0.0)
    cache = cats.get("embedding cache", 0.0)
    cpu = entry["profile"].get("categories_cpu", {})
    return {"model_load_s": load, "encode_s": encode, "cache_s": cache,
            "embeddings_s": round(encode + cache, 3),
            "model_load_cpu_s": cpu.get("model load", 0.0),
            "embeddings_cpu_s": round(cpu.get("encode (model)", 0.0)
                                      + cpu.get("embedding cache", 0.0), 3)}


def measure_scale(learners: int, args: argparse.Namespace, work: Path,
                  champion: dict[str, Any]) -> dict[str, Any]:
    db, pristine = names(learners)
    meta = ensure_seeded(args.server, learners, args)
    server_engine = create_engine(database_url(args.server, None))
    say(f"{db}: restoring the just-seeded state")
    restore_s = restore(server_engine, db, pristine, meta)
    server_engine.dispose()
    url = database_url(args.server, db)
    engine = make_engine(url)
    migrate.upgrade(engine)  # the code under test may have added a migration since seeding
    as_of = dt.datetime.combine(args.as_of, dt.time())
    env = champion_env(work)
    result: dict[str, Any] = {
        "label": args.label, "learners": learners, "as_of": as_of.isoformat(),
        "database": db, "activity_rows": row_count(engine, "learner_activity_log"),
        "seed": meta, "restore_s": round(restore_s, 1), "server": server_settings(engine),
        "machine": {"cpus": os.cpu_count(), "load_average_start": os.getloadavg()},
        "champions": champion, "started": dt.datetime.now().isoformat(timespec="seconds"),
        "code": code_fingerprint(),
    }
    settled: dict[str, dict[str, Any]] = {}

    def quiet(step: str) -> None:
        if not args.no_settle:
            settled[step] = settle(engine)
            say(f"{db}: server settled before {step} in {settled[step]['settle_s']:.0f} s "
                f"({settled[step]['dirty_pages_before']:,} dirty pages)")

    quiet("floors")
    say(f"{db}: scan floors")
    result["floors"] = scan_floors(engine, as_of)

    runs: dict[str, dict[str, Any]] = {}
    texts_path = work / f"texts-{learners}.json"
    quiet("full_cold")
    say(f"{db}: full nightly, cold embedding cache")
    runs["full_cold"] = run_entry(run_child(
        {"name": f"full-cold-{learners}", "kind": "plain", "full": True, "url": url,
         "as_of": as_of.isoformat(), "texts": str(texts_path)}, work, env))
    if not args.no_warm_full:
        quiet("full_warm")
        say(f"{db}: full nightly, warm embedding cache")
        runs["full_warm"] = run_entry(run_child(
            {"name": f"full-warm-{learners}", "kind": "plain", "full": True, "url": url,
             "as_of": as_of.isoformat()}, work, env))
    result["new_activity"] = add_new_activity(engine, as_of, args.new_activity_share, args.seed)
    say(f"{db}: Prefect start-up alone (a flow that does nothing)")
    if not (work / "prefect" / "prefect.db").exists():
        run_child({"name": "prefect-warm-up", "kind": "noop-flow"}, work, env)
    noop = run_child({"name": "prefect-noop", "kind": "noop-flow"}, work, env)
    result["prefect_startup"] = {"process_wall_s": noop["process_wall_s"],
                                 "import_s": noop["import_s"],
                                 "peak_rss_mib": noop["peak_rss_mib"]}
    quiet("incremental")
    say(f"{db}: incremental nightly through the Prefect flow "
        f"({result['new_activity']['learners']:,} learners with new activity)")
    runs["incremental"] = run_entry(run_child(
        {"name": f"incremental-{learners}", "kind": "prefect", "full": False, "url": url,
         "as_of": as_of.isoformat()}, work, env))
    if not args.no_served:
        # What a scheduled night costs: the same flow against a Prefect server that is
        # already up, after another 1% of the learners (another seed) got new activity.
        say(f"{db}: incremental nightly against a running Prefect server")
        with prefect_server(work, env) as api:
            served = {**env, "PREFECT_API_URL": api}
            noop = run_child({"name": "prefect-noop-served", "kind": "noop-flow"}, work, served)
            result["prefect_startup"]["served_process_wall_s"] = noop["process_wall_s"]
            result["new_activity_served"] = add_new_activity(
                engine, as_of, args.new_activity_share, args.seed + 1)
            quiet("incremental_served")
            runs["incremental_served"] = run_entry(run_child(
                {"name": f"incremental-served-{learners}", "kind": "prefect", "full": False,
                 "url": url, "as_of": as_of.isoformat()}, work, served))
    result["runs"] = runs
    result["settled"] = settled

    say(f"{db}: encode floor and insert floor")
    floor = run_child({"name": f"encode-floor-{learners}", "kind": "encode-floor",
                       "texts": str(texts_path)}, work, env)
    result["floors"].update({k: v for k, v in floor.items() if k.startswith(
        ("unique_texts", "encode_floor", "model_load"))})
    quiet("insert_floor")
    result["floors"].update(insert_floor(engine, runs["full_cold"]["recommendations_inserted"],
                                         as_of))
    result["machine"]["load_average_end"] = os.getloadavg()
    engine.dispose()
    result["ratios"] = ratios(result)
    return result


def ratios(result: dict[str, Any]) -> dict[str, Any]:
    floors, cold = result["floors"], result["runs"]["full_cold"]
    emb = embeddings_seconds(cold)
    out = {
        "extraction_vs_scan": _ratio(cold["extract_engagement_s"], floors["scan_floor_s"]),
        "activity_query_vs_scan": _ratio(floors["activity_query_s"], floors["scan_floor_s"]),
        "embeddings_vs_encode": _ratio(emb["embeddings_s"] - emb["model_load_s"],
                                       floors.get("encode_floor_s")),
        "encode_only_vs_encode": _ratio(emb["encode_s"] - emb["model_load_s"],
                                        floors.get("encode_floor_s")),
        "embeddings_vs_encode_cpu": _ratio(emb["embeddings_cpu_s"] - emb["model_load_cpu_s"],
                                           floors.get("encode_floor_cpu_s")),
        "publish_vs_insert": _ratio(cold["publish_recommendations_s"],
                                    floors.get("insert_floor_s")),
        **{f"embeddings_{k}": v for k, v in emb.items()},
    }
    return out


def _busy_cores(entry: dict[str, Any]) -> float | None:
    tree, server = entry.get("tree_cpu_s"), entry.get("server_cpu_s")
    if tree is None or server is None or not entry.get("process_wall_s"):
        return None
    return (tree + server) / entry["process_wall_s"]


def _ratio(ours: float | None, floor: float | None) -> float | None:
    if ours is None or not floor:
        return None
    return round(ours / floor, 2)


# ----------------------------------------------------------------------------- report


STAGES = ("models", "plan", "features", "risk", "recommendations", "record")
RUN_NAMES = {"full_cold": "full, cold cache", "full_warm": "full, warm cache",
             "incremental": "incremental (Prefect)",
             "incremental_served": "incremental (Prefect server running)"}


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def scale_markdown(r: dict[str, Any]) -> str:
    runs = r["runs"]
    keys = [k for k in RUN_NAMES if k in runs]
    server = r["server"]
    lines = [f"### {r['learners']:,} learners — {r['activity_rows']:,} activity rows "
             f"(label `{r['label']}`, as of {r['as_of'][:10]})", "",
             f"MariaDB {server['version']}, innodb_buffer_pool_size "
             f"{int(server['innodb_buffer_pool_size']) / 1024**3:.1f} GiB, "
             f"innodb_flush_log_at_trx_commit {server['innodb_flush_log_at_trx_commit']}; "
             f"{r['machine']['cpus']} CPUs, load average "
             f"{r['machine']['load_average_start'][0]:.1f} at start; "
             f"seed {'reused' if r['seed'].get('reused') else 'made now'}"
             + (f" (seeding took {r['seed']['seed_seconds']:,.0f} s)"
                if r["seed"].get("seed_seconds") else "") + ".", "",
             *(["Before each step the benchmark waited for the server to write back the "
                "previous one's changes (seconds: " + ", ".join(
                    f"{step} {v['settle_s']:.0f}" for step, v in r["settled"].items()) + ").",
                ""] if r.get("settled") else
               ["Runs started without waiting for the server to settle.", ""]),
             "| stage (s) | " + " | ".join(RUN_NAMES[k] for k in keys) + " |",
             "| --- |" + " ---: |" * len(keys)]
    for stage in STAGES:
        lines.append(f"| {stage} | " + " | ".join(
            _fmt(runs[k]["timings"].get(stage), 2) for k in keys) + " |")
    rows = [
        ("**run total**", lambda e: f"**{_fmt(e['run_s'], 2)}**"),
        ("process wall (with start-up)", lambda e: _fmt(e["process_wall_s"], 2)),
        ("learners recomputed", lambda e: _fmt(e["scope"].get("learners"))),
        ("rows written", lambda e: _fmt(e["rows_written"])),
        ("rows written / s", lambda e: _fmt(e["rows_written_per_s"])),
        ("recommendations published / s (rows of the published lists: inserted or kept)",
         lambda e: _fmt(e["publish_recommendations_rows_per_s"])),
        ("recommendation rows inserted / kept unchanged",
         lambda e: f"{_fmt(e['recommendations_inserted'])} / "
                   f"{_fmt(e.get('recommendations_kept'))}"),
        ("texts encoded", lambda e: _fmt(e["encoded_texts"])),
        ("peak RSS (MiB)", lambda e: _fmt(e["peak_rss_mib"], 0)),
        ("peak RSS, process tree (MiB)", lambda e: _fmt(e["tree_peak_rss_mib"], 0)),
        ("CPU seconds, run process", lambda e: _fmt(e["cpu_s"], 1)),
        ("CPU seconds, process tree (with the ranking worker)",
         lambda e: _fmt(e.get("tree_cpu_s"), 1)),
        ("CPU seconds, database server", lambda e: _fmt(e.get("server_cpu_s"), 1)),
        ("cores busy on average (tree + server) / wall",
         lambda e: _fmt(_busy_cores(e), 2)),
    ]
    for name, cell in rows:
        lines.append(f"| {name} | " + " | ".join(cell(runs[k]) for k in keys) + " |")

    categories: list[str] = []
    for k in keys:
        for c in runs[k]["profile"]["categories"]:
            if c not in categories:
                categories.append(c)
    lines += ["", "| where the time went (s, exclusive) | " +
              " | ".join(RUN_NAMES[k] for k in keys) + " |", "| --- |" + " ---: |" * len(keys)]
    for c in categories:
        lines.append(f"| {c} | " + " | ".join(
            _fmt(runs[k]["profile"]["categories"].get(c), 2) for k in keys) + " |")
    ranking = runs[keys[0]]["profile"]["functions"].get("recommend_chunk")
    if ranking is None:
        # models.recommend_ahead ranks in a forked worker, which these wrappers do not
        # see: the run process's wait for it counts as python glue.
        lines += ["", "Ranking runs in a forked worker process (models.recommend_ahead): "
                  "its time is not in *recommender*; what the run process waits for it "
                  "shows as *python glue* of the recommendations stage."]

    f, q, cold = r["floors"], r["ratios"], runs["full_cold"]
    lines += ["", "| ours vs floor (same data, same run) | ours | floor | ratio |",
              "| --- | ---: | ---: | ---: |",
              f"| extraction (extract_engagement, full run) vs bare GROUP BY scan | "
              f"{_fmt(cold['extract_engagement_s'], 2)} s | {_fmt(f['scan_floor_s'], 2)} s | "
              f"{_fmt(q['extraction_vs_scan'], 2)}x |",
              f"| activity aggregate queries alone (one after the other) vs bare scan | {_fmt(f['activity_query_s'], 2)} s"
              f" | {_fmt(f['scan_floor_s'], 2)} s | {_fmt(q['activity_query_vs_scan'], 2)}x |",
              f"| embeddings, cold (encode + cache, without model load "
              f"{_fmt(q['embeddings_model_load_s'], 1)} s) vs bare encode of "
              f"{_fmt(f.get('unique_texts'))} unique texts | "
              f"{_fmt(q['embeddings_embeddings_s'] - q['embeddings_model_load_s'], 2)} s | "
              f"{_fmt(f.get('encode_floor_s'), 2)} s | {_fmt(q['embeddings_vs_encode'], 2)}x "
              f"(CPU time: {_fmt(q.get('embeddings_vs_encode_cpu'), 2)}x) |",
              f"| publishing {_fmt(cold['recommendations_inserted'])} recommendations vs bare "
              f"multi-row INSERT | {_fmt(cold['publish_recommendations_s'], 2)} s "
              f"({_fmt(cold['publish_recommendations_rows_per_s'])} rows/s) | "
              f"{_fmt(f.get('insert_floor_s'), 2)} s ({_fmt(f.get('insert_floor_rows_per_s'))} "
              f"rows/s) | {_fmt(q['publish_vs_insert'], 2)}x |",
              f"| Prefect start-up alone (a flow that does nothing, ephemeral API) | – | "
              f"{_fmt(r['prefect_startup']['process_wall_s'], 1)} s | – |"]
    if r["prefect_startup"].get("served_process_wall_s") is not None:
        lines.append(f"| the same flow against a running Prefect server | – | "
                     f"{_fmt(r['prefect_startup']['served_process_wall_s'], 1)} s | – |")
    for k in keys:
        by_stage = runs[k]["profile"].get("peak_rss_mib_after_stage")
        if by_stage:
            lines += ["", f"Peak RSS (MiB) by the end of each stage, {RUN_NAMES[k]}: " + ", ".join(
                f"{stage} {value:,.0f}" for stage, value in by_stage.items()) + "."]
    plans = [f"{p['table']}:{p['type']}/{p['key']}" for p in f.get("activity_query_plan", [])]
    lines += ["", f"Activity query plan: {', '.join(plans)}; incremental scope: "
              f"{runs['incremental']['scope']}."]
    return "\n".join(lines)


def targets_markdown(r: dict[str, Any]) -> str:
    runs, q = r["runs"], r["ratios"]
    full = runs.get("full_warm", runs["full_cold"])
    inc = runs["incremental"]
    rss = max(e["peak_rss_mib"] for e in runs.values())
    checks = [
        ("full nightly <= 90 s (warm cache)", full["run_s"], full["run_s"] <= TARGETS["full_s"]),
        ("full nightly <= 90 s (cold cache)", runs["full_cold"]["run_s"],
         runs["full_cold"]["run_s"] <= TARGETS["full_s"]),
        ("incremental <= 15 s, process wall incl. Prefect start-up", inc["process_wall_s"],
         inc["process_wall_s"] <= TARGETS["incremental_s"]),
        ("incremental <= 15 s, the run itself", inc["run_s"],
         inc["run_s"] <= TARGETS["incremental_s"]),
        *([("incremental <= 15 s, process wall with a Prefect server running (scheduled)",
            runs["incremental_served"]["process_wall_s"],
            runs["incremental_served"]["process_wall_s"] <= TARGETS["incremental_s"])]
          if "incremental_served" in runs else []),
        ("extraction <= 1.5x scan floor", q["extraction_vs_scan"],
         (q["extraction_vs_scan"] or 99) <= TARGETS["extraction_ratio"]),
        ("embeddings <= 1.2x encode floor", q["embeddings_vs_encode"],
         (q["embeddings_vs_encode"] or 99) <= TARGETS["embeddings_ratio"]),
        ("recommendations >= 50,000 rows/s", runs["full_cold"]
         ["publish_recommendations_rows_per_s"],
         (runs["full_cold"]["publish_recommendations_rows_per_s"] or 0)
         >= TARGETS["publish_rows_per_s"]),
        ("peak RSS <= 2 GB (flow process)", rss, rss <= TARGETS["peak_rss_mib"]),
    ]
    lines = [f"| target at {r['learners']:,} learners | measured | met |", "| --- | ---: | :---: |"]
    lines += [f"| {name} | {_fmt(value, 2)} | {'yes' if ok else '**no**'} |"
              for name, value, ok in checks]
    return "\n".join(lines)


def per_learner_markdown(results: list[dict[str, Any]], label: str) -> str:
    mine = sorted((r for r in results if r["label"] == label), key=lambda r: r["learners"])
    if not mine:
        return ""
    base = mine[0]

    def per(r: dict[str, Any], key: str, fixed: bool) -> float | None:
        run = r["runs"].get(key)
        if run is None:
            return None
        seconds = run["run_s"] - (run["timings"].get("models", 0.0) if not fixed else 0.0)
        return 1000 * seconds / r["learners"]

    lines = [f"| learners (label `{label}`) | activity rows | full warm (s) | ms / learner | "
             "ms / learner without model loading | vs smallest | full cold (s) | "
             "ms / learner | incremental run (s) | incremental wall (s) | incremental wall, "
             "server running (s) | peak RSS (MiB) |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    ref = per(base, "full_warm", False) or per(base, "full_cold", False)
    for r in mine:
        warm = r["runs"].get("full_warm")
        variable = per(r, "full_warm", False) or per(r, "full_cold", False)
        delta = f"{100 * (variable / ref - 1):+.0f}%" if ref and variable else "–"
        lines.append(
            f"| {r['learners']:,} | {r['activity_rows']:,} | "
            f"{_fmt(warm['run_s'] if warm else None, 1)} | "
            f"{_fmt(per(r, 'full_warm', True), 2)} | {_fmt(variable, 2)} | {delta} | "
            f"{_fmt(r['runs']['full_cold']['run_s'], 1)} | "
            f"{_fmt(per(r, 'full_cold', True), 2)} | "
            f"{_fmt(r['runs']['incremental']['run_s'], 1)} | "
            f"{_fmt(r['runs']['incremental']['process_wall_s'], 1)} | "
            f"{_fmt(r['runs'].get('incremental_served', {}).get('process_wall_s'), 1)} | "
            f"{_fmt(max(e['peak_rss_mib'] for e in r['runs'].values()), 0)} |")
    return "\n".join(lines)


def full_markdown(results: list[dict[str, Any]]) -> str:
    parts = ["## Nightly benchmark (benchmarks/nightly.py)", ""]
    labels = list(dict.fromkeys(r["label"] for r in results))
    for label in labels:
        parts += [f"Per-learner cost, label `{label}`:", "",
                  per_learner_markdown(results, label), ""]
    for r in sorted(results, key=lambda r: (labels.index(r["label"]), r["learners"])):
        parts += [scale_markdown(r), "", targets_markdown(r), ""]
    return "\n".join(parts)


def merge(path: Path, new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results = json.loads(path.read_text())["results"] if path.exists() else []
    keys = {(r["label"], r["learners"]) for r in new}
    results = [r for r in results if (r["label"], r["learners"]) not in keys] + new
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"results": results}, indent=1, default=str) + "\n")
    return results


# ------------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=DEFAULT_SERVER,
                        help="MySQL/MariaDB server URL without a database")
    parser.add_argument("--scales", default=None,
                        help="comma-separated learner counts, e.g. 1000,10000,100000")
    parser.add_argument("--learners", type=int, default=None, help="one scale")
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 3, 1))
    parser.add_argument("--new-activity-share", type=float, default=0.01)
    parser.add_argument("--buffer-pool-gib", type=float, default=4.0,
                        help="SET GLOBAL innodb_buffer_pool_size to this (0: leave as is)")
    parser.add_argument("--label", default="current", help="keeps before/after runs apart")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--work-dir", type=Path, default=WORK)
    parser.add_argument("--no-settle", action="store_true",
                        help="start each run without waiting for the server to settle")
    parser.add_argument("--no-served", action="store_true",
                        help="skip the incremental run against a running Prefect server")
    parser.add_argument("--no-warm-full", action="store_true",
                        help="skip the second (warm-cache) full run")
    parser.add_argument("--reseed", action="store_true", help="drop and seed again")
    parser.add_argument("--report-only", action="store_true",
                        help="print the markdown of the JSON, measure nothing")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) == 3 and sys.argv[1] == "--child":
        child_main(sys.argv[2])
        return 0
    args = parse_args(argv)
    if args.report_only:
        if not args.json.exists():
            raise SystemExit(f"no results to report: {args.json} does not exist yet "
                             "(run the benchmark first, or pass --json PATH)")
        results = json.loads(args.json.read_text())["results"]
        print(full_markdown(results))
        return 0
    scales = [int(s) for s in args.scales.split(",")] if args.scales else \
        [args.learners or 1000]
    if make_url(args.server).get_backend_name() not in ("mysql", "mariadb"):
        raise SystemExit("--server must be a MySQL/MariaDB URL (mysql+pymysql://...)")
    work = args.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    server_engine = create_engine(database_url(args.server, None))
    if args.buffer_pool_gib > 0:
        set_buffer_pool(server_engine, args.buffer_pool_gib)
    server_engine.dispose()
    champion = ensure_champion(work, dt.datetime.combine(args.as_of, dt.time()))
    measured = []
    for learners in scales:
        result = measure_scale(learners, args, work, champion)
        results = merge(args.json, [result])
        measured.append(result)
        print(scale_markdown(result) + "\n\n" + targets_markdown(result) + "\n", flush=True)
    print(per_learner_markdown(results, args.label))
    args.json.with_suffix(".md").write_text(full_markdown(results) + "\n")
    say(f"wrote {args.json} and {args.json.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
