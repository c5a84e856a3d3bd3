"""The OULAD import on a consistent subset (both databases) and, on SQLite, in full.

The subset is cut from the read-only copy in ``../shared/datasets/oulad`` into
a temporary folder: modules AAA and BBB, the first students of each module in
file order plus a few chosen for their cases, every row of theirs in those
modules, filtered the same way in every file.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, insert, select

from features.engine import make_engine
from features.errors import LearnerAIError
from features.oulad import (
    OULAD_FILES,
    OuladAlreadyImportedError,
    OuladError,
    OuladFilesNotFoundError,
    import_oulad,
    map_oulad,
    oulad_presentations,
    read_oulad,
)
from features.schema import (
    Course,
    CourseEnrollment,
    Learner,
    LearnerActivityLog,
    LearnerEducation,
    LearnerPreferences,
    User,
)
from tests.conftest import SHARED_DIR

OULAD_DIR = SHARED_DIR / "datasets" / "oulad"
MODULES = ("AAA", "BBB")
FIRST_STUDENTS_PER_MODULE = 15
CHOSEN = {
    11391: "AAA 2013J Pass; submission of 1752 on day 18 scored 78",
    30268: "AAA 2013J unregistered on day 12, disability Y",
    65002: "AAA 2013J Withdrawn and AAA 2014J Fail: one learner, two enrolments",
    721259: "AAA 2013J submission with score '?'",
    603861: "AAA 2014J banked submission",
    2512349: "BBB 2014B Withdrawn without date_unregistration nor any submission",
    675671: "BBB 2014J Withdrawn without date_unregistration, last submission on day 17",
    630346: "BBB 2013B Fail without date_registration",
}

needs_oulad = pytest.mark.skipif(
    not (OULAD_DIR / "studentInfo.csv").is_file(),
    reason=f"OULAD not found at {OULAD_DIR} (the shared dataset folder): OULAD tests skipped",
)
pytestmark = needs_oulad


def _at(day: str, hour: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day) + dt.timedelta(hours=hour)


@pytest.fixture(scope="module")
def subset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The subset's five CSV files, consistently filtered (text in, text out)."""
    target = tmp_path_factory.mktemp("oulad_subset")
    read = {name: pd.read_csv(OULAD_DIR / name, dtype=str, keep_default_na=False)
            for name in OULAD_FILES}
    info = read["studentInfo.csv"]
    info = info[info["code_module"].isin(MODULES)]
    first = info.drop_duplicates(["code_module", "id_student"]).groupby("code_module").head(
        FIRST_STUDENTS_PER_MODULE)["id_student"]
    students = set(first) | {str(s) for s in CHOSEN}
    assessments = read["assessments.csv"]
    assessments = assessments[assessments["code_module"].isin(MODULES)]
    subset = {
        "courses.csv": read["courses.csv"][read["courses.csv"]["code_module"].isin(MODULES)],
        "assessments.csv": assessments,
    }
    for name in ("studentInfo.csv", "studentRegistration.csv"):
        frame = read[name]
        subset[name] = frame[frame["code_module"].isin(MODULES)
                             & frame["id_student"].isin(students)]
    sa = read["studentAssessment.csv"]
    subset["studentAssessment.csv"] = sa[sa["id_student"].isin(students)
                                         & sa["id_assessment"].isin(assessments["id_assessment"])]
    for name, frame in subset.items():
        frame.to_csv(target / name, index=False)
    return target


@pytest.fixture(scope="module")
def subset(subset_dir: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(subset_dir / name) for name in OULAD_FILES}


@pytest.fixture
def imported(engine: Engine, subset_dir: Path):
    return import_oulad(engine, subset_dir)


def _learner(conn, id_student: int) -> dict:
    u, lr = User.__table__.c, Learner.__table__.c
    row = conn.execute(select(Learner.__table__).join(User.__table__, u.id == lr.user_id)
                       .where(u.email == f"oulad-{id_student}@example.invalid")).mappings().one()
    return dict(row)


