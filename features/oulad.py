"""The Open University Learning Analytics Dataset (OULAD) mapped onto the learner schema.

OULAD (Kuzilek, Hlosta, Zdrahal, *Scientific Data* 4, 170171, 2017; CC BY 4.0)
holds 32,593 registrations of 28,785 students on 22 module presentations of
the Open University, 2013-2014. The copy learnerai reads lives in
``../shared/datasets/oulad`` (relative to the project root) and is read-only;
this module reads it from wherever it is, maps it in pandas (vectorised, no
per-student loops) and writes it in one transaction with chunked bulk inserts.

What becomes what
=================

``courses.csv`` -> ``courses``
    One course per module presentation, titled ``"OULAD AAA 2013J"``. Course ids
    are explicit, in a range reserved for OULAD that the demo catalog never
    reaches: ``100001 + i`` for the i-th presentation in (module, presentation)
    order (the full dataset: AAA 2013J = 100001 ... GGG 2014J = 100022).
    ``description`` names the module, the presentation, its start date and
    length in a fixed sentence that :func:`oulad_presentations` parses back.
    ``level`` and ``skills`` are NULL (OULAD anonymises the modules), ``format``
    is ``"Online"`` (OU distance learning), ``duration_hours`` is the length in
    weeks times 16, the OU's nominal study load of a 60-credit module
    (~600 hours over ~9 months); ``is_active`` is 0 once the presentation ended.

Presentation start dates
    OULAD counts days from each presentation's start and does not publish the
    dates. By default a ``B`` presentation starts on 1 February and a ``J``
    presentation on 1 October of its year (2013J -> 2013-10-01, the OU's usual
    February and October starts). ``start_dates`` overrides per presentation
    code (``{"2013J": date(2013, 10, 5)}``) or per module presentation
    (``{("AAA", "2013J"): ...}``, which wins). Day ``d`` is ``start + d days``.

``studentInfo.csv`` -> ``users``, ``learners``, ``learner_education``, ``learner_preferences``
    One learner per ``id_student``, however many presentations they took.
    ``users`` rows are synthetic and non-identifying: ``"OULAD student <id>"``,
    ``oulad-<id>@example.invalid``. Demographics come from the student's
    first presentation (earliest start): they were true when the student first
    appeared, so nothing known only later leaks into an earlier cut-off.
    ``gender`` M/F -> Male/Female; ``region`` -> ``state``; ``country``
    ``'United Kingdom'``, ``timezone`` ``'Europe/London'``, nationality unknown
    (NULL). ``registration_date`` is the first enrolment's ``enrolled_on`` (the
    feature views only see learners registered before as-of); ``last_active``
    is the last mapped event (submission, enrolment or unregistration).

    ``dob`` from ``age_band``: OULAD only says the age band at each
    presentation (``0-35``, ``35-55``, ``55<=``). The dob is the student's age
    at the start of their first presentation set to a fixed typical age of the
    band — 30, 40 and 60 years, chosen so that the age stays inside the OULAD
    band and inside one of the profile view's bands (25-34, 35-44, 55+) for
    every as-of date within ±2.5 years of the start, the span OULAD covers;
    a band midpoint (45) would flip the derived band during it — then clipped
    into the interval every presentation's band allows (``0-35`` read as
    16-34, ``55<=`` as 55-99). Students whose bands contradict each other
    keep the first presentation's dob (counted in notes).

    ``highest_education`` -> ``learner_education.qualification`` (the skills
    view turns it into an education level); ``start_year`` NULL (held before
    OULAD). ``imd_band`` (Index of Multiple Deprivation of the student's area,
    0-10% = most deprived) -> ``learner_education.achievements`` as
    ``"OULAD imd_band: 20-30%"`` (OULAD's ``10-20`` is written ``10-20%``); no
    feature reads that column, so it stays available to fairness analyses
    without becoming a model input. ``disability`` Y ->
    ``learner_preferences.accessibility_needs``; only those learners get a
    preferences row, and every other column of it is written NULL so that the
    seed's defaults (Video, Evening, Email) do not invent preferences that would
    correlate with disability. ``num_of_prev_attempts`` and ``studied_credits``
    have no column and are not imported.

``studentInfo.csv`` + ``studentRegistration.csv`` -> ``course_enrollments``
    ``enrolled_on`` = start + ``date_registration`` days (00:00). A
    ``date_unregistration`` makes the enrolment ``Withdrawn`` with
    ``unenrolled_on`` = start + that day, whatever ``final_result`` says (OULAD
    has 9 Fail rows with an unregistration: counted in notes). Otherwise
    ``Pass``/``Distinction`` -> ``Completed`` and ``Fail`` -> ``Failed``, both
    with ``completed_on`` = start + ``module_presentation_length``; ``Withdrawn``
    without an unregistration day (93 rows) gets ``unenrolled_on`` estimated as
    the day after the student's last submission in the presentation, else the
    start, never before ``enrolled_on`` nor after the end. A missing
    ``date_registration`` (45 rows) is imputed as the start, or the
    unregistration / first submission if earlier. ``final_score`` is the
    weighted mean of the student's scored submissions in the presentation
    (weights from ``assessments.csv``, banked ones included; the plain mean when
    every submitted assessment weighs 0, as GGG's TMAs and CMAs do; NULL without
    any score).

``studentAssessment.csv`` -> ``learner_activity_log``
    One row per submission: ``activity_type`` ``Quiz`` for CMA (computer-marked)
    and ``Assignment`` for TMA and Exam; ``score`` as given, NULL where OULAD has
    ``?`` (173 rows); ``timestamp`` = start + ``date_submitted`` days at 12:00
    (OULAD has no time of day); ``course_id`` of the presentation;
    ``module_name`` ``"<assessment_type> <id_assessment>"``. ``duration_seconds``
    is NULL: OULAD does not record how long a submission took, and NULL adds 0
    minutes to duration features and trips no data-quality counter, where any
    fixed value would invent signal. No Login (or any other) rows are invented;
    the clickstream (studentVle.csv) is not in this copy, and ``vle.csv`` is not
    read. Banked submissions (results carried over from an earlier attempt,
    always dated day -1) are kept, so that counts and scores match OULAD, and
    marked ``"<assessment_type> <id_assessment> (banked)"``: they are a day
    before the start and not evidence of activity in the presentation.

Nothing is dropped silently
    A row that cannot be mapped (unknown presentation or assessment, a
    submission without a registration, a bad number, an unknown
    ``final_result``, a duplicate) is counted per file and reason in
    :attr:`OuladReport.skipped`; values adjusted or imputed on rows that were
    imported are counted in :attr:`OuladReport.notes`.

The import refuses to run twice: OULAD rows already in the database (courses
in the reserved range, or ``oulad-*@example.invalid`` users) raise
:class:`OuladAlreadyImportedError`; everything is written in one transaction,
so a failed import leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Table, func, insert, select

from features import migrate
from features.errors import LearnerAIError
from features.reading import read_frame
from features.schema import (
    Course,
    CourseEnrollment,
    Learner,
    LearnerActivityLog,
    LearnerEducation,
    LearnerPreferences,
    User,
)

# ----------------------------------------------------------------------------- errors


class OuladError(LearnerAIError):
    """The OULAD files or the target database do not allow an import."""


class OuladFilesNotFoundError(OuladError):
    """The directory does not hold the OULAD CSV files."""


class OuladFormatError(OuladError):
    """An OULAD file lacks the columns of the official release."""


class OuladAlreadyImportedError(OuladError):
    """The database already holds OULAD rows (the import is not repeatable)."""


# ------------------------------------------------------------------------- constants

#: Files read, with the columns each must have (the official release's names).
OULAD_FILES: dict[str, tuple[str, ...]] = {
    "studentInfo.csv": ("code_module", "code_presentation", "id_student", "gender", "region",
                        "highest_education", "imd_band", "age_band", "num_of_prev_attempts",
                        "studied_credits", "disability", "final_result"),
    "studentRegistration.csv": ("code_module", "code_presentation", "id_student",
                                "date_registration", "date_unregistration"),
    "studentAssessment.csv": ("id_assessment", "id_student", "date_submitted", "is_banked",
                              "score"),
    "assessments.csv": ("code_module", "code_presentation", "id_assessment", "assessment_type",
                        "date", "weight"),
    "courses.csv": ("code_module", "code_presentation", "module_presentation_length"),
}

#: Where the dataset lives, relative to the project root.
SHARED_LOCATION = "../shared/datasets/oulad"

#: OULAD courses get ids OULAD_COURSE_ID_BASE + 1 ... ; the whole block up to
#: OULAD_COURSE_ID_MAX is reserved for them.
OULAD_COURSE_ID_BASE = 100_000
OULAD_COURSE_ID_MAX = 100_999
OULAD_TITLE_PREFIX = "OULAD "
OULAD_EMAIL_DOMAIN = "example.invalid"

#: Presentation letter -> (month, day) of its default start.
DEFAULT_START_MONTH_DAY = {"B": (2, 1), "J": (10, 1)}

#: OULAD age band -> (lowest age, highest age + 1, typical age written as dob).
AGE_BANDS: dict[str, tuple[int, int, int]] = {
    "0-35": (16, 35, 30),
    "35-55": (35, 55, 40),
    "55<=": (55, 100, 60),
}

GENDERS = {"M": "Male", "F": "Female"}
FINAL_RESULTS = {"Pass": "Completed", "Distinction": "Completed", "Fail": "Failed",
                 "Withdrawn": "Withdrawn"}
ACTIVITY_TYPES = {"CMA": "Quiz", "TMA": "Assignment", "Exam": "Assignment"}

#: Hour of day given to submissions (OULAD records days only).
SUBMISSION_HOUR = 12
#: Nominal OU study hours per week of a presentation (600 h for a 60-credit module).
STUDY_HOURS_PER_WEEK = 16
COURSE_FORMAT = "Online"
COUNTRY = "United Kingdom"
TIMEZONE = "Europe/London"

INSERT_CHUNK = 20_000

#: Tables written, in insert order (foreign keys first).
TABLES: tuple[Table, ...] = (
    Course.__table__, User.__table__, Learner.__table__, LearnerEducation.__table__,
    LearnerPreferences.__table__, CourseEnrollment.__table__, LearnerActivityLog.__table__,
)

_DESCRIPTION = re.compile(
    r"module (?P<code_module>\S+), presentation (?P<code_presentation>\S+): starts "
    r"(?P<start>\d{4}-\d{2}-\d{2}), runs (?P<length_days>\d+) days"
)

#: progress(done, total, table): rows written so far out of all rows to write.
ProgressFn = Callable[[int, int, str], None]
StartDates = Mapping[str | tuple[str, str], dt.date | dt.datetime | str]
_KEY = ["code_module", "code_presentation", "id_student"]
_PRESENTATION = ["code_module", "code_presentation"]


# ---------------------------------------------------------------------------- report


@dataclass
class OuladReport:
    """What an import read, wrote, skipped and adjusted, and how long it took."""

    read: dict[str, int] = field(default_factory=dict)  # file -> data rows read
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written
    skipped: dict[str, dict[str, int]] = field(default_factory=dict)  # file -> reason -> rows
    notes: dict[str, int] = field(default_factory=dict)  # imported but adjusted -> rows
    seconds: float = 0.0

    def skipped_total(self, file: str) -> int:
        return sum(self.skipped.get(file, {}).values())

    def lines(self) -> list[str]:
        """The report as short lines for a terminal."""
        out = [f"imported OULAD in {self.seconds:.1f} s"]
        out += [f"  {table}: {count:,} rows" for table, count in self.rows.items()]
        for file, reasons in self.skipped.items():
            out += [f"  skipped {count:,} rows of {file}: {reason}"
                    for reason, count in reasons.items()]
        out += [f"  note: {count:,} x {what}" for what, count in self.notes.items()]
        out.append("  data: OULAD, Kuzilek et al., Scientific Data 4:170171 (2017), CC BY 4.0")
        return out


class _Tally:
    """Skips (per file and reason) and notes, collected while mapping."""

    def __init__(self) -> None:
        self.skipped: dict[str, Counter[str]] = {}
        self.notes: Counter[str] = Counter()

    def skip(self, file: str, reason: str, mask: pd.Series | np.ndarray | int) -> None:
        count = int(mask if isinstance(mask, int) else np.asarray(mask).sum())
        if count:
            self.skipped.setdefault(file, Counter())[reason] += count

    def note(self, what: str, mask: pd.Series | np.ndarray | int) -> None:
        count = int(mask if isinstance(mask, int) else np.asarray(mask).sum())
        if count:
            self.notes[what] += count


@dataclass
class OuladMapping:
    """The rows to write, one DataFrame per table, and what could not be mapped."""

    tables: dict[str, pd.DataFrame]
    presentations: pd.DataFrame
    tally: _Tally


# ---------------------------------------------------------------------------- reading


def read_oulad(directory: Path) -> dict[str, pd.DataFrame]:
    """The five OULAD files as text columns (numbers are parsed and checked later)."""
    directory = Path(directory)
    missing = [name for name in OULAD_FILES if not (directory / name).is_file()]
    if missing:
        expected = ", ".join(OULAD_FILES)
        detail = "" if len(missing) == len(OULAD_FILES) else f" (missing {', '.join(missing)})"
        raise OuladFilesNotFoundError(
            f"OULAD files not found in {directory}: expected {expected}{detail} "
            f"(the dataset lives in {SHARED_LOCATION})"
        )
    frames = {}
    for name, columns in OULAD_FILES.items():
        frame = pd.read_csv(directory / name, dtype=str, keep_default_na=False)
        frame.columns = [c.strip() for c in frame.columns]
        lacking = [c for c in columns if c not in frame.columns]
        if lacking:
            raise OuladFormatError(
                f"{directory / name} lacks the column(s) {', '.join(lacking)} of the "
                "official OULAD release"
            )
        frames[name] = frame[list(columns)].apply(lambda s: s.str.strip())
    return frames


# ---------------------------------------------------------------------------- parsing


def _numbers(values: pd.Series, *, integer: bool) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(parsed floats, blank mask, bad mask) of a text column."""
    blank = values.isin(["", "?"])
    parsed = pd.to_numeric(values.where(~blank), errors="coerce").astype("float64")
    bad = ~blank & parsed.isna()
    if integer:
        bad |= parsed.notna() & (parsed % 1 != 0)
    return parsed.where(~bad), blank, bad


