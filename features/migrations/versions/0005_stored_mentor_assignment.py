"""learner_input_state.mentor_inputs and .mentor_assignment: the stored mentor
assignment an incremental run reuses when no learner's mentor inputs moved

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 04:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('learner_input_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mentor_inputs', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('mentor_assignment', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('learner_input_state', schema=None) as batch_op:
        batch_op.drop_column('mentor_assignment')
        batch_op.drop_column('mentor_inputs')
