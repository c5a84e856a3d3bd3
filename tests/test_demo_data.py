"""Demo data: every table filled, deterministic, refusing to mix, and learnable.

The structure tests read one module-scoped SQLite database of 600 learners
(180 days) and its truth files, and check that the hidden state shows up in
the tables the way models will need it: declining activity precedes
disengagement, learning style shapes the content mix, enrolments chase the
goal role's missing skills, quiz scores follow skill, ledgers add up.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import DateTime, Engine, func, select, text

from features.catalog import load_catalog
from features.demo_data import DatabaseNotEmptyError, SeedReport, seed_database, write_catalog
from features.engine import make_engine
from features.errors import LearnerAIError
from features.schema import SKILL_LEVELS, Base

AS_OF = dt.datetime(2026, 3, 1)
SMALL = {"learners": 150, "days": 120, "seed": 7, "as_of": AS_OF}
SERVICE_TABLES = {"batch_runs", "text_embeddings", "learner_input_state", "population_snapshots",
                  "learner_published_vectors"}
ALL_TABLES = [t.name for t in Base.metadata.sorted_tables]


# --------------------------------------------------------------------------- helpers


def copy_template(template: Path, target: Path) -> Engine:
    shutil.copyfile(template, target)
    return make_engine(f"sqlite:///{target}")


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(
            Base.metadata.tables[name])).scalar_one() for name in ALL_TABLES}


def read_table(engine: Engine, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    table = Base.metadata.tables[name]
    cols = [table.c[c] for c in columns] if columns else list(table.c)
    query = select(*cols).order_by(*table.primary_key.columns)
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).fetchall(), columns=[c.name for c in cols])
    for col in cols:
        if isinstance(col.type, DateTime):
            frame[col.name] = pd.to_datetime(frame[col.name])
    return frame


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Values as comparable across backends: objects to str, numbers to rounded floats."""
    out = frame.copy()
    for name in out.columns:
        values = out[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            continue
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.notna().sum() == values.notna().sum() and values.notna().any():
            out[name] = numeric.astype(float).round(2)
        else:
            out[name] = values.map(lambda v: None if v is None or v is pd.NA else str(v))
    return out


@pytest.fixture(scope="module")
def reference_db(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[tuple[Engine, SeedReport]]:
    """SMALL seeded into SQLite once: the reference for determinism checks."""
    engine = copy_template(sqlite_template, tmp_path_factory.mktemp("ref") / "ref.db")
    report = seed_database(engine, **SMALL)
    yield engine, report
    engine.dispose()


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """600 learners over 180 days, with the truth files."""
    folder = tmp_path_factory.mktemp("world")
    engine = copy_template(sqlite_template, folder / "world.db")
    truth = folder / "truth.csv"
    report = seed_database(engine, learners=600, days=180, seed=11, as_of=AS_OF,
                           truth_path=truth, chunk_size=1000)
    activity = read_table(engine, "learner_activity_log")
    yield {
        "engine": engine, "report": report, "activity": activity,
        "skill_truth": pd.read_csv(truth, keep_default_na=False),
        "learner_truth": pd.read_csv(folder / "truth_learners.csv"),
    }
    engine.dispose()


# ----------------------------------------------------------------- filling, refusing


def test_seed_fills_every_table_except_the_service_tables(
    engine: Engine, reference_db: tuple[Engine, SeedReport]
) -> None:
    ticks: list[tuple[int, int]] = []
    report = seed_database(engine, **SMALL, chunk_size=500,
                           progress=lambda done, total: ticks.append((done, total)))
    found = counts(engine)
    empty = {name for name, n in found.items() if n == 0}
    assert empty == SERVICE_TABLES
    assert {k: v for k, v in report.rows.items() if k in found} == {
        k: found[k] for k in report.rows}
    assert found["learners"] == found["users"] == 150
    assert found["learner_activity_log"] > 150 * 40
    assert ticks[-1] == (150, 150)
    assert report.total_rows == sum(found.values()) and report.seconds > 0

    # The same seed on the other backend writes the same rows (chunking does not matter).
    reference, _ = reference_db
    for name, columns in {
        "learners": ["learner_id", "gender", "dob", "phone", "registration_date", "status"],
        "learner_activity_log": ["log_id", "learner_id", "course_id", "activity_type",
                                 "duration_seconds", "score", "timestamp"],
        "course_enrollments": None,
        "learner_xp": None,
        "learner_skills": None,
    }.items():
        mine = normalised(read_table(engine, name, columns))
        theirs = normalised(read_table(reference, name, columns))
        pd.testing.assert_frame_equal(mine, theirs, check_dtype=False)


def test_reseeding_a_database_with_learners_is_refused_and_changes_nothing(
    engine: Engine,
) -> None:
    seed_database(engine, learners=30, days=30, seed=1, as_of=AS_OF)
    before = counts(engine)
    with pytest.raises(DatabaseNotEmptyError) as info:
        seed_database(engine, learners=30, days=30, seed=2, as_of=AS_OF)
    assert isinstance(info.value, LearnerAIError)
    assert "already has 30 learners" in str(info.value)
    assert "learnerai db downgrade base && learnerai db upgrade" in str(info.value)
    assert counts(engine) == before


def test_write_catalog_is_an_idempotent_upsert(engine: Engine) -> None:
    catalog = load_catalog()
    expected = {"skill_catalog": len(catalog.skills), "career_roles": len(catalog.roles),
                "courses": len(catalog.courses), "content_items": len(catalog.content_items)}
    assert write_catalog(engine, catalog) == expected
    first = {name: read_table(engine, name) for name in expected}
    assert write_catalog(engine, catalog) == expected
    for name, frame in first.items():
        pd.testing.assert_frame_equal(read_table(engine, name), frame, obj=name)
    roles = first["career_roles"].set_index("role_id")
    assert roles.loc[1, "required_skills"] == catalog.roles.set_index("role_id").loc[
        1, "required_skills"]


def test_same_seed_writes_identical_databases(
    reference_db: tuple[Engine, SeedReport], sqlite_template: Path, tmp_path: Path
) -> None:
    reference, first = reference_db
    engine = copy_template(sqlite_template, tmp_path / "again.db")
    try:
        second = seed_database(engine, **SMALL, chunk_size=7)
        assert second.rows == first.rows
        for name in ALL_TABLES:
            pd.testing.assert_frame_equal(read_table(engine, name), read_table(reference, name),
                                          obj=name)
    finally:
        engine.dispose()


def test_a_different_seed_writes_different_data(
    reference_db: tuple[Engine, SeedReport], sqlite_template: Path, tmp_path: Path
) -> None:
    reference, _ = reference_db
    engine = copy_template(sqlite_template, tmp_path / "other.db")
    try:
        seed_database(engine, **{**SMALL, "seed": 8})
        for name, column in [("users", "full_name"), ("learner_activity_log", "timestamp"),
                             ("course_enrollments", "course_id")]:
            mine, theirs = read_table(engine, name), read_table(reference, name)
            size = min(len(mine), len(theirs))
            same = (mine[column].iloc[:size].to_numpy() == theirs[column].iloc[:size].to_numpy())
            assert same.mean() < 0.5, name
    finally:
        engine.dispose()


def test_bad_arguments_are_one_line_errors(engine: Engine) -> None:
    with pytest.raises(LearnerAIError, match="at least 1"):
        seed_database(engine, learners=0, days=30, seed=1, as_of=AS_OF)
    with pytest.raises(LearnerAIError, match="days"):
        seed_database(engine, learners=5, days=3, seed=1, as_of=AS_OF)
    assert counts(engine)["learners"] == 0


# ------------------------------------------------------------------- time and keys


def test_every_timestamp_is_inside_the_window_and_after_registration(world: dict) -> None:
    engine = world["engine"]
    start = AS_OF - dt.timedelta(days=180)
    learners = read_table(engine, "learners", ["learner_id", "registration_date"])
    registered = learners.set_index("learner_id")["registration_date"]
    never_set = []
    for table in Base.metadata.sorted_tables:
        for column in table.c:
            if not isinstance(column.type, DateTime):
                continue
            with engine.connect() as conn:
                lo, hi = conn.execute(select(func.min(column), func.max(column))).one()
            if lo is None:
                never_set.append(table.name)
                continue
            lo, hi = pd.Timestamp(lo), pd.Timestamp(hi)
            assert hi < pd.Timestamp(AS_OF), f"{table.name}.{column.name}"
            if (table.name, column.name) not in {("learners", "registration_date"),
                                                 ("users", "created_on")}:
                assert lo >= pd.Timestamp(start), f"{table.name}.{column.name}"
            owner = "learner_id" if "learner_id" in table.c else (
                "sender_id" if "sender_id" in table.c else None)
            if owner and table.name != "learners":
                frame = read_table(engine, table.name, [owner, column.name]).dropna()
                reg = registered.reindex(frame[owner]).to_numpy()
                assert (frame[column.name].to_numpy() >= reg).all(), f"{table.name}.{column.name}"
    assert set(never_set) <= SERVICE_TABLES


def test_sessions_are_login_events_logout_and_vr_has_its_metaverse_log(world: dict) -> None:
    act = world["activity"]
    logins = (act["activity_type"] == "Login").sum()
    assert logins == (act["activity_type"] == "Logout").sum()
    first = act.groupby("learner_id")["activity_type"].first()
    assert (first == "Login").all()
    vr = act[act["activity_type"] == "VR"][["learner_id", "timestamp", "duration_seconds"]]
    meta = read_table(world["engine"], "learner_metaverse_logs",
                      ["learner_id", "recorded_on", "duration_seconds", "session_id"])
    joined = vr.merge(meta, left_on=["learner_id", "timestamp"],
                      right_on=["learner_id", "recorded_on"], how="left")
    assert len(joined) == len(vr) > 0
    assert (joined["duration_seconds_x"] == joined["duration_seconds_y"]).all()
    assert joined["session_id"].str.match(r"^S\d+-\d{4}$").all()


# ------------------------------------------------------------------ latent structure


def activity_examples(act: pd.DataFrame, n_learners: int) -> pd.DataFrame:
    """Point-in-time examples at weekly cutoffs: activity before, silence after."""
    rows = []
    for back in range(35, 180 - 42, 7):
        cutoff = pd.Timestamp(AS_OF) - pd.Timedelta(days=back)
        before = act[act["timestamp"] < cutoff]
        age = (cutoff - before["timestamp"]).dt.total_seconds() / 86400
        frame = pd.DataFrame(index=pd.RangeIndex(1, n_learners + 1, name="learner_id"))
        frame["last14"] = (age < 14).groupby(before["learner_id"]).sum()
        frame["prev28"] = ((age >= 14) & (age < 42)).groupby(before["learner_id"]).sum()
        frame["last28"] = (age < 28).groupby(before["learner_id"]).sum()
        frame["days_since"] = age.groupby(before["learner_id"]).min()
        quiz = before[(before["activity_type"] == "Quiz") & (age < 28)]
        frame["quiz"] = quiz.groupby("learner_id")["score"].mean()
        after = act[(act["timestamp"] >= cutoff)
                    & (act["timestamp"] < cutoff + pd.Timedelta(days=30))]
        frame["after"] = after.groupby("learner_id").size()
        frame = frame.fillna({"last14": 0, "prev28": 0, "last28": 0, "after": 0})
        frame["quiz"] = frame["quiz"].fillna(70.0)
        rows.append(frame[frame["last28"] > 0].assign(cutoff=back))
    examples = pd.concat(rows)
    examples["silent"] = examples["after"] == 0
    return examples


def test_declining_activity_precedes_disengagement(world: dict) -> None:
    ex = activity_examples(world["activity"], 600)
    declined = ex["last14"] < 0.5 * ex["prev28"] / 2
    rate_declined, rate_other = ex.loc[declined, "silent"].mean(), ex.loc[~declined,
                                                                           "silent"].mean()
    assert declined.sum() > 500
    assert rate_declined > 1.8 * rate_other and rate_declined - rate_other > 0.08, (
        rate_declined, rate_other)


def test_a_model_on_engagement_signals_beats_days_since_last_activity(world: dict) -> None:
    """Trend and quiz scores carry information that recency alone does not."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    ex = activity_examples(world["activity"], 600)
    ex["trend"] = (ex["last14"] - ex["prev28"] / 2) / (ex["last14"] + ex["prev28"] / 2 + 1)
    features = ["days_since", "last14", "last28", "prev28", "trend", "quiz"]
    test = ex.index.to_numpy() % 3 == 0  # hold out a third of the learners
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(ex.loc[~test, features], ex.loc[~test, "silent"])
    model_auc = roc_auc_score(ex.loc[test, "silent"],
                              model.predict_proba(ex.loc[test, features])[:, 1])
    recency_auc = roc_auc_score(ex.loc[test, "silent"], ex.loc[test, "days_since"])
    assert 0.6 < recency_auc < model_auc - 0.02, (recency_auc, model_auc)


def test_a_third_of_early_learners_disengage_within_the_window(world: dict) -> None:
    truth, act = world["learner_truth"], world["activity"]
    early = act.loc[act["timestamp"] < pd.Timestamp(AS_OF) - pd.Timedelta(days=152),
                    "learner_id"].unique()
    share = truth[truth["learner_id"].isin(early)]["disengaged_on"].notna().mean()
    assert 0.25 <= share <= 0.42, share


def test_learning_style_shapes_the_content_mix(world: dict) -> None:
    act = world["activity"]
    content = act[~act["activity_type"].isin(["Login", "Logout"])]
    share = content["activity_type"].isin(["Video", "VR"]).groupby(content["learner_id"]).mean()
    style = world["learner_truth"].set_index("learner_id")["learning_style"]
    by_style = share.groupby(style.reindex(share.index)).mean()
    assert by_style["Visual"] > by_style["Reading/Writing"] + 0.25, by_style
    assert by_style["Kinesthetic"] > by_style["Reading/Writing"]


def learner_levels(world: dict) -> pd.DataFrame:
    """Each learner's profile level (1..4) per catalog skill, from learner_skills + truth."""
    skills = read_table(world["engine"], "learner_skills",
                        ["skill_id", "learner_id", "skill_level", "source"])
    skills = skills.merge(world["skill_truth"][["skill_id", "skill_key"]], on="skill_id")
    skills["level"] = skills["skill_level"].map({s: i + 1 for i, s in enumerate(SKILL_LEVELS)})
    return skills


def test_enrolments_move_towards_the_goal_roles_missing_skills(world: dict) -> None:
    catalog = load_catalog()
    levels = learner_levels(world)
    profile = levels[levels["source"] != "Course"].groupby(["learner_id", "skill_key"])[
        "level"].max()
    goal = world["learner_truth"].set_index("learner_id")["goal_role_id"]
    required = catalog.roles.set_index("role_id")["required_skills"]
    order = {s: i + 1 for i, s in enumerate(SKILL_LEVELS)}
    missing: dict[int, set[str]] = {}
    for learner, role in goal.items():  # 600 learners x a few skills: test-sized
        missing[learner] = {r["skill"] for r in required[role]
                            if profile.get((learner, r["skill"]), 0) < order[r["level"]]}
    courses = catalog.courses[catalog.courses["is_active"]]
    teaches = dict(zip(courses["course_id"], courses["skills"].map(set), strict=True))
    enrol = read_table(world["engine"], "course_enrollments", ["learner_id", "course_id"])
    hit = [bool(teaches.get(c, set()) & missing[lr]) for lr, c in enrol.itertuples(index=False)]
    base = np.mean([np.mean([bool(s & missing[lr]) for s in teaches.values()])
                    for lr in missing])
    share = float(np.mean(hit))
    assert share > 0.4 and share > 5 * base, (share, base)


def test_quiz_scores_rise_with_skill_level(world: dict) -> None:
    """For quizzes of the same course level, learners with more of the course's skills
    score higher (their profile level, averaged over the course's skills, 0 = none)."""
    catalog = load_catalog()
    levels = learner_levels(world)
    profile = levels[levels["source"] != "Course"].groupby(["learner_id", "skill_key"])[
        "level"].max()
    courses = catalog.courses.set_index("course_id")
    course_level = courses["level"].map({"Beginner": 1, "Intermediate": 2, "Advanced": 3})
    quiz = world["activity"]
    quiz = quiz[(quiz["activity_type"] == "Quiz") & quiz["course_id"].notna()].copy()
    quiz["skills"] = quiz["course_id"].map(courses["skills"])
    exploded = quiz[["log_id", "learner_id", "skills"]].explode("skills")
    exploded["level"] = profile.reindex(pd.MultiIndex.from_arrays(
        [exploded["learner_id"], exploded["skills"]])).fillna(0).to_numpy()
    quiz["level"] = exploded.groupby("log_id")["level"].mean().reindex(quiz["log_id"]).to_numpy()
    quiz["above"] = quiz["level"] - quiz["course_id"].map(course_level)
    within = [np.corrcoef(g["level"], g["score"])[0, 1]
              for _, g in quiz.groupby(quiz["course_id"].map(course_level)) if len(g) > 100]
    assert len(within) == 3 and min(within) > 0.15, within
    assert np.corrcoef(quiz["above"], quiz["score"])[0, 1] > 0.3
    ahead = quiz.loc[quiz["above"] >= 0, "score"].mean()
    behind = quiz.loc[quiz["above"] <= -2, "score"].mean()
    assert ahead > behind + 10, (ahead, behind)


def test_xp_ledger_adds_up_to_the_rewards(world: dict) -> None:
    engine = world["engine"]
    with engine.connect() as conn:
        mismatches = conn.execute(text(
            "SELECT COUNT(*) FROM learner_rewards r LEFT JOIN (SELECT learner_id, SUM(points) p "
            "FROM learner_xp GROUP BY learner_id) x ON x.learner_id = r.learner_id "
            "WHERE r.xp_points <> COALESCE(x.p, 0)")).scalar_one()
        rewards = conn.execute(text("SELECT COUNT(*), SUM(xp_points) FROM learner_rewards")).one()
    assert mismatches == 0
    assert rewards[0] == 600 and rewards[1] > 600 * 100


def test_engagement_summary_matches_the_rows_it_summarises(world: dict) -> None:
    engine = world["engine"]
    eng = read_table(engine, "learner_engagement").set_index("learner_id")
    enrol = read_table(engine, "course_enrollments")
    posts = read_table(engine, "learner_discussion_activity")
    completed = enrol[enrol["status"] == "Completed"].groupby("learner_id").size()
    assert (eng["courses_completed"] == completed.reindex(eng.index).fillna(0)).all()
    assert (eng["discussion_posts"] == posts.groupby("learner_id").size()
            .reindex(eng.index).fillna(0)).all()
    assert eng["engagement_score"].between(0, 100).all()
    assert eng["engagement_score"].std() > 5


def test_streaks_are_the_current_run_of_active_days(world: dict) -> None:
    act = world["activity"]
    start = pd.Timestamp(AS_OF) - pd.Timedelta(days=180)
    day = ((act["timestamp"] - start).dt.total_seconds() // 86400).astype(int)
    active = set(zip(act["learner_id"], day, strict=True))

    def streak(learner: int) -> int:
        end = 179 if (learner, 179) in active else 178
        run = 0
        while (learner, end - run) in active:
            run += 1
        return run

    rewards = read_table(world["engine"], "learner_rewards").set_index("learner_id")
    expected = pd.Series({lr: streak(lr) for lr in rewards.index})  # 600 learners
    assert (rewards["streak_days"] == expected).all()
    assert (expected > 0).mean() > 0.1


def test_skill_names_are_messy_free_text_with_a_known_meaning(world: dict) -> None:
    skills = read_table(world["engine"], "learner_skills", ["skill_id", "learner_id",
                                                              "skill_name"])
    truth = world["skill_truth"]
    catalog = load_catalog()
    merged = skills.merge(truth, on=["skill_id", "learner_id", "skill_name"], how="left")
    assert merged["skill_key"].notna().all()
    assert merged["skill_key"].isin(catalog.skills["skill_key"]).all()
    canonical = catalog.skills.set_index("skill_key")["name"]
    non_canonical = (merged["skill_name"] != canonical.reindex(merged["skill_key"]).to_numpy())
    assert 0.3 <= non_canonical.mean() <= 0.7
    assert merged["skill_name"].nunique() > 2 * merged["skill_key"].nunique() * 0.5


def test_profile_tables_look_real(world: dict) -> None:
    engine = world["engine"]
    users = read_table(engine, "users")
    assert users["email"].str.match(r"^[a-z]+\.[a-z]+\+\d+@example\.org$").all()
    assert users["email"].is_unique
    learners = read_table(engine, "learners")
    assert learners["phone"].str.match(r"^\+\d{1,3} \d{3} \d{3} \d{4}$").all()
    assert learners["address_line1"].str.match(r"^\d+ \w+ \w+$").all()
    from zoneinfo import available_timezones
    assert set(learners["timezone"]) <= available_timezones()
    prefs = read_table(engine, "learner_preferences")
    assert 0.02 <= (prefs["ai_personalization_optin"] == 0).mean() <= 0.09
    assert 0.06 <= (prefs["privacy_consent"] == 0).mean() <= 0.15
    psy = read_table(engine, "learner_psychographics")
    assert set(psy["derived_from"]) == {"Survey", "Hybrid"}
    act = world["activity"]
    assert act["ip_address"].str.match(r"^\d+\.\d+\.\d+\.\d+$").all()
    assert act["user_agent"].str.startswith("Mozilla/5.0").all()
    ai = read_table(engine, "learner_ai_features")
    assert (ai["model_version"] == "seed-legacy").all() and 0.05 < len(ai) / 600 < 0.15


def test_social_and_feedback_signals_are_consistent(world: dict) -> None:
    engine = world["engine"]
    feedback = read_table(engine, "learner_feedback_responses")
    expected = np.select([feedback["rating"] >= 4, feedback["rating"] == 3],
                         ["Positive", "Neutral"], "Negative")
    assert (feedback["sentiment"] == expected).all()
    groups = read_table(engine, "learning_groups")
    members = read_table(engine, "learner_group_mapping")
    facilitators = members[members["role"] == "Facilitator"]
    assert set(zip(facilitators["group_id"], facilitators["learner_id"], strict=True)) == set(
        zip(groups["group_id"], groups["facilitator_id"], strict=True))
    assert (members["role"] == "Mentor").any()
    social = read_table(engine, "learner_social_interactions")
    persona = world["learner_truth"].set_index("learner_id")["persona"]
    sent = social.groupby("sender_id").size().reindex(persona.index).fillna(0)
    per_persona = sent.groupby(persona).mean()
    assert per_persona["Socializer"] > 3 * per_persona["Killer"], per_persona
    recs = read_table(engine, "learner_recommendations")
    assert set(recs["recommendation_type"]) == {"Course", "Skill", "Career", "Mentor", "Content"}
    assert set(recs["action_status"]) == {"Pending", "Clicked", "Ignored", "Completed"}
    good = recs["confidence_score"] >= 0.7
    taken = recs["action_status"].isin(["Clicked", "Completed"])
    assert taken[good].mean() > taken[~good].mean() + 0.15
