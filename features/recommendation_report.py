"""A learner's current recommendations as readable text (``learnerai recommend LEARNER_ID``).

Reads ``learner_recommendations`` and names each reference from the catalog tables:
Pending rows first, grouped by type in the schema's order and by rank, then the latest
history rows (Clicked, Ignored, Completed) with when they were made.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, case, select

from features.errors import LearnerAIError
from features.reading import read_frame
from features.schema import (
    RECOMMENDATION_TYPES,
    CareerRole,
    ContentItem,
    Course,
    Learner,
    LearnerAIFeatures,
    LearnerInputState,
    LearnerRecommendation,
    SkillCatalog,
)

#: History rows shown under the current list.
HISTORY_ROWS = 10


class UnknownLearnerError(LearnerAIError):
    """The learner id names no learner."""


def _names(engine: Engine) -> dict[str, dict[str, str]]:
    """reference_id -> display name, per recommendation type."""
    def lookup(query, key: str, name: str) -> dict[str, str]:
        frame = read_frame(engine, query)
        return dict(zip(frame[key].astype(str), frame[name].astype(str), strict=True))

    return {
        "Course": lookup(select(Course.course_id, Course.title), "course_id", "title"),
        "Skill": lookup(select(SkillCatalog.skill_key, SkillCatalog.name), "skill_key", "name"),
        "Career": lookup(select(CareerRole.role_id, CareerRole.title), "role_id", "title"),
        "Content": lookup(select(ContentItem.content_id, ContentItem.title), "content_id",
                          "title"),
    }


def _label(kind: str, reference: str, names: dict[str, dict[str, str]]) -> str:
    if kind == "Mentor":
        return f"learner #{reference}"
    name = names.get(kind, {}).get(str(reference))
    return f"{name} ({reference})" if name else f"#{reference}"


def learner_recommendations(engine: Engine, learner_id: int) -> pd.DataFrame:
    """The learner's rows: Pending first (type order, rank), then history, newest first."""
    r = LearnerRecommendation.__table__.c
    type_order = case({k: i for i, k in enumerate(RECOMMENDATION_TYPES)},
                      value=r.recommendation_type, else_=len(RECOMMENDATION_TYPES))
    pending_first = case((r.action_status == "Pending", 0), else_=1)
    query = (select(r.recommendation_type, r.reference_id, r.recommendation_reason,
                    r.confidence_score, r.action_status, r.created_on, r.run_id,
                    r.model_version, r.rec_rank)
             .where(r.learner_id == learner_id)
             .order_by(pending_first, type_order, r.rec_rank, r.created_on.desc(), r.rec_id))
    frame = read_frame(engine, query)
    pending = frame[frame["action_status"] == "Pending"]
    history = frame[frame["action_status"] != "Pending"].sort_values("created_on",
                                                                       ascending=False,
                                                                       kind="stable")
    return pd.concat([pending, history], ignore_index=True)


def format_recommendations(engine: Engine, learner_id: int,
                           history_rows: int = HISTORY_ROWS) -> str:
    """The learner's recommendations as text; raises UnknownLearnerError for a bad id."""
    with engine.connect() as conn:
        exists = conn.execute(select(Learner.learner_id).where(
            Learner.learner_id == learner_id)).first()
    if exists is None:
        raise UnknownLearnerError(f"Learner {learner_id} does not exist.")
    rows = learner_recommendations(engine, learner_id)
    if rows.empty:
        return f"Learner {learner_id} has no recommendations yet."
    names = _names(engine)
    pending = rows[rows["action_status"] == "Pending"]
    lines = [f"Recommendations for learner {learner_id}"]
    if pending.empty:
        lines.append("  (none pending)")
    else:
        first = pending.iloc[0]
        lines[0] += (f" — run {first['run_id'] or '-'}, model {first['model_version'] or '-'}, "
                     f"made {pd.Timestamp(first['created_on']):%Y-%m-%d}")
    for kind, group in pending.groupby("recommendation_type", sort=False):
        lines.append(f"{kind}")
        for row in group.itertuples(index=False):
            rank = f"{int(row.rec_rank)}." if pd.notna(row.rec_rank) else "-"
            confidence = f"{float(row.confidence_score):.2f}" if pd.notna(
                row.confidence_score) else "  - "
            lines.append(f"  {rank:>3} {_label(kind, row.reference_id, names)}"
                         f"  [confidence {confidence}]")
            if row.recommendation_reason:
                lines.append(f"      {row.recommendation_reason}")
    history = rows[rows["action_status"] != "Pending"].head(history_rows)
    if not history.empty:
        lines.append(f"History (latest {len(history)})")
        for row in history.itertuples(index=False):
            when = f"{pd.Timestamp(row.created_on):%Y-%m-%d}" if pd.notna(row.created_on) else "-"
            lines.append(f"  {when}  {row.action_status:<9} {row.recommendation_type:<7} "
                         f"{_label(row.recommendation_type, row.reference_id, names)}")
    return "\n".join(lines)


def learner_to_show(engine: Engine, run_id: str) -> int | None:
    """A learner the run ``run_id`` scored in the high risk band (else any it scored):
    the one a demo explains."""
    with engine.connect() as conn:
        rows = conn.execute(select(LearnerAIFeatures.learner_id,
                                   LearnerAIFeatures.risk_prediction)
                            .join(LearnerInputState, LearnerInputState.learner_id
                                  == LearnerAIFeatures.learner_id)
                            .where(LearnerInputState.run_id == run_id,
                                   LearnerAIFeatures.model_version.like("%|risk:%"))
                            .order_by(LearnerAIFeatures.learner_id)).all()
    high = [lid for lid, risk in rows if (risk or {}).get("band") == "high"]
    return (high or [lid for lid, _ in rows] or [None])[0]