def _as_date(value: dt.date | dt.datetime | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def presentation_start(code_module: str, code_presentation: str,
                       start_dates: StartDates | None = None) -> dt.date | None:
    """The calendar start of a module presentation (None if it cannot be known).

    ``start_dates`` wins, per (module, presentation) then per presentation code;
    otherwise ``YYYYB`` starts on 1 February and ``YYYYJ`` on 1 October.
    """
    overrides = start_dates or {}
    for key in ((code_module, code_presentation), code_presentation):
        if key in overrides:
            return _as_date(overrides[key])
    match = re.fullmatch(r"(\d{4})([BJ])", code_presentation)
    if not match:
        return None
    month, day = DEFAULT_START_MONTH_DAY[match.group(2)]
    return dt.date(int(match.group(1)), month, day)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _days(start: pd.Series, days: pd.Series, hour: int = 0) -> pd.Series:
    """``start`` + ``days`` days + ``hour`` hours, as datetimes (NaT where days is NaN)."""
    return start + pd.to_timedelta(days, unit="D") + pd.Timedelta(hours=hour)


# ---------------------------------------------------------------------------- mapping


def map_presentations(courses: pd.DataFrame, tally: _Tally,
                      start_dates: StartDates | None = None,
                      today: dt.date | None = None) -> pd.DataFrame:
    """One row per module presentation: ids, start, length and the ``courses`` columns."""
    file = "courses.csv"
    frame = courses.copy()
    length, blank, bad = _numbers(frame["module_presentation_length"], integer=True)
    bad_length = blank | bad | (length <= 0)
    tally.skip(file, "module_presentation_length missing or not a positive whole number",
               bad_length)
    frame["length_days"] = length
    frame = frame[~bad_length]
    starts = [presentation_start(m, p, start_dates)
              for m, p in zip(frame["code_module"], frame["code_presentation"], strict=True)]
    frame["start"] = pd.to_datetime(pd.Series(starts, index=frame.index, dtype=object))
    no_start = frame["start"].isna()
    tally.skip(file, "no start date (code_presentation is not YYYYB/YYYYJ and start_dates "
               "has no entry for it)", no_start)
    frame = frame[~no_start]
    duplicate = frame.duplicated(_PRESENTATION)
    tally.skip(file, "duplicate module presentation", duplicate)
    frame = frame[~duplicate].sort_values(_PRESENTATION).reset_index(drop=True)

    frame["length_days"] = frame["length_days"].astype("int64")
    frame["course_id"] = OULAD_COURSE_ID_BASE + 1 + np.arange(len(frame), dtype="int64")
    if len(frame) and frame["course_id"].max() > OULAD_COURSE_ID_MAX:
        raise OuladFormatError(
            f"courses.csv has {len(frame)} module presentations; the OULAD course id range "
            f"{OULAD_COURSE_ID_BASE + 1}-{OULAD_COURSE_ID_MAX} holds fewer"
        )
    frame["end"] = _days(frame["start"], frame["length_days"])
    today = today or dt.date.today()
    frame["title"] = OULAD_TITLE_PREFIX + frame["code_module"] + " " + frame["code_presentation"]
    frame["description"] = (
        "Open University module " + frame["code_module"] + ", presentation "
        + frame["code_presentation"] + ": starts " + frame["start"].dt.strftime("%Y-%m-%d")
        + ", runs " + frame["length_days"].astype(str) + " days. From the Open University "
        "Learning Analytics Dataset (Kuzilek et al., Scientific Data 4:170171, 2017; "
        "CC BY 4.0); start date assumed, module level and topic anonymised."
    )
    frame["duration_hours"] = (frame["length_days"] / 7 * STUDY_HOURS_PER_WEEK).round(2)
    frame["is_active"] = (frame["end"] >= pd.Timestamp(today)).astype("int64")
    return frame


def _valid_keys(frame: pd.DataFrame, file: str, presentations: pd.DataFrame,
                tally: _Tally) -> pd.DataFrame:
    """Rows with a whole-number id_student of a known presentation, first of duplicates."""
    student, blank, bad = _numbers(frame["id_student"], integer=True)
    bad_id = blank | bad
    tally.skip(file, "id_student missing or not a whole number", bad_id)
    frame = frame[~bad_id].assign(id_student=student[~bad_id].astype("int64"))
    known = frame.merge(presentations[_PRESENTATION], on=_PRESENTATION, how="left",
                        indicator=True)["_merge"].eq("both").to_numpy()
    tally.skip(file, "unknown module presentation (not in courses.csv)", ~known)
    frame = frame[known]
    duplicate = frame.duplicated(_KEY)
    tally.skip(file, "duplicate row for the same student and presentation", duplicate)
    return frame[~duplicate]


def map_registrations(info: pd.DataFrame, registration: pd.DataFrame,
                      presentations: pd.DataFrame, tally: _Tally) -> pd.DataFrame:
    """One row per mapped (module, presentation, student) with days and demographics."""
    info = _valid_keys(info, "studentInfo.csv", presentations, tally)
    unknown_result = ~info["final_result"].isin(list(FINAL_RESULTS))
    tally.skip("studentInfo.csv", "final_result not Pass, Distinction, Fail or Withdrawn",
               unknown_result)
    info = info[~unknown_result]

    reg = _valid_keys(registration, "studentRegistration.csv", presentations, tally)
    reg_day, reg_blank, reg_bad = _numbers(reg["date_registration"], integer=True)
    unreg_day, _, unreg_bad = _numbers(reg["date_unregistration"], integer=True)
    bad = reg_bad | unreg_bad
    tally.skip("studentRegistration.csv", "date_registration or date_unregistration is not "
               "a whole number", bad)
    reg = reg.assign(reg_day=reg_day, unreg_day=unreg_day)[~bad]

    merged = info.merge(reg[[*_KEY, "reg_day", "unreg_day"]], on=_KEY, how="outer",
                        indicator=True)
    orphan = merged["_merge"].eq("right_only")
    tally.skip("studentRegistration.csv", "no studentInfo row for the student and "
               "presentation", orphan)
    merged = merged[~orphan]
    merged["has_registration"] = merged["_merge"].eq("both")
    tally.note("enrolled_on imputed: no studentRegistration row", ~merged["has_registration"])
    merged = merged.drop(columns="_merge").merge(
        presentations[[*_PRESENTATION, "course_id", "start", "length_days"]], on=_PRESENTATION)
    return merged.reset_index(drop=True)


def map_assessments(assessments: pd.DataFrame, presentations: pd.DataFrame,
                    tally: _Tally) -> pd.DataFrame:
    file = "assessments.csv"
    frame = assessments.copy()
    ident, blank, bad = _numbers(frame["id_assessment"], integer=True)
    bad_id = blank | bad
    tally.skip(file, "id_assessment missing or not a whole number", bad_id)
    frame = frame[~bad_id].assign(id_assessment=ident[~bad_id].astype("int64"))
    unknown_type = ~frame["assessment_type"].isin(list(ACTIVITY_TYPES))
    tally.skip(file, "assessment_type not CMA, TMA or Exam", unknown_type)
    frame = frame[~unknown_type]
    frame = frame.merge(presentations[[*_PRESENTATION, "course_id"]], on=_PRESENTATION,
                        how="left")
    unknown = frame["course_id"].isna()
    tally.skip(file, "unknown module presentation (not in courses.csv)", unknown)
    frame = frame[~unknown]
    duplicate = frame.duplicated("id_assessment")
    tally.skip(file, "duplicate id_assessment", duplicate)
    frame = frame[~duplicate]
    weight, _, bad_weight = _numbers(frame["weight"], integer=False)
    tally.note("assessment weight missing or not a number: not used in final_score",
               bad_weight | weight.isna())
    return frame.assign(weight=weight)[
        ["id_assessment", *_PRESENTATION, "assessment_type", "weight"]]


def map_submissions(submissions: pd.DataFrame, assessments: pd.DataFrame,
                    registrations: pd.DataFrame, tally: _Tally) -> pd.DataFrame:
    """Submissions joined to their assessment and enrolment, with day and score parsed."""
    file = "studentAssessment.csv"
    frame = submissions
    ident, id_blank, id_bad = _numbers(frame["id_assessment"], integer=True)
    student, st_blank, st_bad = _numbers(frame["id_student"], integer=True)
    day, day_blank, day_bad = _numbers(frame["date_submitted"], integer=True)
    bad_numbers = id_blank | id_bad | st_blank | st_bad | day_blank | day_bad
    tally.skip(file, "id_assessment, id_student or date_submitted missing or not a whole "
               "number", bad_numbers)
    score, score_blank, score_bad = _numbers(frame["score"], integer=False)
    out_of_range = score.notna() & ((score < 0) | (score > 100))
    bad_score = ~bad_numbers & (score_bad | out_of_range)
    tally.skip(file, "score not a number between 0 and 100", bad_score)
    keep = ~(bad_numbers | bad_score)
    frame = pd.DataFrame({
        "id_assessment": ident[keep].astype("int64"),
        "id_student": student[keep].astype("int64"),
        "day": day[keep],
        "score": score[keep],
        "banked": frame["is_banked"][keep].eq("1"),
    })
    tally.note("score missing ('?' or empty): NULL score", score_blank[keep])

    frame = frame.merge(assessments, on="id_assessment", how="left")
    unknown = frame["code_module"].isna()
    tally.skip(file, "unknown id_assessment (not in assessments.csv, or not mapped)", unknown)
    frame = frame[~unknown]
    enrolled = registrations[[*_KEY, "course_id", "start", "length_days", "unreg_day"]]
    frame = frame.merge(enrolled, on=_KEY, how="left")
    orphan = frame["course_id"].isna()
    tally.skip(file, "the student has no mapped registration on the assessment's "
               "presentation", orphan)
    frame = frame[~orphan].reset_index(drop=True)
    frame["course_id"] = frame["course_id"].astype("int64")
    tally.note("banked submission kept, dated day -1 and marked '(banked)'", frame["banked"])
    tally.note("submission after the student's date_unregistration",
               frame["day"] > frame["unreg_day"])
    tally.note("submission after the end of the presentation",
               frame["day"] > frame["length_days"])
    return frame


def map_enrollments(registrations: pd.DataFrame, submissions: pd.DataFrame,
                    tally: _Tally) -> pd.DataFrame:
    """Enrolment dates, status and final score of every mapped registration."""
    reg = registrations
    per_key = submissions.groupby(_KEY).agg(first_day=("day", "min"), last_day=("day", "max"))
    scored = submissions[submissions["score"].notna()]
    weighted = scored[scored["weight"] > 0].assign(
        product=lambda f: f["score"] * f["weight"])
    sums = weighted.groupby(_KEY)[["product", "weight"]].sum()
    score = (sums["product"] / sums["weight"]).rename("weighted")
    plain = scored.groupby(_KEY)["score"].mean().rename("plain")
    reg = reg.join(per_key, on=_KEY).join(score, on=_KEY).join(plain, on=_KEY)

    # enrolled_on: the registration day, else the start or anything earlier we know of.
    missing = reg["reg_day"].isna()
    tally.note("enrolled_on imputed: date_registration missing",
               missing & reg["has_registration"])
    imputed = pd.concat([pd.Series(0.0, index=reg.index), reg["unreg_day"], reg["first_day"]],
                        axis=1).min(axis=1)
    enrolled_day = reg["reg_day"].fillna(imputed)

    withdrawn = reg["unreg_day"].notna()
    contradicted = withdrawn & reg["final_result"].ne("Withdrawn")
    for result in ("Pass", "Distinction", "Fail"):
        tally.note(f"final_result {result} with a date_unregistration: Withdrawn",
                   contradicted & reg["final_result"].eq(result))
    status = reg["final_result"].map(FINAL_RESULTS).where(~withdrawn, "Withdrawn")
    estimated = ~withdrawn & reg["final_result"].eq("Withdrawn")
    tally.note("unenrolled_on estimated: Withdrawn without date_unregistration (day after "
               "the last submission, else the start)", estimated)
    guess = (reg["last_day"] + 1).fillna(0).clip(upper=reg["length_days"])
    unenrolled_day = reg["unreg_day"].where(withdrawn, guess.where(estimated))
    early = unenrolled_day < enrolled_day
    tally.note("unenrolled_on before enrolled_on: set to enrolled_on",
               early & withdrawn)
    unenrolled_day = unenrolled_day.where(~early, enrolled_day)
    completed_day = reg["length_days"].astype("float64").where(
        status.isin(["Completed", "Failed"]))

    final_score = reg["weighted"].fillna(reg["plain"]).round(2)
    return pd.DataFrame({
        "id_student": reg["id_student"],
        "course_id": reg["course_id"],
        "enrolled_on": _days(reg["start"], enrolled_day),
        "unenrolled_on": _days(reg["start"], unenrolled_day),
        "completed_on": _days(reg["start"], completed_day),
        "status": status,
        "final_score": final_score,
        "start": reg["start"],
    })


def map_students(registrations: pd.DataFrame, enrollments: pd.DataFrame,
                 activity_times: pd.DataFrame, tally: _Tally, *,
                 user_id_base: int, learner_id_base: int) -> dict[str, pd.DataFrame]:
    """``users``, ``learners``, ``learner_education`` and ``learner_preferences`` rows."""
    reg = registrations.sort_values(["start", "code_module"], kind="stable")

    # dob: typical age of the first presentation's band, clipped into every band's interval.
    bands = reg["age_band"].map(lambda b: AGE_BANDS.get(b, (np.nan,) * 3))
    low = pd.Series([b[0] for b in bands], index=reg.index)
    high = pd.Series([b[1] for b in bands], index=reg.index)
    typical = pd.Series([b[2] for b in bands], index=reg.index)
    unknown_band = low.isna()
    combos = pd.DataFrame({"start": reg["start"], "low": low, "high": high,
                           "typical": typical})[~unknown_band].drop_duplicates()
    latest, earliest, target = {}, {}, {}
    for row in combos.itertuples(index=False):  # a few dozen (start, band) pairs
        start = row.start.date()
        key = (row.start, row.low)
        latest[key] = _years_before(start, int(row.low))  # dob at most this
        earliest[key] = _years_before(start, int(row.high)) + dt.timedelta(days=1)
        target[key] = _years_before(start, int(row.typical))
    keys = list(zip(reg["start"], low, strict=True))
    bounds = pd.DataFrame({
        "id_student": reg["id_student"],
        "latest": pd.to_datetime(pd.Series([latest.get(k) for k in keys], index=reg.index,
                                           dtype=object)),
        "earliest": pd.to_datetime(pd.Series([earliest.get(k) for k in keys], index=reg.index,
                                             dtype=object)),
        "target": pd.to_datetime(pd.Series([target.get(k) for k in keys], index=reg.index,
                                           dtype=object)),
    })
    grouped = bounds.groupby("id_student")
    lo, hi = grouped["earliest"].max(), grouped["latest"].min()
    first_target = grouped["target"].first()
    contradictory = lo > hi
    dob = first_target.clip(lower=lo, upper=hi).where(~contradictory, first_target)

    first = reg.drop_duplicates("id_student").set_index("id_student").sort_index()
    columns = ["gender", "region", "highest_education", "imd_band", "age_band", "disability"]
    varying = (reg.groupby("id_student")[columns].nunique() > 1).any(axis=1)
    tally.note("student's demographics differ between presentations: the first "
               "presentation's kept", varying)
    tally.note("age bands of a student's presentations contradict each other: dob from the "
               "first", contradictory)
    tally.note("age_band unknown: dob NULL", first["age_band"].map(
        lambda b: b not in AGE_BANDS))
    gender = first["gender"].map(GENDERS)
    tally.note("gender not M or F: NULL", gender.isna())

    ids = first.index.to_numpy()
    user_ids = user_id_base + 1 + np.arange(len(ids), dtype="int64")
    learner_ids = learner_id_base + 1 + np.arange(len(ids), dtype="int64")
    learner_of = pd.Series(learner_ids, index=first.index)

    per_student = enrollments.groupby("id_student")
    registered = per_student["enrolled_on"].min().reindex(first.index)
    events = pd.concat([
        enrollments[["id_student", "enrolled_on"]].rename(columns={"enrolled_on": "at"}),
        enrollments[["id_student", "unenrolled_on"]].rename(columns={"unenrolled_on": "at"}),
        activity_times.rename(columns={"timestamp": "at"}),
    ])
    last_active = events.groupby("id_student")["at"].max().reindex(first.index)
    id_text = pd.Series(ids.astype(str), index=first.index)

    users = pd.DataFrame({
        "id": user_ids,
        "full_name": ("OULAD student " + id_text).to_numpy(),
        "email": ("oulad-" + id_text + "@" + OULAD_EMAIL_DOMAIN).to_numpy(),
        "created_on": registered.to_numpy(),
    })
    learners = pd.DataFrame({
        "learner_id": learner_ids,
        "user_id": user_ids,
        "gender": gender.to_numpy(),
        "dob": dob.reindex(first.index).dt.date.to_numpy(),
        "state": first["region"].replace("", None).to_numpy(),
        "country": COUNTRY,
        "timezone": TIMEZONE,
        "registration_date": registered.to_numpy(),
        "last_active": last_active.to_numpy(),
    })
    imd = first["imd_band"].where(first["imd_band"] != "")
    imd = imd.where(~imd.str.fullmatch(r"\d+-\d+", na=False), imd + "%")
    tally.note("imd_band missing: achievements NULL", imd.isna())
    education = pd.DataFrame({
        "learner_id": learner_ids,
        "qualification": first["highest_education"].replace("", None).to_numpy(),
        "is_current": 0,
        "achievements": ("OULAD imd_band: " + imd).to_numpy(),
    })
    disabled = first["disability"].eq("Y").to_numpy()
    preferences = pd.DataFrame({
        "learner_id": learner_ids[disabled],
        "accessibility_needs": "Declared a disability (OULAD disability = Y)",
        **{column: None for column in (
            "preferred_content_format", "preferred_learning_time",
            "notification_preference", "privacy_consent", "ai_personalization_optin",
            "theme_mode")},
    })
    return {"users": users, "learners": learners, "learner_education": education,
            "learner_preferences": preferences, "_learner_of": learner_of.to_frame("learner_id")}


def map_oulad(files: Mapping[str, pd.DataFrame], *, start_dates: StartDates | None = None,
              user_id_base: int = 0, learner_id_base: int = 0,
              today: dt.date | None = None) -> OuladMapping:
    """Every OULAD file mapped onto the schema's tables (pure: no database)."""
    tally = _Tally()
    presentations = map_presentations(files["courses.csv"], tally, start_dates, today)
    registrations = map_registrations(files["studentInfo.csv"],
                                      files["studentRegistration.csv"], presentations, tally)
    assessments = map_assessments(files["assessments.csv"], presentations, tally)
    submissions = map_submissions(files["studentAssessment.csv"], assessments, registrations,
                                  tally)
    enrollments = map_enrollments(registrations, submissions, tally)

    timestamps = _days(submissions["start"], submissions["day"], SUBMISSION_HOUR)
    students = map_students(
        registrations, enrollments,
        pd.DataFrame({"id_student": submissions["id_student"], "timestamp": timestamps}),
        tally, user_id_base=user_id_base, learner_id_base=learner_id_base)
    learner_of = students.pop("_learner_of")["learner_id"]

    suffix = np.where(submissions["banked"], " (banked)", "")
    activity = pd.DataFrame({
        "learner_id": submissions["id_student"].map(learner_of).to_numpy(),
        "course_id": submissions["course_id"].to_numpy(),
        "module_name": (submissions["assessment_type"] + " "
                        + submissions["id_assessment"].astype(str) + suffix).to_numpy(),
        "activity_type": submissions["assessment_type"].map(ACTIVITY_TYPES).to_numpy(),
        "duration_seconds": None,
        "score": submissions["score"].to_numpy(),
        "timestamp": timestamps.to_numpy(),
    }).sort_values(["timestamp", "learner_id"], kind="stable")
    enrolment_rows = enrollments.assign(
        learner_id=enrollments["id_student"].map(learner_of)
    ).sort_values(["enrolled_on", "learner_id"], kind="stable")[
        ["learner_id", "course_id", "enrolled_on", "unenrolled_on", "completed_on", "status",
         "final_score"]]
    courses = presentations.assign(level=None, skills=None, format=COURSE_FORMAT)[
        ["course_id", "title", "description", "skills", "level", "format", "duration_hours",
         "is_active"]]
    tables = {"courses": courses, **students, "course_enrollments": enrolment_rows,
              "learner_activity_log": activity}
    return OuladMapping(tables=tables, presentations=presentations, tally=tally)


# ---------------------------------------------------------------------------- writing


def _check_not_imported(conn: Connection) -> None:
    c, u = Course.__table__.c, User.__table__.c
    in_range = c.course_id.between(OULAD_COURSE_ID_BASE, OULAD_COURSE_ID_MAX)
    oulad_courses = conn.execute(select(func.count()).where(
        c.title.like(OULAD_TITLE_PREFIX + "%"))).scalar_one()
    oulad_users = conn.execute(select(func.count()).where(
        u.email.like(f"oulad-%@{OULAD_EMAIL_DOMAIN}"))).scalar_one()
    if oulad_courses or oulad_users:
        raise OuladAlreadyImportedError(
            f"OULAD data is already imported into this database ({oulad_courses:,} OULAD "
            f"courses, {oulad_users:,} OULAD users): the import is not repeatable; import into "
            "a fresh database (learnerai db downgrade base && learnerai db upgrade)"
        )
    others = conn.execute(select(func.count()).where(in_range)).scalar_one()
    if others:
        raise OuladError(
            f"{others} course(s) use ids {OULAD_COURSE_ID_BASE}-{OULAD_COURSE_ID_MAX}, the "
            "range reserved for OULAD courses: move them before importing OULAD"
        )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values (None for missing), fast."""
    columns = {}
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_datetime64_any_dtype(series):
            values = series.astype("datetime64[us]").to_numpy().astype(object)
        else:
            values = np.array(series.astype(object).to_numpy(), dtype=object)
            values[series.isna().to_numpy()] = None
        columns[name] = values
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _write(conn: Connection, table: Table, frame: pd.DataFrame, done: int, total: int,
           progress: ProgressFn | None) -> int:
    for start in range(0, len(frame), INSERT_CHUNK):
        chunk = frame.iloc[start:start + INSERT_CHUNK]
        conn.execute(insert(table), _records(chunk))
        done += len(chunk)
        if progress:
            progress(done, total, table.name)
    return done


def _max_id(conn: Connection, column: Any) -> int:
    return int(conn.execute(select(func.coalesce(func.max(column), 0))).scalar_one())


def import_oulad(engine: Engine, directory: Path, *, start_dates: StartDates | None = None,
                 progress: ProgressFn | None = None) -> OuladReport:
    """Map the OULAD files in ``directory`` onto the schema and write them, atomically.

    Raises :class:`OuladFilesNotFoundError` when the files are not there,
    :class:`OuladAlreadyImportedError` when the database already holds OULAD
    rows. ``progress(done, total, table)`` is called after every insert chunk.
    """
    began = time.perf_counter()
    files = read_oulad(Path(directory))
    migrate.require_head(engine)
    with engine.begin() as conn:
        _check_not_imported(conn)
        mapping = map_oulad(
            files, start_dates=start_dates,
            user_id_base=_max_id(conn, User.__table__.c.id),
            learner_id_base=_max_id(conn, Learner.__table__.c.learner_id),
        )
        total = sum(len(frame) for frame in mapping.tables.values())
        done = 0
        for table in TABLES:
            done = _write(conn, table, mapping.tables[table.name], done, total, progress)
    tally = mapping.tally
    return OuladReport(
        read={name: len(frame) for name, frame in files.items()},
        rows={table.name: len(mapping.tables[table.name]) for table in TABLES},
        skipped={file: dict(reasons) for file, reasons in tally.skipped.items()},
        notes=dict(tally.notes),
        seconds=round(time.perf_counter() - began, 2),
    )


# ---------------------------------------------------------------------------- reading back


def oulad_presentations(bind: Engine | Connection) -> pd.DataFrame:
    """The imported OULAD presentations: course_id, code_module, code_presentation,
    start (Timestamp), length_days — for benchmarks choosing presentations and cut-offs
    (e.g. ``start + 30/60/90/120 days``). Empty when OULAD was not imported."""
    c = Course.__table__.c
    rows = read_frame(bind, select(c.course_id, c.description)
                      .where(c.title.like(OULAD_TITLE_PREFIX + "%"))
                      .order_by(c.course_id))
    parsed = rows["description"].astype(str).str.extract(_DESCRIPTION)
    out = pd.DataFrame({
        "course_id": rows["course_id"].astype("int64"),
        "code_module": parsed["code_module"].astype(object),
        "code_presentation": parsed["code_presentation"].astype(object),
        "start": pd.to_datetime(parsed["start"]),
        "length_days": pd.to_numeric(parsed["length_days"]).astype("Int64"),
    })
    return out.dropna(subset=["start"]).reset_index(drop=True)
