"""The Alembic history and the SQLAlchemy models describe the same schema."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, inspect, select, text

from features import migrate
from features.engine import make_engine
from features.errors import SchemaVersionError
from features.schema import ADDED_TABLES, SEED_TABLES, Base, Learner, LearnerSkill, User


def test_upgrade_creates_every_table_and_autogenerate_finds_no_difference(
    empty_db_url: str,
) -> None:
    engine = make_engine(empty_db_url)
    assert migrate.current_revision(engine) is None

    migrate.upgrade(engine)

    tables = set(inspect(engine).get_table_names())
    assert set(SEED_TABLES) <= tables
    assert set(ADDED_TABLES) <= tables
    assert len(SEED_TABLES) == 23
    assert tables - {"alembic_version"} == {t.name for t in Base.metadata.sorted_tables}
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert migrate.schema_differences(engine) == []
    engine.dispose()


def test_downgrade_base_removes_everything_and_upgrade_again_works(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_require_head_explains_what_to_do(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    with pytest.raises(SchemaVersionError, match="learnerai db upgrade"):
        migrate.require_head(engine)
    migrate.upgrade(engine)
    migrate.require_head(engine)  # no error at head
    engine.dispose()


def test_foreign_keys_cascade_on_both_databases(engine) -> None:
    """SQLite only enforces the seed's cascades with foreign keys switched on."""
    with engine.begin() as conn:
        conn.execute(insert(User).values(id=1, email="a@example.org"))
        conn.execute(insert(Learner).values(learner_id=10, user_id=1))
        conn.execute(insert(LearnerSkill).values(learner_id=10, skill_name="SQL"))
        # ON UPDATE CASCADE from users.id to learners.user_id
        conn.execute(text("UPDATE users SET id = 2 WHERE id = 1"))
        assert conn.execute(select(Learner.user_id)).scalar_one() == 2
        conn.execute(text("DELETE FROM users WHERE id = 2"))
        assert conn.execute(select(Learner.learner_id)).all() == []
        assert conn.execute(select(LearnerSkill.skill_id)).all() == []


def test_server_defaults_match_the_seed(engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(User).values(id=1, email="a@example.org"))
        conn.execute(insert(Learner).values(learner_id=1, user_id=1))
        conn.execute(insert(LearnerSkill).values(learner_id=1, skill_name="SQL"))
        learner = conn.execute(select(Learner)).mappings().one()
        skill = conn.execute(select(LearnerSkill)).mappings().one()
    assert learner["timezone"] == "Asia/Kolkata"
    assert learner["language_pref"] == "English"
    assert learner["status"] == "Active"
    assert learner["registration_date"] is not None
    assert skill["skill_level"] == "Beginner"
    assert skill["proficiency_score"] == 0.0
    assert skill["source"] == "Manual"