def _enrolments(conn, learner_id: int) -> list[dict]:
    e = CourseEnrollment.__table__.c
    rows = conn.execute(select(CourseEnrollment.__table__).where(e.learner_id == learner_id)
                        .order_by(e.course_id)).mappings().all()
    return [dict(r) for r in rows]


def _count(conn, table) -> int:
    return conn.execute(select(func.count()).select_from(table.__table__)).scalar_one()


# ------------------------------------------------------------------ subset, both DBs


def test_counts_and_presentations(engine, imported, subset):
    info = subset["studentInfo.csv"]
    assert imported.skipped == {}
    assert imported.read["studentAssessment.csv"] == len(subset["studentAssessment.csv"])
    expected = {
        "courses": 6, "users": info["id_student"].nunique(),
        "learners": info["id_student"].nunique(),
        "learner_education": info["id_student"].nunique(),
        "learner_preferences": info[info["disability"] == "Y"]["id_student"].nunique(),
        "course_enrollments": len(info),
        "learner_activity_log": len(subset["studentAssessment.csv"]),
    }
    assert imported.rows == expected
    with engine.connect() as conn:
        for table in (Course, User, Learner, LearnerEducation, LearnerPreferences,
                      CourseEnrollment, LearnerActivityLog):
            assert _count(conn, table) == expected[table.__tablename__]
        titles = conn.execute(select(Course.title).order_by(Course.course_id)).scalars().all()
    assert titles == ["OULAD AAA 2013J", "OULAD AAA 2014J", "OULAD BBB 2013B",
                      "OULAD BBB 2013J", "OULAD BBB 2014B", "OULAD BBB 2014J"]
    unknown_scores = int((subset["studentAssessment.csv"]["score"].astype(str) == "?").sum())
    assert unknown_scores >= 1
    assert imported.notes["score missing ('?' or empty): NULL score"] == unknown_scores
    assert imported.notes["banked submission kept, dated day -1 and marked '(banked)'"] >= 1

    presentations = oulad_presentations(engine)
    assert list(presentations.columns) == ["course_id", "code_module", "code_presentation",
                                           "start", "length_days"]
    assert presentations["course_id"].tolist() == list(range(100001, 100007))
    first = presentations.iloc[0].to_dict()
    assert first == {"course_id": 100001, "code_module": "AAA", "code_presentation": "2013J",
                     "start": pd.Timestamp("2013-10-01"), "length_days": 268}
    bbb = presentations.set_index("code_presentation").loc["2014B"]
    assert (bbb["start"], bbb["length_days"]) == (pd.Timestamp("2014-02-01"), 234)


