"""population_snapshots and learner_input_state.mentor_fingerprint: the population
statistics a refit period scores against, and which mentors each learner was given

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 04:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from features import db_types

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('population_snapshots',
    sa.Column('snapshot_id', db_types.UnsignedBigInt, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('compatibility', sa.String(length=100), nullable=False),
    sa.Column('fitted_as_of', sa.DateTime(), nullable=False),
    sa.Column('fitted_on', sa.DateTime(), nullable=False),
    sa.Column('run_id', sa.String(length=64), nullable=True),
    sa.Column('payload', db_types.Blob, nullable=False),
    sa.PrimaryKeyConstraint('snapshot_id', name=op.f('pk_population_snapshots')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('population_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_population_snapshots_kind_fitted_as_of'),
                              ['kind', 'fitted_as_of'], unique=False)
    with op.batch_alter_table('learner_input_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mentor_fingerprint', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('learner_input_state', schema=None) as batch_op:
        batch_op.drop_column('mentor_fingerprint')
    with op.batch_alter_table('population_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_population_snapshots_kind_fitted_as_of'))
    op.drop_table('population_snapshots')
