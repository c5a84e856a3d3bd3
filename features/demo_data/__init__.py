"""Realistic, deterministic demo data for every table of the learner database.

``seed_database(engine, learners=..., days=..., seed=...)`` upserts the catalog
and then writes learners whose behaviour follows a hidden state (skills,
goals, learning style, persona, an engagement level that wanders and, for
about a third of them, a slide into disengagement), so that models trained on
the data find real, moderate, noisy signals. The same arguments always write
the same rows. ``batch_runs`` and ``text_embeddings`` are service tables
written by runs and stay empty. ``write_catalog`` upserts only the four
catalog tables (the OULAD import needs them too).

Modules, one job each: :mod:`~features.demo_data.latent` (the hidden state),
:mod:`~features.demo_data.enrolments`, :mod:`~features.demo_data.activity`
(sessions and events), :mod:`~features.demo_data.signals`,
:mod:`~features.demo_data.social`, :mod:`~features.demo_data.gamification`,
:mod:`~features.demo_data.recommendations`, :mod:`~features.demo_data.history`
and :mod:`~features.demo_data.profile` (tables derived from it),
:mod:`~features.demo_data.generate` (one block of learners, all tables),
:mod:`~features.demo_data.writer` (bulk inserts) and
:mod:`~features.demo_data.seed` (the streaming loop).
"""

from features.demo_data.catalog_io import write_catalog
from features.demo_data.seed import (
    SERVICE_TABLES,
    DatabaseNotEmptyError,
    SeedReport,
    seed_database,
)

__all__ = [
    "SERVICE_TABLES",
    "DatabaseNotEmptyError",
    "SeedReport",
    "seed_database",
    "write_catalog",
]
