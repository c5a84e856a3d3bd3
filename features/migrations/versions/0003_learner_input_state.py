"""learner_input_state: per-learner input fingerprints for incremental nightly runs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 01:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from features import db_types

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('learner_input_state',
    sa.Column('learner_id', db_types.UnsignedInt, autoincrement=False, nullable=False),
    sa.Column('fingerprint', sa.BigInteger(), nullable=False),
    sa.Column('days_since_last_activity', sa.Float(), nullable=True),
    sa.Column('as_of', sa.DateTime(), nullable=False),
    sa.Column('run_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_input_state_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', name=op.f('pk_learner_input_state')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )


def downgrade() -> None:
    op.drop_table('learner_input_state')
