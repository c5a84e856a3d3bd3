"""Configuration: defaults in code, overrides from environment variables.

Nothing here has side effects; callers ask for :func:`load_settings` at the
edge (CLI, flow entry point, notebook) and pass values down.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite:///learnerai.db"
DEFAULT_MLFLOW_TRACKING_URI = "sqlite:///mlflow.db"
DEFAULT_MLFLOW_ARTIFACTS = "./mlartifacts"


@dataclass(frozen=True)
class Settings:
    """Every setting learnerai reads, with the environment variable behind it."""

    database_url: str = DEFAULT_DATABASE_URL  # DATABASE_URL
    mlflow_tracking_uri: str = DEFAULT_MLFLOW_TRACKING_URI  # MLFLOW_TRACKING_URI
    mlflow_artifact_location: str = DEFAULT_MLFLOW_ARTIFACTS  # LEARNERAI_MLFLOW_ARTIFACTS
    embedding_model: str = "all-MiniLM-L6-v2"  # LEARNERAI_EMBEDDING_MODEL (name or path)
    timezone: str = "UTC"  # LEARNERAI_TIMEZONE: schedules and day boundaries

    @property
    def safe_database_url(self) -> str:
        return mask_url(self.database_url)


def load_settings(**overrides: str | None) -> Settings:
    """Settings from the environment, with explicit (non-None) overrides on top."""
    env = os.environ
    values = {
        "database_url": env.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        "mlflow_tracking_uri": env.get("MLFLOW_TRACKING_URI", DEFAULT_MLFLOW_TRACKING_URI),
        "mlflow_artifact_location": env.get(
            "LEARNERAI_MLFLOW_ARTIFACTS", DEFAULT_MLFLOW_ARTIFACTS
        ),
        "embedding_model": env.get("LEARNERAI_EMBEDDING_MODEL", "all-MiniLM-L6-v2"),
        "timezone": env.get("LEARNERAI_TIMEZONE", "UTC"),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***``, safe to print or log."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # Not parseable as a URL: never echo it back, it may hold a secret.
        return "<unparseable URL>"


def artifact_uri(location: str) -> str:
    """A local artifact path as a file URI; URIs with a scheme pass through."""
    if "://" in location:
        return location
    return Path(location).resolve().as_uri()
