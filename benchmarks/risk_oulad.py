"""Dropout risk on real data: our pipeline on OULAD, trained on 2013, tested on 2014.

    .venv/bin/python benchmarks/risk_oulad.py [--oulad-dir ../shared/datasets/oulad]
        [--database-url sqlite:///...] [--cutoffs 30,60,90,120] [--sample 0.2]
        [--modules AAA,BBB] [--json results.json]

Imports the Open University Learning Analytics Dataset (Kuzilek, Hlosta, Zdrahal,
*Scientific Data* 4, 170171, 2017; CC BY 4.0) through
:func:`features.oulad.import_oulad` into a database (a temporary SQLite file by
default), then, for each cutoff of ``N`` days after a presentation's start (the
import's start calendar, :func:`features.oulad.oulad_presentations`):

- builds the enrolment training frame as of ``start + N days`` with the
  product's code (:func:`features.enrollment_features.build_enrollment_training_frame`,
  the enrolment view plus the learner's engagement and profile features, exactly
  what the nightly dropout model reads; only rows stamped before the cutoff),
  keeping the enrolments of that presentation's courses still active at the
  cutoff (the view only lists enrolments active at as-of);
- labels each enrolment by how it ended: *at-risk* = Withdrawn or Failed (the
  product's :func:`features.enrollment_labels.dropout_label`, without horizon)
  and *withdrawn* = ended by a withdrawal (:func:`withdrawn_label`);
- fits the product's dropout pipeline (``default_config("dropout")``, through
  :func:`models.risk.fit_risk_model`) on the 2013 presentations (2013B, 2013J)
  and scores the 2014 ones (2014B, 2014J); the same for the logistic-regression
  baseline, and the days-since-last-course-activity rule needs no fit.

It prints a markdown table — cutoff, label, rows, positive rate, ROC-AUC of the
model and of both baselines, the issue's target and whether it is met — and
writes it as JSON with ``--json``. ``--sample`` keeps a stable pseudo-random
share of the students and ``--modules`` some modules (the test suite's small
run); both cut the CSV files consistently into a temporary folder before the
import.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, and_, case, or_, select

from features import migrate
from features.engine import make_engine
from features.enrollment_features import build_enrollment_training_frame
from features.enrollment_labels import dropout_label
from features.oulad import OULAD_FILES, import_oulad, oulad_presentations
from features.reading import read_frame
from features.schema import CourseEnrollment
from features.settings import mask_url
from models.metrics import roc_auc
from models.risk import (
    RiskModelConfig,
    default_config,
    fit_risk_model,
    logistic_baseline_config,
    predict_risk,
    recency_rule_scores,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OULAD_DIR = ROOT / ".." / "shared" / "datasets" / "oulad"

CUTOFF_DAYS = (30, 60, 90, 120)
TRAIN_PRESENTATIONS = ("2013B", "2013J")
TEST_PRESENTATIONS = ("2014B", "2014J")
LABELS = ("at_risk", "withdrawn")
LABEL_TITLES = {"at_risk": "at-risk (Withdrawn or Fail)", "withdrawn": "Withdrawn"}

#: The issue's ROC-AUC targets per cutoff (days after the start) and label.
TARGETS: dict[int, dict[str, float]] = {
    30: {"at_risk": 0.76, "withdrawn": 0.72},
    60: {"at_risk": 0.82, "withdrawn": 0.72},
    90: {"at_risk": 0.85, "withdrawn": 0.73},
    120: {"at_risk": 0.89, "withdrawn": 0.76},
}

ATTRIBUTION = ("Data: Open University Learning Analytics Dataset, Kuzilek J., Hlosta M., "
               "Zdrahal Z., Scientific Data 4:170171 (2017), CC BY 4.0.")


# ------------------------------------------------------------------------- the data


def stable_share(ids: Iterable[int], fraction: float, seed: int = 0) -> np.ndarray:
    """A stable pseudo-random draw per id: True for about ``fraction`` of them."""
    values = np.asarray(list(ids), dtype=np.uint64)
    mixed = (values * np.uint64(2654435761) + np.uint64(seed * 97 + 13)) % np.uint64(2**32)
    mixed = (mixed ^ (mixed >> np.uint64(15))) * np.uint64(2246822519) % np.uint64(2**32)
    return (mixed.astype(float) / 2**32) < fraction


def cut_oulad(source: Path, target: Path, *, fraction: float = 1.0,
              modules: Sequence[str] | None = None, seed: int = 0) -> Path:
    """The OULAD CSV files of ``source`` restricted to some modules and a stable share of
    the students, written to ``target`` (every file filtered the same way)."""
    target.mkdir(parents=True, exist_ok=True)
    read = {name: pd.read_csv(source / name, dtype=str, keep_default_na=False)
            for name in OULAD_FILES}

    def in_modules(frame: pd.DataFrame) -> pd.Series:
        if not modules:
            return pd.Series(True, index=frame.index)
        return frame["code_module"].isin(list(modules))

    students = pd.to_numeric(read["studentInfo.csv"]["id_student"], errors="coerce")
    ids = students.dropna().astype("int64").unique()
    keep = {str(i) for i in ids[stable_share(ids, fraction, seed)]}
    assessments = read["assessments.csv"][in_modules(read["assessments.csv"])]
    cut = {"courses.csv": read["courses.csv"][in_modules(read["courses.csv"])],
           "assessments.csv": assessments}
    for name in ("studentInfo.csv", "studentRegistration.csv"):
        frame = read[name]
        cut[name] = frame[in_modules(frame) & frame["id_student"].isin(keep)]
    submissions = read["studentAssessment.csv"]
    cut["studentAssessment.csv"] = submissions[
        submissions["id_student"].isin(keep)
        & submissions["id_assessment"].isin(assessments["id_assessment"])]
    for name, frame in cut.items():
        frame.to_csv(target / name, index=False)
    return target


def withdrawn_label(bind: Engine | Connection, cutoff: dt.datetime,
                    enrollment_ids: Sequence[int]) -> pd.Series:
    """1 if the enrolment ended by a withdrawal after ``cutoff`` (before any completion),
    0 if it ended otherwise; indexed by ``enrollment_id`` (the ids asked for)."""
    e = CourseEnrollment.__table__.c
    withdrew = and_(e.unenrolled_on.is_not(None),
                    or_(e.completed_on.is_(None), e.unenrolled_on <= e.completed_on))
    ids = sorted({int(i) for i in enrollment_ids})
    parts = [read_frame(bind, select(e.enrollment_id, case((withdrew, 1), else_=0)
                                     .label("withdrawn"))
                        .where(e.enrollment_id.in_(ids[i:i + 5000])))
             for i in range(0, len(ids), 5000)]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["enrollment_id", "withdrawn"])
    return pd.Series(pd.to_numeric(frame["withdrawn"]).astype("int64").to_numpy(),
                     index=pd.Index(frame["enrollment_id"].astype("int64"),
                                    name="enrollment_id"), name="withdrawn")


def cutoff_frames(bind: Engine | Connection, presentations: pd.DataFrame,
                  days: int) -> pd.DataFrame:
    """Enrolment features ``days`` after each presentation's start, with both labels.

    One row per enrolment of an OULAD presentation still active at its cutoff; columns
    of :func:`build_enrollment_training_frame` plus ``code_module``,
    ``code_presentation``, ``cutoff_days``, ``at_risk`` and ``withdrawn``."""
    frames = []
    starts = presentations.assign(as_of=presentations["start"] + pd.Timedelta(days=days))
    for as_of, group in starts.groupby("as_of", sort=True):
        cutoff = pd.Timestamp(as_of).to_pydatetime()
        frame = build_enrollment_training_frame(bind, [cutoff], dropout_label())
        frame = frame[frame["course_id"].isin(group["course_id"])]
        frame = frame.merge(group[["course_id", "code_module", "code_presentation"]],
                            on="course_id", how="left")
        frame = frame.rename(columns={"label": "at_risk"})
        withdrawn = withdrawn_label(bind, cutoff, frame["enrollment_id"])
        frame["withdrawn"] = withdrawn.reindex(frame["enrollment_id"]).to_numpy()
        frame["cutoff_days"] = days
        frames.append(frame)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------------- the models


@dataclass
class Result:
    cutoff_days: int
    label: str
    n_train: int
    n_test: int
    positive_rate_train: float
    positive_rate_test: float
    roc_auc: float
    logistic_roc_auc: float
    recency_rule_roc_auc: float
    target: float
    met: bool
    seconds: float


def evaluate(frame: pd.DataFrame, config: RiskModelConfig, days: int,
             labels: Sequence[str] = LABELS) -> list[Result]:
    """Fit on the 2013 rows, score the 2014 rows, for each label."""
    train = frame[frame["code_presentation"].isin(TRAIN_PRESENTATIONS)]
    test = frame[frame["code_presentation"].isin(TEST_PRESENTATIONS)]
    results = []
    for label in labels:
        began = time.perf_counter()
        train_rows = train.assign(label=train[label].astype(int))
        y_test = test[label].to_numpy(dtype=int)
        model = fit_risk_model(train_rows, config)
        logistic = fit_risk_model(train_rows, logistic_baseline_config(config))
        auc = roc_auc(y_test, predict_risk(model, test))
        target = TARGETS.get(days, {}).get(label, float("nan"))
        results.append(Result(
            cutoff_days=days, label=label, n_train=len(train_rows), n_test=len(test),
            positive_rate_train=float(train_rows["label"].mean()),
            positive_rate_test=float(y_test.mean()),
            roc_auc=auc,
            logistic_roc_auc=roc_auc(y_test, predict_risk(logistic, test)),
            recency_rule_roc_auc=roc_auc(
                y_test, recency_rule_scores(test, config.baseline_feature)),
            target=target, met=bool(auc >= target),
            seconds=round(time.perf_counter() - began, 2),
        ))
    return results


def feature_importance(frame: pd.DataFrame, config: RiskModelConfig, label: str,
                       top: int = 10) -> pd.DataFrame:
    """Permutation importance (ROC-AUC drop on the 2014 rows) of the model for ``label``."""
    from models.risk import feature_importances

    train = frame[frame["code_presentation"].isin(TRAIN_PRESENTATIONS)]
    test = frame[frame["code_presentation"].isin(TEST_PRESENTATIONS)]
    model = fit_risk_model(train.assign(label=train[label].astype(int)), config)
    return feature_importances(model, test, test[label].to_numpy(dtype=int)).head(top)


# ------------------------------------------------------------------------- the run


def run_benchmark(engine: Engine, oulad_dir: Path, *, cutoffs: Sequence[int] = CUTOFF_DAYS,
                  config: RiskModelConfig | None = None,
                  say=print) -> tuple[list[Result], dict[int, pd.DataFrame]]:
    """Import OULAD (unless already imported) and evaluate every cutoff; returns the
    results and each cutoff's frame."""
    config = config or default_config("dropout")
    migrate.upgrade(engine)
    presentations = oulad_presentations(engine)
    if presentations.empty:
        report = import_oulad(engine, oulad_dir)
        for line in report.lines():
            say(line)
        presentations = oulad_presentations(engine)
    else:
        say(f"OULAD already imported ({len(presentations)} presentations): reusing it")
    presentations = presentations[presentations["code_presentation"].isin(
        [*TRAIN_PRESENTATIONS, *TEST_PRESENTATIONS])]
    results, frames = [], {}
    for days in cutoffs:
        began = time.perf_counter()
        frame = cutoff_frames(engine, presentations, days)
        built = time.perf_counter() - began
        frames[days] = frame
        rows = evaluate(frame, config, days)
        results.extend(rows)
        say(f"cutoff {days} days: {len(frame):,} active enrolments, features in "
            f"{built:.1f} s, models in {sum(r.seconds for r in rows):.1f} s")
    return results, frames


