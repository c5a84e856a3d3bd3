"""Nightly runs in child processes that die by SIGKILL at a named point, or race each other.

A driver for the fault tests: it imports everything once, then forks one child per run
(a fork costs milliseconds; a fresh interpreter with Prefect, MLflow and scikit-learn
costs seconds). Each child opens its own connections, runs
:func:`flows.nightly.run_nightly` and, at the point it was given, sends itself SIGKILL:
no ``finally``, no rollback, no ledger update — what a power cut or the OOM killer does.
The champion models are loaded from MLflow once, by the driver; the children's models
stage hands them over (every point is in the publishing stages).

usage: nightly_killed.py   (then one JSON command per line on stdin)

A command::

    {"database_url": ..., "mlflow_tracking_uri": ..., "mlflow_artifact_location": ...,
     "as_of": "2026-03-08T00:00:00", "point": "recs_inserted_uncommitted" | null,
     "runs": 1, "wait_seconds": 0, "chunks": {"recommendations": 20, "risk": 30,
                                              "careers": 40}}

``runs`` children start together (released by one pipe write after all have forked).
The answer, one JSON line per command: ``{"runs": [{"signal": 9 | null, "exit": code,
"outcome": {...}}]}`` where ``outcome`` is ``{"status": "succeeded", "run_id": ...}``,
``{"error": "RunLockedError", "message": ...}``, or for a run that should have been
killed, ``{"error": "not killed"}``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[2])]

from recommend_fixtures import HashEncoder  # noqa: E402

import features.change_detection  # noqa: E402
import features.learner_features  # noqa: E402
import features.publish_recommendations  # noqa: E402
import features.publish_risk  # noqa: E402
import features.runs  # noqa: E402
from features.engine import make_engine  # noqa: E402
from features.runs import RunLockedError  # noqa: E402
from features.settings import Settings  # noqa: E402
from flows.nightly import PLAIN_STEPS, run_nightly  # noqa: E402
from flows.risk_scoring import load_risk_champions  # noqa: E402
from models.recommend_policy import RecommenderConfig  # noqa: E402


def warm_up() -> None:
    """What every run imports or loads lazily (MLflow, skops, the recommender, the
    packaged catalog): done once here instead of in every child."""
    import mlflow.sklearn  # noqa: F401
    import skops.io  # noqa: F401

    import features.recommend_eval  # noqa: F401
    import features.recommendation_inputs  # noqa: F401
    import models.career  # noqa: F401
    import models.recommend  # noqa: F401
    from features.catalog import load_catalog

    load_catalog()  # cached: parsed once, inherited by every fork


@dataclass(frozen=True)
class KillPoint:
    """SIGKILL ``when`` ("before"/"after") the ``nth`` call of ``owner.name``."""

    owner: Any
    name: str
    when: str
    nth: int


def _points() -> dict[str, KillPoint]:
    publish_recs = features.publish_recommendations
    publish_risk = features.publish_risk
    return {
        # Features stage: features, engagement and psychographics written, not committed.
        "features_uncommitted": KillPoint(features.learner_features,
                                          "publish_ai_psychographics", "after", 1),
        # Risk chunk 2: scores, nudges and audit rows written, not committed.
        "risk_chunk_uncommitted": KillPoint(publish_risk, "write_audit", "after", 2),
        # Risk chunks 1-2 committed, chunk 3 not begun.
        "risk_chunk_committed": KillPoint(publish_risk, "previous_scores", "before", 3),
        # Recommendation chunk 2: old Pending rows deleted, new ones not inserted.
        "recs_deleted_not_inserted": KillPoint(publish_recs.RecommendationWriter, "write",
                                               "before", 2),
        # Recommendation chunk 3: new rows inserted, not committed.
        "recs_inserted_uncommitted": KillPoint(publish_recs.RecommendationWriter, "write",
                                               "after", 3),
        # Recommendation chunk 4: rows and audit written, not committed.
        "recs_audited_uncommitted": KillPoint(publish_recs, "write_audit", "after", 4),
        # Recommendation chunks 1-5 committed.
        "recs_chunk_committed": KillPoint(publish_recs, "publish_recommendations", "after", 5),
        # Careers of recommendation chunk 2: AI pathways replaced and career predictions
        # upserted, not committed (publish_ai_features is the transaction's last write).
        "pathways_uncommitted": KillPoint(publish_recs, "publish_ai_features", "after", 2),
        # Record stage: input fingerprints written, not committed.
        "input_state_uncommitted": KillPoint(features.change_detection, "upsert_rows",
                                             "after", 1),
        # Every output committed; the ledger row not yet finished.
        "ledger_not_finished": KillPoint(features.runs, "finish_run", "before", 1),
    }


POINTS = _points()


def arm(point: KillPoint) -> None:
    original: Callable[..., Any] = getattr(point.owner, point.name)
    calls = {"n": 0}

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        due = calls["n"] == point.nth
        if due and point.when == "before":
            die()
        result = original(*args, **kwargs)
        if due:
            die()
        return result

    setattr(point.owner, point.name, wrapper)


def small_chunks(chunks: dict[str, int]) -> RecommenderConfig:
    """Smaller transactions than production, so a small demo has several of each."""
    if "risk" in chunks:
        features.publish_risk.publish_risk.__kwdefaults__["chunk_learners"] = chunks["risk"]
    if "careers" in chunks:
        features.publish_recommendations.publish_careers.__kwdefaults__["chunk_learners"] = \
            chunks["careers"]
    if "recommendations" in chunks:
        return RecommenderConfig(chunk_size=chunks["recommendations"])
    return RecommenderConfig()


_CHAMPIONS: dict[Settings, Any] = {}


def settings_of(command: dict[str, Any]) -> Settings:
    return Settings(database_url=command["database_url"],
                    mlflow_tracking_uri=command["mlflow_tracking_uri"],
                    mlflow_artifact_location=command["mlflow_artifact_location"])


def champions_for(settings: Settings) -> Any:
    """The champions, loaded from MLflow once here (children inherit them): the points
    are in the publishing stages, and each child would otherwise spend a second or two
    loading the same pipelines."""
    key = dataclasses.replace(settings, database_url="")
    if key not in _CHAMPIONS:
        _CHAMPIONS[key] = load_risk_champions(settings)
    return _CHAMPIONS[key]


def child(command: dict[str, Any], start: int, outcome_path: Path,
          champions: Any) -> None:
    """The body of a forked run; never returns."""
    def report(outcome: dict[str, Any], code: int) -> None:
        outcome_path.write_text(json.dumps(outcome))
        os._exit(code)

    os.dup2(2, 1)  # stdout is the driver's answer channel: nothing else may write there
    try:
        os.read(start, 1)  # every run of the command starts at once
        config = small_chunks(command.get("chunks", {}))
        if command.get("point"):
            arm(POINTS[command["point"]])
        settings = settings_of(command)
        steps = dataclasses.replace(PLAIN_STEPS, load_models=lambda _settings: (champions, []))
        result = run_nightly(make_engine(settings.database_url), settings,
                             dt.datetime.fromisoformat(command["as_of"]), full=True,
                             wait_seconds=command.get("wait_seconds", 0),
                             encoder=HashEncoder(), recommender=config, steps=steps)
    except RunLockedError as exc:
        report({"error": "RunLockedError", "message": str(exc)}, 2)
    except BaseException as exc:  # noqa: BLE001 - reported to the test
        report({"error": exc.__class__.__name__, "message": str(exc),
                "traceback": traceback.format_exc()}, 1)
    if command.get("point"):
        report({"error": "not killed", "run_id": result.run_id}, 3)
    report({"status": result.status, "run_id": result.run_id}, 0)


def execute(command: dict[str, Any], scratch: Path) -> dict[str, Any]:
    champions = champions_for(settings_of(command))
    start, release = os.pipe()
    children = []
    for index in range(int(command.get("runs", 1))):
        outcome = scratch / f"outcome-{os.getpid()}-{index}.json"
        outcome.unlink(missing_ok=True)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            os.close(release)
            child(command, start, outcome, champions)
        children.append((pid, outcome))
    os.close(start)
    os.write(release, b"g" * len(children))
    os.close(release)
    runs = []
    for pid, outcome in children:
        _, status = os.waitpid(pid, 0)
        runs.append({
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "outcome": json.loads(outcome.read_text()) if outcome.exists() else None})
    return {"runs": runs}


def main() -> None:
    warm_up()
    with tempfile.TemporaryDirectory(prefix="nightly-killed-") as scratch:
        print(json.dumps({"ready": sorted(POINTS)}), flush=True)
        for line in sys.stdin:
            if line.strip():
                print(json.dumps(execute(json.loads(line), Path(scratch))), flush=True)


if __name__ == "__main__":
    main()