def test_student_11391_pass_and_submission(engine, imported):
    with engine.connect() as conn:
        learner = _learner(conn, 11391)
        enrolments = _enrolments(conn, learner["learner_id"])
        education = conn.execute(select(LearnerEducation.__table__).where(
            LearnerEducation.learner_id == learner["learner_id"])).mappings().one()
        has_prefs = conn.execute(select(func.count()).where(
            LearnerPreferences.learner_id == learner["learner_id"])).scalar_one()
        course = conn.execute(select(Course.__table__).where(
            Course.course_id == 100001)).mappings().one()
        a = LearnerActivityLog.__table__.c
        logs = conn.execute(select(LearnerActivityLog.__table__).where(
            a.learner_id == learner["learner_id"]).order_by(a.timestamp)).mappings().all()

    assert learner["gender"] == "Male"
    assert learner["state"] == "East Anglian Region"
    assert (learner["country"], learner["timezone"]) == ("United Kingdom", "Europe/London")
    assert learner["dob"] == dt.date(1953, 10, 1)          # 55<= -> 60 at 2013-10-01
    assert learner["registration_date"] == _at("2013-04-25")  # 2013-10-01 - 159 days
    assert education["qualification"] == "HE Qualification"
    assert education["achievements"] == "OULAD imd_band: 90-100%"
    assert has_prefs == 0

    assert len(enrolments) == 1
    enrolment = enrolments[0]
    assert enrolment["course_id"] == 100001
    assert enrolment["status"] == "Completed"
    assert enrolment["enrolled_on"] == _at("2013-04-25")
    assert enrolment["completed_on"] == _at("2014-06-26")   # 2013-10-01 + 268 days
    assert enrolment["unenrolled_on"] is None
    # (78*10 + 85*20 + 80*20 + 85*20 + 82*30) / 100
    assert enrolment["final_score"] == pytest.approx(82.40)

    assert course["title"] == "OULAD AAA 2013J"
    assert "module AAA, presentation 2013J" in course["description"]
    assert "runs 268 days" in course["description"]
    assert course["is_active"] == 0
    assert course["duration_hours"] == pytest.approx(round(268 / 7 * 16, 2))

    assert len(logs) == 5
    first = logs[0]
    assert first["timestamp"] == _at("2013-10-19", 12)      # day 18 at 12:00
    assert first["activity_type"] == "Assignment"           # TMA
    assert first["module_name"] == "TMA 1752"
    assert first["score"] == pytest.approx(78)
    assert first["course_id"] == 100001
    assert first["duration_seconds"] is None
    assert {r["activity_type"] for r in logs} == {"Assignment"}


def test_withdrawals_and_one_learner_per_student(engine, imported):
    with engine.connect() as conn:
        withdrawn = _learner(conn, 30268)
        [w] = _enrolments(conn, withdrawn["learner_id"])
        prefs = conn.execute(select(LearnerPreferences.__table__).where(
            LearnerPreferences.learner_id == withdrawn["learner_id"])).mappings().one()
        twice = _learner(conn, 65002)
        both = _enrolments(conn, twice["learner_id"])
        estimated = _enrolments(conn, _learner(conn, 675671)["learner_id"])[0]
        no_trace = _enrolments(conn, _learner(conn, 2512349)["learner_id"])[0]
        no_reg_date = _enrolments(conn, _learner(conn, 630346)["learner_id"])[0]
        a = LearnerActivityLog.__table__.c
        unknown_score = conn.execute(select(a.score).where(
            a.learner_id == _learner(conn, 721259)["learner_id"],
            a.module_name == "TMA 1752")).scalar_one()
        banked = conn.execute(select(a.timestamp, a.module_name).where(
            a.learner_id == _learner(conn, 603861)["learner_id"],
            a.module_name.like("% (banked)"))).all()

    assert w["status"] == "Withdrawn"
    assert w["unenrolled_on"] == _at("2013-10-13")          # day 12
    assert w["enrolled_on"] == _at("2013-07-01")            # day -92
    assert w["completed_on"] is None
    assert withdrawn["gender"] == "Female"
    assert withdrawn["dob"] == dt.date(1973, 10, 1)         # 35-55 -> 40
    assert prefs["accessibility_needs"].startswith("Declared a disability")
    assert prefs["preferred_content_format"] is None        # no invented preferences
    assert prefs["ai_personalization_optin"] is None

    assert [(e["course_id"], e["status"]) for e in both] == [(100001, "Withdrawn"),
                                                              (100002, "Failed")]
    assert both[0]["unenrolled_on"] == _at("2014-01-05")    # 2013-10-01 + 96
    assert both[1]["completed_on"] == _at("2015-06-27")     # 2014-10-01 + 269
    assert twice["dob"] == dt.date(1983, 10, 1)             # 0-35 -> 30 at first start

    # Withdrawn without a date: the day after the last submission, else the start.
    assert estimated["status"] == "Withdrawn"
    assert estimated["unenrolled_on"] == _at("2014-10-19")  # 2014-10-01 + 17 + 1
    assert (no_trace["status"], no_trace["unenrolled_on"]) == ("Withdrawn",
                                                               _at("2014-02-01"))
    # No registration day: enrolled at the start of BBB 2013B.
    assert (no_reg_date["status"], no_reg_date["enrolled_on"]) == ("Failed",
                                                                   _at("2013-02-01"))
    assert unknown_score is None
    assert [m for _, m in banked] and all(t == _at("2014-09-30", 12) for t, _ in banked)


