"""``learnerai serve``: the flows on their schedules, declared once.

:data:`SCHEDULES` is the schedule of the batch service — which flow runs when, and
with which parameters; every cron is read in the timezone ``settings.timezone``
(``LEARNERAI_TIMEZONE``, default UTC):

=========================================  ===============  ================================
deployment                                 cron             what
=========================================  ===============  ================================
``learnerai-nightly/nightly-daily``        ``0 2 * * *``    incremental nightly, every day
``learnerai-nightly/nightly-weekly-full``  ``0 3 * * 0``    full nightly, Sunday 03:00
``learnerai-train/train-weekly``           ``0 4 * * 0``    retrain the risk models, Sunday
``learnerai-evaluate/evaluate-weekly``     ``0 5 * * 1``    evaluate champions, Monday 05:00
=========================================  ===============  ================================

:func:`deployments` builds them with Prefect's own API (``Flow.to_deployment`` with
``prefect.schedules.Cron`` schedules carrying the timezone); :func:`serve_all`
serves them from this process (``prefect.serve``: blocks until interrupted).
``prefect.yaml`` at the repository root declares the same deployments for a Prefect
server with a process work pool (docs/deployment.md); a test keeps the two equal.

The runs of a day do not overlap in the usual case, and when they do the batch lock
decides: the weekly full nightly and the evaluation wait up to ``wait_seconds`` for
a run still holding it (see :func:`features.runs.run_lock`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from features.errors import ConfigurationError
from features.settings import Settings

#: Seconds a weekly run waits for the lock if the daily nightly still holds it.
LOCK_WAIT_SECONDS = 3600


@dataclass(frozen=True, kw_only=True)
class ScheduledFlow:
    """One deployment: a flow (module, function), its cron and parameters."""

    name: str
    module: str
    function: str
    cron: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    @property
    def entrypoint(self) -> str:
        """The flow as ``prefect.yaml`` names it: ``flows/nightly.py:nightly``."""
        return f"{self.module.replace('.', '/')}.py:{self.function}"

    def load_flow(self) -> Any:
        import importlib

        return getattr(importlib.import_module(self.module), self.function)


SCHEDULES: tuple[ScheduledFlow, ...] = (
    ScheduledFlow(name="nightly-daily", module="flows.nightly", function="nightly",
                  cron="0 2 * * *", parameters={"full": False},
                  description="Incremental nightly batch: learners whose inputs changed."),
    ScheduledFlow(name="nightly-weekly-full", module="flows.nightly", function="nightly",
                  cron="0 3 * * 0",
                  parameters={"full": True, "refit": True, "wait_seconds": LOCK_WAIT_SECONDS},
                  description="Full nightly batch: every learner recomputed against newly "
                              "fitted population statistics (Sunday)."),
    ScheduledFlow(name="train-weekly", module="flows.train", function="train",
                  cron="0 4 * * 0",
                  description="Retrain the risk models; promote a challenger that wins."),
    ScheduledFlow(name="evaluate-weekly", module="flows.evaluate", function="evaluate",
                  cron="0 5 * * 1", parameters={"wait_seconds": LOCK_WAIT_SECONDS},
                  description="Evaluate the champions and the recommender (Monday)."),
)

TAGS = ["learnerai"]


def deployments(settings: Settings) -> list[Any]:
    """One ``RunnerDeployment`` per entry of :data:`SCHEDULES`, each on a
    ``prefect.schedules.Cron`` in ``settings.timezone``.

    Entrypoints are module paths (``flows.nightly.nightly``): the runner imports the
    installed package, whatever directory it was started from. Parameters hold no
    database URL — a run reads ``DATABASE_URL`` from its environment, so no password
    is stored in Prefect.
    """
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    require_timezone(settings.timezone)
    return [
        scheduled.load_flow().to_deployment(
            name=scheduled.name,
            schedules=[Cron(scheduled.cron, timezone=settings.timezone)],
            parameters=dict(scheduled.parameters),
            description=scheduled.description,
            tags=TAGS,
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        for scheduled in SCHEDULES
    ]


def require_timezone(name: str) -> None:
    """Refuse a timezone that is not an IANA name, with the variable to fix."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigurationError(
            f"LEARNERAI_TIMEZONE {name!r} is not a timezone: use an IANA name such as "
            "UTC or Europe/Berlin") from exc


def schedule_lines(settings: Settings) -> list[str]:
    """One line per deployment: ``flow/deployment  cron (timezone)  parameters``."""
    require_timezone(settings.timezone)
    lines = []
    for scheduled in SCHEDULES:
        flow_name = scheduled.load_flow().name
        parameters = ", ".join(f"{k}={v}" for k, v in scheduled.parameters.items())
        lines.append(f"{flow_name}/{scheduled.name}  {scheduled.cron} ({settings.timezone})"
                     + (f"  {parameters}" if parameters else ""))
    return lines


def settings_environment(settings: Settings) -> dict[str, str]:
    """The environment variables that give a flow run ``settings``."""
    return {"DATABASE_URL": settings.database_url,
            "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
            "LEARNERAI_MLFLOW_ARTIFACTS": settings.mlflow_artifact_location,
            "LEARNERAI_EMBEDDING_MODEL": settings.embedding_model,
            "LEARNERAI_TIMEZONE": settings.timezone}


def require_prefect_server() -> str:
    """The Prefect API URL; refuses the ephemeral API, whose scheduler never runs."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise ConfigurationError(
            "schedules need a Prefect server: start one (`prefect server start`) and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api (see docs/deployment.md)")
    return url


def serve_all(settings: Settings) -> None:
    """Serve every deployment from this process until interrupted (Ctrl-C).

    Needs a Prefect server (``PREFECT_API_URL``): its scheduler creates the runs this
    process executes. The runs execute in child processes that inherit ``settings``
    through the environment (:func:`settings_environment`), so parameters never hold
    a database URL or password.
    """
    import os

    from prefect import serve

    require_prefect_server()
    served = deployments(settings)
    os.environ.update(settings_environment(settings))
    serve(*served)
