"""SQLite event tables become AUTOINCREMENT: a deleted newest row's key is never
handed out again, so incremental runs (new rows above a key watermark) miss no event

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 05:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The append-only tables of features.change_detection.EVENT_TABLES.
EVENT_TABLES = ('learner_activity_log', 'learner_discussion_activity',
                'learner_social_interactions', 'learner_emotion_metrics',
                'learner_feedback_responses', 'learner_metaverse_logs',
                'learner_system_telemetry', 'learner_xp')


def _recreate(autoincrement: bool) -> None:
    # MySQL/MariaDB never reuse an AUTO_INCREMENT key: nothing to do there. SQLite can
    # only change this by copying the table (rows, keys and indexes kept).
    if op.get_bind().dialect.name != 'sqlite':
        return
    for name in EVENT_TABLES:
        with op.batch_alter_table(name, recreate='always',
                                  table_kwargs={'sqlite_autoincrement': autoincrement}):
            pass


def upgrade() -> None:
    _recreate(True)


def downgrade() -> None:
    _recreate(False)
