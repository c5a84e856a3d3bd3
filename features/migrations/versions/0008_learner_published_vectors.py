"""learner_published_vectors: digests of the vectors last published per learner, so a
run rewrites a learner's skill or recommendation vector only when it changed

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 13:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from features import db_types

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('learner_published_vectors',
    sa.Column('learner_id', db_types.UnsignedInt, autoincrement=False, nullable=False),
    sa.Column('skill_vector', sa.BigInteger(), nullable=True),
    sa.Column('recommendation_vector', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_published_vectors_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', name=op.f('pk_learner_published_vectors')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )


def downgrade() -> None:
    op.drop_table('learner_published_vectors')
