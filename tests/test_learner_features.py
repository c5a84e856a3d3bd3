"""The published feature store on seeded learners: opt-out, PII, cache, parity."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, text

from features import migrate
from features.demo_data import seed_database
from features.engine import make_engine
from features.learner_features import compute_learner_features, publish_learner_features
from features.retrieval import get_features
from features.schema import (
    Learner,
    LearnerActivityLog,
    LearnerAIFeatures,
    LearnerDiscussionActivity,
    LearnerPsychographics,
    LearnerSocialInteraction,
    User,
)
from features.views import ENGAGEMENT_FEATURES
from models.embeddings import TextEncoder

AS_OF = dt.datetime(2026, 3, 1)


@pytest.fixture(scope="module")
def encoder() -> TextEncoder:
    return TextEncoder()


@pytest.fixture(scope="module", params=["sqlite", "mysql"])
def seeded(request, tmp_path_factory):
    """A seeded database per backend, shared by this module's tests (seeding and
    the first embedding pass are the slow part)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('features') / 'seeded.db'}"
    else:
        url = request.getfixturevalue("mysql_database_factory")("features")
    engine = make_engine(url)
    migrate.upgrade(engine)
    seed_database(engine, learners=60, days=90, seed=11, as_of=AS_OF)
    yield engine
    engine.dispose()


def pii_strings(engine) -> set[str]:
    """Recognisable personal data the seed wrote; none may reach an output."""
    with engine.connect() as conn:
        values = set()
        for column in (User.full_name, User.email, Learner.phone, Learner.address_line1,
                       LearnerActivityLog.ip_address, LearnerActivityLog.user_agent,
                       LearnerDiscussionActivity.content, LearnerSocialInteraction.content):
            values.update(v for v in conn.execute(select(column).distinct()).scalars()
                          if v and len(v) >= 8)
    return values


def test_publish_features_for_opted_in_learners_only(seeded, encoder) -> None:
    feature_set = compute_learner_features(seeded, AS_OF, encoder)
    assert sum(s.encoded for s in feature_set.embedding_stats.values()) > 0  # first run
    counts = publish_learner_features(seeded, feature_set)
    opted_in, opted_out = set(feature_set.opted_in), set(feature_set.opted_out)
    assert opted_out, "the seed should have opted-out learners"
    with seeded.connect() as conn:
        rows = {r.learner_id: r for r in conn.execute(select(LearnerAIFeatures))}
        ai_psych = set(conn.execute(select(LearnerPsychographics.learner_id).where(
            LearnerPsychographics.derived_from == "AI")).scalars())
    assert set(rows) == opted_in and counts["learner_ai_features"] == len(opted_in)
    assert not ai_psych & opted_out
    some = rows[min(rows)]
    assert list(some.engagement_vector) == list(ENGAGEMENT_FEATURES)
    assert some.model_version == "fs1+all-MiniLM-L6-v2"
    for row in rows.values():
        for vector in (row.skill_vector, row.recommendation_vector):
            if vector is not None:
                assert len(vector) == 384
                assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-3)
    with_skills = [r for r in rows.values() if r.skill_vector is not None]
    assert len(with_skills) >= 0.8 * len(rows)


def test_second_run_encodes_nothing_and_changes_nothing(seeded, encoder) -> None:
    publish_learner_features(seeded, compute_learner_features(seeded, AS_OF, encoder))
    before = _snapshot(seeded)
    second = compute_learner_features(seeded, AS_OF, encoder)
    publish_learner_features(seeded, second)
    assert sum(s.encoded for s in second.embedding_stats.values()) == 0
    assert _snapshot(seeded) == before


def test_no_pii_in_any_output(seeded, encoder, capsys, caplog) -> None:
    from flows.cli import main

    url = seeded.url.render_as_string(hide_password=False)
    assert main(["--database-url", url, "features", "--as-of", AS_OF.date().isoformat()]) == 0
    printed = capsys.readouterr()
    feature_set = compute_learner_features(seeded, AS_OF, encoder)
    pii = pii_strings(seeded)
    assert len(pii) > 100
    with seeded.connect() as conn:
        outputs = [json.dumps([list(map(str, r)) for r in conn.execute(text(f"SELECT * FROM {t}"))])
                   for t in ("learner_ai_features", "learner_engagement")]
        outputs.append(json.dumps([list(map(str, r)) for r in conn.execute(
            select(LearnerPsychographics).where(LearnerPsychographics.derived_from == "AI"))]))
    outputs.append(feature_set.features.to_json())
    outputs += [printed.out, printed.err, caplog.text]
    blob = "\n".join(outputs)
    leaked = [value for value in pii if value in blob]
    assert leaked == []


def test_opting_out_removes_existing_ai_rows(seeded, encoder) -> None:
    publish_learner_features(seeded, compute_learner_features(seeded, AS_OF, encoder))
    with seeded.begin() as conn:
        victim = conn.execute(select(LearnerAIFeatures.learner_id).limit(1)).scalar_one()
        conn.execute(text("UPDATE learner_preferences SET ai_personalization_optin = 0 "
                          "WHERE learner_id = :l"), {"l": victim})
    publish_learner_features(seeded, compute_learner_features(seeded, AS_OF, encoder))
    with seeded.connect() as conn:
        assert conn.execute(select(LearnerAIFeatures).where(
            LearnerAIFeatures.learner_id == victim)).first() is None


def test_sqlite_and_mariadb_compute_identical_features(tmp_path, mysql_database_factory) -> None:
    sqlite = make_engine(f"sqlite:///{tmp_path / 'parity.db'}")
    mysql = make_engine(mysql_database_factory("parity"))
    for engine in (sqlite, mysql):
        migrate.upgrade(engine)
        seed_database(engine, learners=60, days=90, seed=5, as_of=AS_OF)
    on_sqlite = get_features(sqlite, AS_OF)
    on_mysql = get_features(mysql, AS_OF)
    pd.testing.assert_frame_equal(on_sqlite, on_mysql, check_exact=False, rtol=1e-9)
    assert len(on_sqlite) == 60


def _snapshot(engine) -> list:
    with engine.connect() as conn:
        features = conn.execute(select(LearnerAIFeatures).order_by(
            LearnerAIFeatures.learner_id)).all()
        psych = conn.execute(select(LearnerPsychographics).order_by(
            LearnerPsychographics.psychographic_id)).all()
        engagement = conn.execute(text(
            "SELECT * FROM learner_engagement ORDER BY engagement_id")).all()
    return [list(map(tuple, part)) for part in (features, psych, engagement)]
