"""Task retry policy shared by the flows: retry what may pass by itself, nothing else."""

from __future__ import annotations

from typing import Any

from prefect.cache_policies import NO_CACHE

from features.transient import is_transient_error


def retry_on_transient(_task: Any, _run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: True for lost connections, lock timeouts,
    deadlocks, a busy SQLite file or MLflow out of reach
    (:func:`features.transient.is_transient_error`); bugs and bad input fail at once."""
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - classify, do not handle
        return is_transient_error(exc)
    return False


#: ``task(..., **RETRYING)`` for tasks that touch the database or MLflow.
RETRYING: dict[str, Any] = {"retries": 2, "retry_delay_seconds": [5, 20],
                            "retry_condition_fn": retry_on_transient, "cache_policy": NO_CACHE}