def test_refuses_a_second_import(engine, imported, subset_dir):
    with pytest.raises(OuladAlreadyImportedError, match="already imported"):
        import_oulad(engine, subset_dir)
    with engine.connect() as conn:
        assert _count(conn, CourseEnrollment) == imported.rows["course_enrollments"]
        assert _count(conn, LearnerActivityLog) == imported.rows["learner_activity_log"]


def test_reserved_course_ids_in_use_leaves_nothing(engine, subset_dir):
    with engine.begin() as conn:
        conn.execute(insert(Course), [{"course_id": 100003, "title": "Someone else's"}])
    with pytest.raises(OuladError, match="reserved for OULAD"):
        import_oulad(engine, subset_dir)
    with engine.connect() as conn:
        assert _count(conn, Course) == 1
        assert _count(conn, User) == 0


def test_unmappable_rows_are_counted_by_reason(engine, subset_dir, tmp_path):
    for name in OULAD_FILES:
        shutil.copyfile(subset_dir / name, tmp_path / name)
    with open(tmp_path / "studentAssessment.csv", "a") as f:
        f.write("999999,11391,20,0,50\n")     # unknown assessment
        f.write("1752,28400,x,0,50\n")        # bad day
        f.write("1752,11391,20,0,150\n")      # score out of range
        f.write("14991,11391,20,0,50\n")      # 11391 never registered on BBB 2013B
    with open(tmp_path / "studentInfo.csv", "a") as f:
        f.write("ZZZ,2013J,42,M,Wales,HE Qualification,0-10%,0-35,0,60,N,Pass\n")
        f.write("AAA,2013J,43,M,Wales,HE Qualification,0-10%,0-35,0,60,N,Maybe\n")
    with open(tmp_path / "studentRegistration.csv", "a") as f:
        f.write("AAA,2013J,44,-10,\n")        # no studentInfo row

    report = import_oulad(engine, tmp_path)
    assert report.skipped == {
        "studentAssessment.csv": {
            "unknown id_assessment (not in assessments.csv, or not mapped)": 1,
            "id_assessment, id_student or date_submitted missing or not a whole number": 1,
            "score not a number between 0 and 100": 1,
            "the student has no mapped registration on the assessment's presentation": 1,
        },
        "studentInfo.csv": {
            "unknown module presentation (not in courses.csv)": 1,
            "final_result not Pass, Distinction, Fail or Withdrawn": 1,
        },
        "studentRegistration.csv": {"no studentInfo row for the student and presentation": 1},
    }
    assert (report.rows["learner_activity_log"] + report.skipped_total("studentAssessment.csv")
            == report.read["studentAssessment.csv"])
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).where(
            User.email.in_(["oulad-42@example.invalid", "oulad-43@example.invalid",
                            "oulad-44@example.invalid"]))).scalar_one() == 0


# --------------------------------------------------------------------- no database


