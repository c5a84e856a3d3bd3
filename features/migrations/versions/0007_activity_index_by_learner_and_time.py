"""learner_activity_log's learner_id index becomes (learner_id, timestamp): each
learner's first and last event before as-of, and the events stamped in the future,
are found by index dives instead of a scan of the whole log

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 09:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = 'learner_activity_log'
BY_LEARNER = 'ix_learner_activity_log_learner_id'
BY_LEARNER_AND_TIME = 'ix_learner_activity_log_learner_id_timestamp'


def upgrade() -> None:
    # Created before the old one goes: the foreign key on learner_id always has an
    # index to use (MySQL/MariaDB refuse to drop the last one).
    op.create_index(BY_LEARNER_AND_TIME, TABLE, ['learner_id', 'timestamp'])
    op.drop_index(BY_LEARNER, table_name=TABLE)


def downgrade() -> None:
    op.create_index(BY_LEARNER, TABLE, ['learner_id'])
    op.drop_index(BY_LEARNER_AND_TIME, table_name=TABLE)
