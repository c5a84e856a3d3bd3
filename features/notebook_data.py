"""What a notebook needs from the database before it can start: a checked engine, the
date the data reaches, and the documented feature views as a table.

Notebooks take their database from the same settings as the CLI
(:func:`features.settings.load_settings`). A Jupyter kernel runs in the notebook's own
folder, so the default relative SQLite URL would silently create an empty
``notebooks/learnerai.db``; :func:`open_database` refuses that with a message saying how
to start Jupyter instead.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from features import migrate
from features.engine import make_engine
from features.errors import ConfigurationError
from features.schema import Learner, LearnerActivityLog
from features.settings import Settings, mask_url
from features.views import FeatureView

#: How notebooks are meant to be started (repeated in notebooks/README.md).
JUPYTER_HINT = ("start Jupyter from the repository root with absolute locations, as "
                "notebooks/README.md shows: DATABASE_URL=sqlite:///$PWD/learnerai.db "
                "MLFLOW_TRACKING_URI=sqlite:///$PWD/mlflow.db "
                "LEARNERAI_MLFLOW_ARTIFACTS=$PWD/mlartifacts .venv/bin/jupyter lab notebooks/")


def sqlite_file(url: str) -> Path | None:
    """The file of a file-backed SQLite URL (None for other databases and in-memory)."""
    try:
        parsed = make_url(url)
    except ArgumentError:  # not a database URL at all; make_engine says so in words
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def relative_locations(settings: Settings) -> list[str]:
    """The settings that name a local path relative to the working directory (a
    notebook's kernel runs in the notebook's folder, not where Jupyter was started)."""
    relative = []
    for name, url in (("DATABASE_URL", settings.database_url),
                      ("MLFLOW_TRACKING_URI", settings.mlflow_tracking_uri)):
        path = sqlite_file(url)
        if path is not None and not path.is_absolute():
            relative.append(name)
    location = settings.mlflow_artifact_location
    if "://" not in location and not Path(location).expanduser().is_absolute():
        relative.append("LEARNERAI_MLFLOW_ARTIFACTS")
    return relative


def describe_settings(settings: Settings) -> str:
    """Where a notebook reads and writes, passwords masked, with a warning for
    locations that are relative to the kernel's folder."""
    tracking = settings.mlflow_tracking_uri
    lines = [f"database:         {settings.safe_database_url}",
             f"MLflow tracking:  {mask_url(tracking) if '@' in tracking else tracking}",
             f"MLflow artifacts: {settings.mlflow_artifact_location}"]
    relative = relative_locations(settings)
    if relative:
        lines.append(f"warning: {', '.join(relative)} relative to {Path.cwd()}; "
                     f"to use the project's files, {JUPYTER_HINT}")
    return "\n".join(lines)


def open_database(settings: Settings) -> Engine:
    """An engine on ``settings.database_url`` that is migrated and holds learners.

    Raises :class:`ConfigurationError` for a SQLite file that does not exist (never
    creates one) or a database without learners, and
    :class:`features.errors.SchemaVersionError` for one at the wrong revision.
    """
    path = sqlite_file(settings.database_url)
    if path is not None and not path.is_file():
        raise ConfigurationError(
            f"No database file at {path.resolve()} ({settings.safe_database_url}, read "
            f"relative to {Path.cwd()}): {JUPYTER_HINT}")
    engine = make_engine(settings.database_url)
    try:
        migrate.require_head(engine)
        with engine.connect() as conn:
            learners = conn.execute(select(func.count()).select_from(Learner)).scalar_one()
    except Exception:
        engine.dispose()
        raise
    if not learners:
        engine.dispose()
        raise ConfigurationError(
            f"{settings.safe_database_url} has no learners: seed demo data with "
            "`learnerai seed --learners 2000` (and `learnerai features`) first")
    return engine


def data_as_of(engine: Engine, now: dt.datetime | None = None) -> dt.datetime:
    """Midnight after the last recorded activity, but never after the coming midnight.

    A demo database ends on the day it was seeded, so "today" would look at empty
    windows once it is a few days old; a live database ends today, which gives the
    coming midnight either way. The cap keeps a stray future timestamp (bad input)
    from moving the notebooks into the future. ``now`` is naive UTC (default: now).
    """
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    next_midnight = dt.datetime.combine(now.date(), dt.time()) + dt.timedelta(days=1)
    with engine.connect() as conn:
        last = conn.execute(select(func.max(LearnerActivityLog.timestamp))).scalar_one()
    if last is None:
        return next_midnight
    last = pd.Timestamp(last).to_pydatetime()
    return min(dt.datetime.combine(last.date(), dt.time()) + dt.timedelta(days=1),
               next_midnight)


def feature_catalog(*views: FeatureView) -> pd.DataFrame:
    """One row per feature of ``views``: view, name, dtype, unit and meaning."""
    rows = [{"view": view.name, "feature": f.name, "dtype": f.dtype, "unit": f.unit,
             "description": f.description}
            for view in views for f in view.features]
    return pd.DataFrame(rows, columns=["view", "feature", "dtype", "unit", "description"])
