"""Publishing recommendations and career outputs, on SQLite and MariaDB: Pending rows are
replaced in place, history is kept, reruns change nothing, opted-out learners get none."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from recommend_fixtures import (
    AS_OF,
    COURSES,
    HashEncoder,
    fail_ranking_at,
    seed_small_database,
)
from sqlalchemy import insert, select

from features.publish_recommendations import (
    AI_MARK,
    publish_careers,
    publish_recommendation_run,
    publish_recommendations,
)
from features.recommendation_inputs import load_recommendation_data
from features.recommendation_report import UnknownLearnerError, format_recommendations
from features.schema import (
    Learner,
    LearnerAIFeatures,
    LearnerCareerPathway,
    LearnerRecommendation,
    User,
)
from models.career import (
    career_pathway_rows,
    career_prediction_json,
    course_for_skill_level,
    pathway_courses,
)
from models.recommend import recommend
from models.recommend_policy import RecommenderConfig

HISTORY = ("Clicked", "Ignored", "Completed")
COLUMNS = ["learner_id", "recommendation_type", "reference_id", "recommendation_reason",
           "confidence_score", "action_status", "created_on", "run_id", "model_version",
           "rec_rank"]


def learners(conn, *ids: int) -> None:
    conn.execute(insert(User), [{"id": i, "email": f"u{i}@example.org"} for i in ids])
    conn.execute(insert(Learner), [{"learner_id": i, "user_id": i} for i in ids])


def stored(engine) -> pd.DataFrame:
    table = LearnerRecommendation.__table__
    with engine.connect() as conn:
        result = conn.execute(select(*[table.c[c] for c in COLUMNS]))
        frame = pd.DataFrame(result.fetchall(), columns=COLUMNS)
    return frame.sort_values(COLUMNS[:3] + ["action_status"]).reset_index(drop=True)


def pathways(engine) -> list[tuple]:
    table = LearnerCareerPathway.__table__
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(
            table.c.learner_id, table.c.next_role, table.c.recommended_courses,
            table.c.gap_analysis, table.c.ai_confidence_score)).all())


def new_recs() -> pd.DataFrame:
    return pd.DataFrame({
        "learner_id": [1, 1, 3],
        "recommendation_type": ["Course", "Skill", "Course"],
        "reference_id": ["101", "sql", "104"],
        "rec_rank": [1, 1, 1],
        "confidence_score": [0.8123, 0.5, 0.9],
        "recommendation_reason": ["Teaches SQL.", "Needed for Data Analyst.", "x"],
    })


def test_pending_rows_are_replaced_and_history_kept(engine) -> None:
    old = AS_OF - dt.timedelta(days=3)
    with engine.begin() as conn:
        learners(conn, 1, 2, 3)
        conn.execute(insert(LearnerRecommendation), [
            {"learner_id": 1, "recommendation_type": "Course", "reference_id": "7",
             "action_status": status, "created_on": old, "model_version": "old"}
            for status in ("Pending", *HISTORY)] + [
            {"learner_id": 2, "recommendation_type": "Skill", "reference_id": "git",
             "action_status": "Pending", "created_on": old, "model_version": "old"}] + [
            {"learner_id": 3, "recommendation_type": "Course", "reference_id": "9",
             "action_status": status, "created_on": old, "model_version": "old"}
            for status in ("Pending", "Clicked")])

    counts = publish_recommendations(engine, new_recs(), learner_ids=[1, 2], run_id="run-1",
                                     model_version="learnerai-rec/1", as_of=AS_OF,
                                     opted_out=[3], chunk_learners=2)
    assert counts == {"deleted": 3, "inserted": 2, "kept": 0, "audit_recommendations": 0}
    rows = stored(engine)
    pending = rows[rows["action_status"] == "Pending"]
    assert pending[["learner_id", "reference_id", "rec_rank", "run_id", "model_version"]] \
        .values.tolist() == [[1, "101", 1, "run-1", "learnerai-rec/1"],
                             [1, "sql", 1, "run-1", "learnerai-rec/1"]]
    assert pending["confidence_score"].tolist() == [0.81, 0.5]
    assert all(pd.Timestamp(t) == pd.Timestamp(AS_OF) for t in pending["created_on"])
    history = rows[rows["action_status"] != "Pending"]
    assert sorted(map(tuple, history[["learner_id", "action_status"]].values.tolist())) == [
        (1, "Clicked"), (1, "Completed"), (1, "Ignored"), (3, "Clicked")]
    assert 3 not in pending["learner_id"].tolist()  # opted out: nothing new

    publish_recommendations(engine, new_recs(), learner_ids=[1, 2], run_id="run-1",
                            model_version="learnerai-rec/1", as_of=AS_OF, opted_out=[3])
    assert stored(engine).equals(rows)


def test_career_pathways_replace_only_ai_rows(engine) -> None:
    careers = pd.DataFrame({
        "current_role": ["Junior Data Analyst", None], "predicted_next_role": ["Data Analyst", None],
        "probability": [0.756, float("nan")], "gap_score": [0.8148, float("nan")],
        "missing_skills": [[{"skill_key": "sql", "required_level": "Advanced",
                             "current_level": "Intermediate", "weight": 0.9}], []],
        "goal_role": ["Data Analyst", None], "goal_gap_score": [0.8148, float("nan")],
    }, index=pd.Index([1, 2], name="learner_id"))
    pathways = career_pathway_rows(careers, pathway_courses(careers,
                                                            course_for_skill_level(COURSES)))
    with engine.begin() as conn:
        learners(conn, 1, 2)
        conn.execute(insert(LearnerCareerPathway), [
            {"learner_id": 1, "current_role": "Analyst", "next_role": "Lead",
             "gap_analysis": "Skills to build: SQL", "last_updated": AS_OF - dt.timedelta(days=9)},
            {"learner_id": 1, "current_role": "x", "next_role": "y",
             "gap_analysis": AI_MARK + ', "old": true}', "last_updated": AS_OF}])

    def publish() -> list[tuple]:
        publish_careers(engine, careers, pathways, career_prediction_json(careers),
                        learner_ids=[1, 2], run_id="run-1", model_version="m/1", as_of=AS_OF)
        table = LearnerCareerPathway.__table__
        with engine.connect() as conn:
            return sorted(conn.execute(select(
                table.c.learner_id, table.c["current_role"], table.c.next_role,
                table.c.recommended_courses, table.c.gap_analysis, table.c.ai_confidence_score)
            ).all(), key=lambda r: str(r.gap_analysis))

    first = publish()
    assert publish() == first  # a rerun changes nothing
    human, ai = first
    assert human.gap_analysis == "Skills to build: SQL"
    assert (ai.learner_id, ai._mapping["current_role"], ai.next_role) == (
        1, "Junior Data Analyst", "Data Analyst")
    assert json.loads(ai.recommended_courses) == [103]
    analysis = json.loads(ai.gap_analysis)
    assert ai.gap_analysis.startswith(AI_MARK)
    assert (analysis["run_id"], analysis["model_version"], analysis["gap_score"]) == (
        "run-1", "m/1", 0.8148)
    assert float(ai.ai_confidence_score) == 0.76
    with engine.connect() as conn:
        predictions = dict(conn.execute(select(LearnerAIFeatures.learner_id,
                                               LearnerAIFeatures.career_prediction)).all())
    assert predictions[1]["predicted_next_role"] == "Data Analyst"
    assert predictions[2]["predicted_next_role"] is None


def test_a_rerun_rewrites_only_the_careers_that_changed(engine) -> None:
    """An AI pathway that says what the run would write stays as it is (its row, its
    last_updated, the run that wrote it); a changed one is replaced; predictions are
    rewritten only where their text changes."""
    careers = pd.DataFrame({
        "current_role": ["Junior Data Analyst", "Analyst"],
        "predicted_next_role": ["Data Analyst", "Data Analyst"],
        "probability": [0.756, 0.5], "gap_score": [0.8148, 0.5],
        "missing_skills": [[{"skill_key": "sql", "required_level": "Advanced",
                             "current_level": "Intermediate", "weight": 0.9}], []],
        "goal_role": ["Data Analyst", None], "goal_gap_score": [0.8148, float("nan")],
    }, index=pd.Index([1, 2], name="learner_id"))
    with engine.begin() as conn:
        learners(conn, 1, 2)

    def publish(frame: pd.DataFrame, run_id: str, as_of: dt.datetime) -> dict[str, int]:
        paths = career_pathway_rows(frame, pathway_courses(frame,
                                                           course_for_skill_level(COURSES)))
        return publish_careers(engine, frame, paths, career_prediction_json(frame),
                               learner_ids=[1, 2], run_id=run_id, model_version="m/1",
                               as_of=as_of)

    def rows() -> dict[int, tuple]:
        table = LearnerCareerPathway.__table__
        with engine.connect() as conn:
            return {r.learner_id: (r.path_id, json.loads(r.gap_analysis)["run_id"],
                                   pd.Timestamp(r.last_updated))
                    for r in conn.execute(select(table))}

    yesterday = AS_OF - dt.timedelta(days=1)
    assert publish(careers, "run-1", yesterday) == {
        "pathways_deleted": 0, "pathways_inserted": 2, "pathways_kept": 0,
        "career_predictions": 2, "career_predictions_unchanged": 0}
    first = rows()
    assert publish(careers, "run-2", AS_OF) == {
        "pathways_deleted": 0, "pathways_inserted": 0, "pathways_kept": 2,
        "career_predictions": 0, "career_predictions_unchanged": 2}
    assert rows() == first and first[1][1:] == ("run-1", pd.Timestamp(yesterday))

    changed = careers.copy()
    changed.loc[2, "probability"] = 0.61
    assert publish(changed, "run-3", AS_OF) == {
        "pathways_deleted": 1, "pathways_inserted": 1, "pathways_kept": 1,
        "career_predictions": 1, "career_predictions_unchanged": 1}
    after = rows()
    assert after[1] == first[1]
    assert after[2][1:] == ("run-3", pd.Timestamp(AS_OF))
    with engine.connect() as conn:
        stored = dict(conn.execute(select(LearnerAIFeatures.learner_id,
                                          LearnerAIFeatures.career_prediction)).all())
    assert stored[2] == career_prediction_json(changed)[1]


def test_a_whole_run_from_the_database(engine) -> None:
    seed_small_database(engine)
    config = RecommenderConfig(top_n=3)

    def run_once() -> tuple[pd.DataFrame, dict]:
        data = load_recommendation_data(engine, HashEncoder(), None, AS_OF)
        counts = publish_recommendation_run(engine, data, run_id="run-7",
                                            model_version="learnerai-rec/1", as_of=AS_OF,
                                            config=config)
        return recommend(data.inputs, data.space, config), counts

    recs, counts = run_once()
    first, first_paths = stored(engine), pathways(engine)
    assert counts["inserted"] == len(recs) and counts["deleted"] == 1  # learner 1's old row
    assert counts["pathways_inserted"] == 4 and counts["career_predictions"] == 4
    _, again = run_once()
    assert stored(engine).equals(first)  # a rerun for the same as-of: same rows
    assert pathways(engine) == first_paths
    # Nothing changed: every row is kept as it was (rec_id too), none deleted or inserted.
    assert (again["kept"], again["deleted"], again["inserted"]) == (len(recs), 0, 0)
    assert (again["pathways_kept"], again["pathways_deleted"], again["pathways_inserted"]) \
        == (4, 0, 0)
    assert (again["career_predictions"], again["career_predictions_unchanged"]) == (0, 4)
    assert sorted(p[0] for p in first_paths) == [1, 2, 3, 4]  # none for opted-out 5

    # Learner 5 opted out: no recommendations, and nobody's mentor.
    assert 5 not in set(recs["learner_id"])
    mentors = recs[recs["recommendation_type"] == "Mentor"]
    assert "5" not in set(mentors["reference_id"])
    assert (mentors["reference_id"] != mentors["learner_id"].astype(str)).all()
    # 4: SQL Expert and Tableau Advanced, a group Mentor; 1: Excel Advanced.
    assert set(mentors["reference_id"]) == {"1", "4"}
    assert mentors[mentors["reference_id"] == "4"]["rec_rank"].eq(1).all()
    # Learner 1: the old Pending row is gone, the recently ignored course never returns,
    # the completed and current courses neither.
    mine = first[(first["learner_id"] == 1) & (first["action_status"] == "Pending")]
    assert set(mine["run_id"]) == {"run-7"}
    courses = set(mine.loc[mine["recommendation_type"] == "Course", "reference_id"])
    assert courses.isdisjoint({"101", "104", "108"}) and courses
    assert first[(first["learner_id"] == 1) & (first["action_status"] == "Ignored")].shape[0] == 1
    # Learner 2 completed the SQL skill recommendation: not suggested again.
    skills = first[(first["learner_id"] == 2) & (first["recommendation_type"] == "Skill")]
    assert "sql" not in set(skills.loc[skills["action_status"] == "Pending", "reference_id"])
    # Learner 1's weak spot (quiz average 45% in Tableau Dashboards) leads the content.
    content = recs[(recs["learner_id"] == 1) & (recs["recommendation_type"] == "Content")]
    assert content.iloc[0]["evidence"]["quiz_accuracy"] == 45.0

    text = format_recommendations(engine, 1)
    lines = text.splitlines()
    assert lines[0].startswith("Recommendations for learner 1 — run run-7, model "
                               "learnerai-rec/1, made 2026-03-01")
    assert lines[1] == "Course" and "History (latest 1)" in lines
    assert lines[-1].endswith("Ignored   Course  SQL Basics (101)")
    with pytest.raises(UnknownLearnerError):
        format_recommendations(engine, 99)
    assert format_recommendations(engine, 5) == "Learner 5 has no recommendations yet."


def test_ranking_ahead_of_publishing_changes_nothing_and_stops_on_error(engine,
                                                                       monkeypatch) -> None:
    """Later chunks are ranked while this one is published: the rows are those of a
    one-chunk run, and a ranking error stops the run after the chunks already done."""
    seed_small_database(engine)
    data = load_recommendation_data(engine, HashEncoder(), None, AS_OF)

    def run(chunk_size: int) -> dict:
        return publish_recommendation_run(engine, data, run_id="run-8",
                                          model_version="learnerai-rec/1", as_of=AS_OF,
                                          config=RecommenderConfig(top_n=3,
                                                                   chunk_size=chunk_size))

    run(1000)
    whole = stored(engine)
    counts = run(1)  # four learners, four chunks: three ranked ahead in the helper
    assert stored(engine).equals(whole)
    assert counts["inserted"] + counts["kept"] == int((whole["run_id"] == "run-8").sum())

    fail_ranking_at(monkeypatch, 2, RuntimeError("ranking failed on the third chunk"))
    with engine.begin() as conn:
        conn.execute(LearnerRecommendation.__table__.delete().where(
            LearnerRecommendation.__table__.c.action_status == "Pending"))
    with pytest.raises(RuntimeError, match="third chunk"):
        run(1)
    published = stored(engine)
    pending = published[published["action_status"] == "Pending"]
    ids = data.inputs.learner_ids.tolist()
    assert set(pending["learner_id"]) == set(ids[:2])  # chunks 1 and 2 only


def test_any_text_survives_the_bulk_insert(engine) -> None:
    tricky = ["It's 100% \\ \"quoted\"; DROP TABLE x; -- naïve 🚀", "%s %(x)s \\' \n\t end"]
    recs = pd.DataFrame({"learner_id": [1, 1], "recommendation_type": ["Course", "Skill"],
                         "reference_id": ["O'Reilly", "c++\\"], "rec_rank": [1, 1],
                         "confidence_score": [0.5, None], "recommendation_reason": tricky})
    with engine.begin() as conn:
        learners(conn, 1)
    publish_recommendations(engine, recs, learner_ids=[1], run_id="r'1", model_version="m",
                            as_of=AS_OF)
    rows = stored(engine)
    assert rows["recommendation_reason"].tolist() == tricky
    assert rows["reference_id"].tolist() == ["O'Reilly", "c++\\"]
    assert rows["run_id"].tolist() == ["r'1", "r'1"]
    assert rows["confidence_score"].isna().tolist() == [False, True]
    # The database hashes the stored rows as the run hashes its own: a rerun keeps both.
    again = publish_recommendations(engine, recs, learner_ids=[1], run_id="r'2",
                                    model_version="m", as_of=AS_OF)
    assert (again["kept"], again["inserted"], again["deleted"]) == (2, 0, 0)


def test_population_from_the_features_stage_reads_equals_its_own(engine) -> None:
    """A full nightly run hands the features stage's profile and skill rows to the
    recommendations stage: the population is the one it would read itself."""
    from features.learner_features import compute_learner_features
    from features.recommendation_inputs import load_population

    seed_small_database(engine)
    encoder = HashEncoder()
    feature_set = compute_learner_features(engine, AS_OF, encoder)
    assert len(feature_set.raw_skill_rows) and "skill_key" not in feature_set.raw_skill_rows
    own = load_population(engine, encoder, None, AS_OF)
    handed = load_population(engine, encoder, None, AS_OF, profile=feature_set.profile,
                             skill_rows=feature_set.raw_skill_rows)
    pd.testing.assert_frame_equal(handed.profile, own.profile)
    assert (handed.everyone.learner_ids == own.everyone.learner_ids).all()
    assert handed.everyone.learner_ids.tolist() == [1, 2, 3, 4]  # 5 opted out
    assert (handed.everyone.levels != own.everyone.levels).nnz == 0  # sparse matrices
    assert own.everyone.levels.nnz > 0
    pd.testing.assert_frame_equal(handed.everyone.careers, own.everyone.careers)


def test_a_run_for_some_learners_reads_only_their_histories_and_ranks_the_same(
        engine) -> None:
    """An incremental run loads the population without everyone's enrolments and
    feedback (mentors need only Mentor feedback): what it publishes is unchanged."""
    from features.recommendation_inputs import (
        load_population,
        population_statistics,
        recommendation_data,
    )
    from models.recommend import population_mentors

    seed_small_database(engine)
    with engine.begin() as conn:  # learner 1 turned mentor 4 down: never offered again
        conn.execute(insert(LearnerRecommendation).values(
            learner_id=1, recommendation_type="Mentor", reference_id="4",
            action_status="Ignored", created_on=AS_OF - dt.timedelta(days=3),
            model_version="old"))
    encoder, config, some = HashEncoder(), RecommenderConfig(top_n=3), [1, 2]
    full = load_population(engine, encoder, None, AS_OF)
    lean = load_population(engine, encoder, None, AS_OF, full_histories=False)
    assert len(full.everyone.enrollments) > 0 and lean.everyone.enrollments.empty
    assert set(full.everyone.feedback["recommendation_type"]) == {"Course", "Skill", "Mentor"}
    assert set(lean.everyone.feedback["recommendation_type"]) == {"Mentor"}
    # Fitting the statistics reads everyone's histories first: the same arrays.
    fitted = [population_statistics(engine, p, AS_OF, refit=True)[0].to_arrays()
              for p in (full, lean)]
    assert fitted[0].keys() == fitted[1].keys()
    for key in fitted[0]:
        np.testing.assert_array_equal(fitted[0][key], fitted[1][key])
    stats = population_statistics(engine, full, AS_OF)[0]
    mentors = population_mentors(full.everyone, full.space, config)
    pd.testing.assert_frame_equal(population_mentors(lean.everyone, lean.space, config),
                                  mentors)
    assert not ((mentors["learner_id"] == 1) & (mentors["mentor_id"] == 4)).any()

    published = []
    for population in (full, lean):
        data = recommendation_data(engine, encoder, population, AS_OF, some, stats, mentors)
        publish_recommendation_run(engine, data, run_id="r", model_version="m", as_of=AS_OF,
                                   config=config)
        published.append(stored(engine))
    pd.testing.assert_frame_equal(published[0], published[1])
    pending = published[1][published[1]["action_status"] == "Pending"]
    assert set(pending["learner_id"]) == set(some)
    # Learner 1's recently ignored course stays out: their own feedback was read.
    assert "101" not in set(pending.loc[pending["learner_id"] == 1, "reference_id"])
    # Without stored statistics the run fits them, on everyone's histories.
    data = recommendation_data(engine, encoder, lean, AS_OF, some)
    assert len(data.inputs.enrollments) == len(full.everyone.enrollments)


def test_replaced_lists_are_audited_from_the_rows_replaced(engine) -> None:
    from features.audit import top_lists
    from features.publish_recommendations import pending_rows, top_rows
    from features.schema import LearnerAuditLog

    old = AS_OF - dt.timedelta(days=3)
    with engine.begin() as conn:
        learners(conn, 1, 2, 3)
        conn.execute(insert(LearnerRecommendation), [
            {"learner_id": learner, "recommendation_type": kind, "reference_id": ref,
             "action_status": status, "created_on": old, "rec_rank": rank}
            for learner, kind, ref, status, rank in [
                (1, "Course", "105", "Pending", 2), (1, "Course", "104", "Pending", 1),
                (1, "Course", "199", "Pending", 4),  # below the audited top 3
                (1, "Course", "7", "Clicked", 1), (2, "Skill", "git", "Pending", 1),
                (3, "Course", "104", "Pending", 1)]])
    with engine.connect() as conn:
        pending = pending_rows(conn, [1, 2])
        assert len(pending) == 4 and pending["content_hash"].str.len().eq(32).all()
        assert top_lists(top_rows(conn, pending["rec_id"].tolist())) == {
            1: {"Course": ["104", "105"]}, 2: {"Skill": ["git"]}}

    recs = new_recs().assign(reference_id=["104", "sql", "104"])
    counts = publish_recommendations(engine, recs, learner_ids=[1, 2, 3], run_id="run-2",
                                     model_version="learnerai-rec/1", as_of=AS_OF,
                                     audit_by="nightly-run-2")
    assert counts == {"deleted": 5, "inserted": 3, "kept": 0, "audit_recommendations": 2}
    with engine.connect() as conn:
        audit = {r.learner_id: (r.old_value, r.new_value) for r in conn.execute(
            select(LearnerAuditLog).where(LearnerAuditLog.action_by == "nightly-run-2"))}
    assert set(audit) == {1, 2}  # learner 3's top is unchanged: no row
    assert json.loads(audit[1][0]) == {"Course": ["104", "105"]}
    assert json.loads(audit[1][1]) == {"Course": ["104"], "Skill": ["sql"]}
    assert json.loads(audit[2][0]) == {"Skill": ["git"]} and audit[2][1] is None
    assert stored(engine)["action_status"].tolist().count("Clicked") == 1


def rec_ids(engine) -> dict[tuple, int]:
    """(learner, type, reference, rank) -> rec_id of the Pending rows."""
    t = LearnerRecommendation.__table__.c
    with engine.connect() as conn:
        return {(r.learner_id, r.recommendation_type, r.reference_id, r.rec_rank): r.rec_id
                for r in conn.execute(select(t.rec_id, t.learner_id, t.recommendation_type,
                                             t.reference_id, t.rec_rank)
                                      .where(t.action_status == "Pending"))}


def test_only_changed_rows_are_written_and_the_others_keep_their_rec_id(engine) -> None:
    """A rerun writes only what changed; the tables end as a delete-and-insert would
    leave them, except that unchanged rows keep their rec_id."""
    with engine.begin() as conn:
        learners(conn, 1, 2)
    yesterday = AS_OF - dt.timedelta(days=1)
    first = pd.DataFrame({
        "learner_id": [1, 1, 1, 2, 2],
        "recommendation_type": ["Course", "Course", "Skill", "Course", "Course"],
        "reference_id": ["101", "102", "sql", "101", "103"],
        "rec_rank": [1, 2, 1, 1, 2],
        "confidence_score": [0.8123, 0.7, 0.5, 0.6, np.nan],
        "recommendation_reason": ["a", "b", "c", "d", "e"]})
    publish_recommendations(engine, first, learner_ids=[1, 2], run_id="run-1",
                            model_version="m/1", as_of=yesterday)
    before = rec_ids(engine)

    second = first.copy()
    second.loc[1, "recommendation_reason"] = "b, for another reason"    # changed
    second.loc[2, "confidence_score"] = 0.504    # rounds to the stored 0.50: the same row
    second.loc[3, "confidence_score"] = 0.61     # changed
    second = pd.concat([second.drop(index=4), pd.DataFrame({  # learner 2's rank 2 moves
        "learner_id": [2], "recommendation_type": ["Content"], "reference_id": ["7"],
        "rec_rank": [2], "confidence_score": [0.3], "recommendation_reason": ["f"]})])
    counts = publish_recommendations(engine, second, learner_ids=[1, 2], run_id="run-2",
                                     model_version="m/1", as_of=AS_OF, audit_by="run-2")
    assert counts == {"deleted": 3, "inserted": 3, "kept": 2, "audit_recommendations": 1}
    after = rec_ids(engine)
    assert after[(1, "Course", "101", 1)] == before[(1, "Course", "101", 1)]
    assert after[(1, "Skill", "sql", 1)] == before[(1, "Skill", "sql", 1)]
    assert set(after) == {(1, "Course", "101", 1), (1, "Course", "102", 2),
                          (1, "Skill", "sql", 1), (2, "Course", "101", 1),
                          (2, "Content", "7", 2)}
    # Every Pending row now says what this run says, stamped with this run.
    rows = stored(engine)
    assert set(rows["run_id"]) == {"run-2"} and set(rows["model_version"]) == {"m/1"}
    assert all(pd.Timestamp(t) == pd.Timestamp(AS_OF) for t in rows["created_on"])
    assert dict(zip(rows["reference_id"] + "/" + rows["learner_id"].astype(str),
                    rows["recommendation_reason"], strict=True)) == {
        "101/1": "a", "102/1": "b, for another reason", "sql/1": "c", "101/2": "d",
        "7/2": "f"}
    assert float(rows.loc[rows["reference_id"] == "sql", "confidence_score"].iloc[0]) == 0.5

    # Another model version writes everything again.
    counts = publish_recommendations(engine, second, learner_ids=[1, 2], run_id="run-3",
                                     model_version="m/2", as_of=AS_OF)
    assert (counts["kept"], counts["deleted"], counts["inserted"]) == (0, 5, 5)
    assert set(stored(engine)["model_version"]) == {"m/2"}


def test_unchanged_rows_pair_one_to_one() -> None:
    from features.publish_recommendations import row_hashes, unchanged_rows

    fresh = pd.DataFrame({
        "learner_id": [1, 1, 2], "recommendation_type": ["Course"] * 3,
        "reference_id": ["5", None, "6"], "rec_rank": [1, 2, 1],
        "confidence_score": [0.4951, np.nan, 0.7], "recommendation_reason": ["r", None, "s"]})
    hashes = row_hashes(fresh, "m")
    assert len(set(hashes)) == 3 and row_hashes(fresh, "other") != hashes
    # 0.4951 is stored as 0.50: the same row as a fresh 0.5.
    assert row_hashes(fresh.assign(confidence_score=[0.5, np.nan, 0.7]), "m") == hashes
    # A NULL reference and the text of the NULL mark differ.
    assert row_hashes(fresh.assign(reference_id=["5", "", "6"]), "m")[1] != hashes[1]
    stored_rows = pd.DataFrame({"rec_id": [10, 11, 12, 13],
                                "content_hash": [hashes[0], hashes[0], "x", hashes[2]]})
    keep_old, keep_new = unchanged_rows(stored_rows, hashes)
    # Two identical stored rows, one fresh: one is kept, the other deleted.
    assert keep_old.tolist() == [True, False, False, True]
    assert keep_new.tolist() == [True, False, True]


def test_an_unchanged_list_is_settled_by_its_digest(engine, monkeypatch) -> None:
    """The database's per-learner digest of the stored list equals the run's own for the
    same rows, on both backends; a rerun whose lists did not change reads no row hashes,
    and one whose list changed reads only that learner's."""
    import features.publish_recommendations as publishing

    with engine.begin() as conn:
        learners(conn, 1, 2, 3)
    recs = pd.DataFrame({
        "learner_id": [1, 1, 2, 2, 2, 3],
        "recommendation_type": ["Course", "Skill", "Course", "Course", "Mentor", "Course"],
        "reference_id": ["101", "sql", "101", "103", "1", None],
        "rec_rank": [1, 1, 1, 2, 1, 1],
        "confidence_score": [0.8123, np.nan, 0.6, 0.55, 0.3, 0.2],
        "recommendation_reason": ["a", "b", None, "é — ünïcode 'quoted'", "m", "x"]})
    publish_recommendations(engine, recs, learner_ids=[1, 2, 3], run_id="run-1",
                            model_version="m/1", as_of=AS_OF)
    fresh = publishing.list_digests(recs["learner_id"].to_numpy(),
                                    publishing.row_hashes(recs, "m/1"))
    with engine.connect() as conn:
        stored_digests = publishing.pending_digests(conn, [1, 2, 3])
    pd.testing.assert_frame_equal(stored_digests.sort_index(), fresh.sort_index(),
                                  check_names=False)
    assert fresh.loc[2, "rows"] == 3 and fresh["digest"].nunique() == 3

    read_for = []
    real_pending_rows = publishing.pending_rows
    monkeypatch.setattr(publishing, "pending_rows",
                        lambda conn, ids: read_for.append(list(ids)) or
                        real_pending_rows(conn, ids))
    counts = publish_recommendations(engine, recs, learner_ids=[1, 2, 3], run_id="run-2",
                                     model_version="m/1", as_of=AS_OF)
    assert counts == {"deleted": 0, "inserted": 0, "kept": 6, "audit_recommendations": 0}
    assert read_for == []

    changed = recs.copy()
    changed.loc[3, "rec_rank"] = 3
    counts = publish_recommendations(engine, changed, learner_ids=[1, 2, 3], run_id="run-3",
                                     model_version="m/1", as_of=AS_OF)
    assert counts == {"deleted": 1, "inserted": 1, "kept": 5, "audit_recommendations": 0}
    assert read_for == [[2]]
    assert set(stored(engine)["run_id"]) == {"run-3"}