def format_table(results: Sequence[Result]) -> str:
    lines = [
        "| cutoff | label | n train | n test | positive rate (test) | ROC-AUC | "
        "logistic | recency rule | target | met? |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        lines.append(
            f"| day {r.cutoff_days} | {LABEL_TITLES[r.label]} | {r.n_train:,} | "
            f"{r.n_test:,} | {r.positive_rate_test:.3f} | **{r.roc_auc:.3f}** | "
            f"{r.logistic_roc_auc:.3f} | {r.recency_rule_roc_auc:.3f} | {r.target:.2f} | "
            f"{'yes' if r.met else 'no'} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oulad-dir", type=Path, default=DEFAULT_OULAD_DIR,
                        help="folder with the OULAD CSV files (default: "
                        "../shared/datasets/oulad from the repository root)")
    parser.add_argument("--database-url", default=None,
                        help="database to import into (default: a temporary SQLite file)")
    parser.add_argument("--cutoffs", default=",".join(map(str, CUTOFF_DAYS)),
                        help="days after each presentation's start, comma-separated")
    parser.add_argument("--sample", type=float, default=1.0,
                        help="keep this stable pseudo-random share of the students (0-1]")
    parser.add_argument("--modules", default=None,
                        help="keep only these modules, comma-separated (e.g. AAA,BBB)")
    parser.add_argument("--importance", action="store_true",
                        help="also print the top features of each model (permutation)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)
    if not 0 < args.sample <= 1:
        parser.error("--sample must be in (0, 1]")
    oulad_dir = args.oulad_dir.resolve()
    if not (oulad_dir / "studentInfo.csv").is_file():
        print(f"OULAD not found in {oulad_dir}: pass --oulad-dir", file=sys.stderr)
        return 2
    cutoffs = [int(c) for c in args.cutoffs.split(",") if c.strip()]
    modules = [m.strip() for m in args.modules.split(",")] if args.modules else None

    scratch = Path(tempfile.mkdtemp(prefix="learnerai-risk-oulad-"))
    try:
        if args.sample < 1 or modules:
            oulad_dir = cut_oulad(oulad_dir, scratch / "oulad", fraction=args.sample,
                                  modules=modules)
        url = args.database_url or f"sqlite:///{scratch / 'oulad.db'}"
        engine = make_engine(url)
        print(f"database: {mask_url(url)}")
        began = time.perf_counter()
        results, frames = run_benchmark(engine, oulad_dir, cutoffs=cutoffs)
        seconds = time.perf_counter() - began
        print()
        print(f"Dropout risk on OULAD: trained on {'+'.join(TRAIN_PRESENTATIONS)}, tested on "
              f"{'+'.join(TEST_PRESENTATIONS)}, enrolments active at the cutoff "
              f"(sample {args.sample:g}{', modules ' + ','.join(modules) if modules else ''})")
        print()
        print(format_table(results))
        print()
        print("ROC-AUC: the product's dropout pipeline (default_config('dropout'), "
              "calibrated gradient boosting); logistic: the same features, logistic "
              "regression; recency rule: days since the last course activity.")
        print(ATTRIBUTION)
        if args.importance:
            config = default_config("dropout")
            for days, frame in frames.items():
                for label in LABELS:
                    top = feature_importance(frame, config, label)
                    print(f"\ntop features, day {days}, {LABEL_TITLES[label]}:")
                    print(", ".join(f"{f} {v:.3f}" for f, v in
                                    zip(top["feature"], top["importance"], strict=True)))
        print(f"\ntotal {seconds:.1f} s")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({
                "sample": args.sample, "modules": modules, "cutoffs": cutoffs,
                "train_presentations": TRAIN_PRESENTATIONS,
                "test_presentations": TEST_PRESENTATIONS,
                "results": [asdict(r) for r in results], "seconds": round(seconds, 1),
                "attribution": ATTRIBUTION,
            }, indent=2))
        engine.dispose()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