def test_missing_folder_is_a_clear_error(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(OuladFilesNotFoundError) as caught:
        import_oulad(make_engine("sqlite://"), missing)
    message = str(caught.value)
    assert isinstance(caught.value, LearnerAIError)
    assert message.startswith(f"OULAD files not found in {missing}: expected studentInfo.csv, ")
    assert "(the dataset lives in ../shared/datasets/oulad)" in message

    (tmp_path / "courses.csv").write_text("code_module,code_presentation,"
                                          "module_presentation_length\n")
    with pytest.raises(OuladFilesNotFoundError, match="missing studentInfo.csv"):
        read_oulad(tmp_path)


def test_start_dates_can_be_overridden(subset_dir):
    files = read_oulad(subset_dir)
    mapping = map_oulad(files, start_dates={"2013J": "2013-10-05",
                                            ("AAA", "2013J"): dt.date(2013, 9, 28)})
    starts = mapping.presentations.set_index(["code_module", "code_presentation"])["start"]
    assert starts[("AAA", "2013J")] == pd.Timestamp("2013-09-28")
    assert starts[("BBB", "2013J")] == pd.Timestamp("2013-10-05")
    assert starts[("BBB", "2013B")] == pd.Timestamp("2013-02-01")
    activity = mapping.tables["learner_activity_log"]
    first = activity[activity["module_name"] == "TMA 1752"]["timestamp"].min()
    assert first >= pd.Timestamp("2013-09-28")


def test_dob_fits_every_presentations_age_band():
    """0-35 at the 2013J start and 35-55 at the 2014J start: 35th birthday in between."""
    def frame(header: str, *rows: str) -> pd.DataFrame:
        return pd.DataFrame([r.split(",") for r in rows], columns=header.split(","))

    files = {
        "courses.csv": frame("code_module,code_presentation,module_presentation_length",
                             "AAA,2013J,268", "AAA,2014J,269"),
        "assessments.csv": frame("code_module,code_presentation,id_assessment,"
                                 "assessment_type,date,weight"),
        "studentInfo.csv": frame(
            ",".join(OULAD_FILES["studentInfo.csv"]),
            "AAA,2013J,7,F,Wales,HE Qualification,10-20,0-35,0,60,N,Withdrawn",
            "AAA,2014J,7,F,Wales,HE Qualification,10-20,35-55,1,60,N,Pass",
            "AAA,2014J,8,M,Wales,HE Qualification,,0-35,0,60,N,Pass"),
        "studentRegistration.csv": frame(
            ",".join(OULAD_FILES["studentRegistration.csv"]),
            "AAA,2013J,7,-30,40", "AAA,2014J,7,-30,", "AAA,2014J,8,-30,"),
        "studentAssessment.csv": frame(",".join(OULAD_FILES["studentAssessment.csv"])),
    }
    mapping = map_oulad(files, today=dt.date(2026, 1, 1))
    learners = mapping.tables["learners"]
    assert learners["dob"].tolist() == [dt.date(1979, 10, 1), dt.date(1984, 10, 1)]
    achievements = mapping.tables["learner_education"]["achievements"]
    assert achievements[0] == "OULAD imd_band: 10-20%" and pd.isna(achievements[1])
    assert mapping.tables["course_enrollments"]["status"].tolist() == [
        "Withdrawn", "Completed", "Completed"]
    assert mapping.tally.notes["imd_band missing: achievements NULL"] == 1


def test_progress_reports_every_row(engine, subset_dir):
    calls = []
    report = import_oulad(engine, subset_dir, progress=lambda d, t, name: calls.append((d, t)))
    total = sum(report.rows.values())
    assert calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


# --------------------------------------------------------------------- full, SQLite


def test_full_dataset_on_sqlite(sqlite_template, tmp_path):
    target = tmp_path / "full.db"
    shutil.copyfile(sqlite_template, target)
    engine = make_engine(f"sqlite:///{target}")
    try:
        report = import_oulad(engine, OULAD_DIR)
        with engine.connect() as conn:
            enrolments = _count(conn, CourseEnrollment)
            submissions = _count(conn, LearnerActivityLog)
            learners = _count(conn, Learner)
            statuses = dict(conn.execute(select(CourseEnrollment.status, func.count())
                                         .group_by(CourseEnrollment.status)).all())
        presentations = oulad_presentations(engine)
    finally:
        engine.dispose()
    assert enrolments == report.rows["course_enrollments"] == 32_593
    assert submissions + report.skipped_total("studentAssessment.csv") == 173_912
    assert learners == 28_785
    assert statuses == {"Completed": 12_361 + 3_024, "Failed": 7_052 - 9,
                        "Withdrawn": 10_156 + 9}
    assert len(presentations) == 22
    assert report.seconds < 60
