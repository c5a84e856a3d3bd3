"""What the recommender reads back of its own past recommendations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from features.recommendation_data import recommendation_feedback
from features.schema import Learner, LearnerRecommendation, User

T = dt.datetime(2026, 3, 1)


def shown(learner: int, kind: str, reference: str | None, status: str,
          days_ago: float) -> dict:
    return {"learner_id": learner, "recommendation_type": kind, "reference_id": reference,
            "action_status": status, "created_on": T - dt.timedelta(days=days_ago)}


def test_feedback_counts_outcomes_per_learner_and_item(engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(User), [{"id": i, "email": f"u{i}@example.org"} for i in (1, 2)])
        conn.execute(insert(Learner), [{"learner_id": i, "user_id": i} for i in (1, 2)])
        conn.execute(insert(LearnerRecommendation), [
            shown(1, "Course", "7", "Ignored", 3),        # ignored recently
            shown(1, "Course", "7", "Ignored", 45),       # ignored long ago
            shown(1, "Course", "7", "Completed", 60),
            shown(1, "Content", "7", "Clicked", 2),       # same reference, other type
            shown(1, "Course", "9", "Pending", 1),        # no outcome yet: not feedback
            shown(1, "Course", "9", "Ignored", -1),       # after T: not read
            shown(1, "Course", None, "Ignored", 5),       # no reference: nothing to count
            shown(2, "Mentor", "1", "Ignored", 29.5),     # still within the 30 days
        ])
    feedback = recommendation_feedback(engine, T)
    assert feedback.to_dict(orient="records") == [
        {"learner_id": 1, "recommendation_type": "Content", "reference_id": "7",
         "shown": 1, "ignored": 0, "completed": 0, "ignored_recent": 0},
        {"learner_id": 1, "recommendation_type": "Course", "reference_id": "7",
         "shown": 3, "ignored": 2, "completed": 1, "ignored_recent": 1},
        {"learner_id": 2, "recommendation_type": "Mentor", "reference_id": "1",
         "shown": 1, "ignored": 1, "completed": 0, "ignored_recent": 1},
    ]
    only_two = recommendation_feedback(engine, T, learner_ids=[2])
    assert only_two["learner_id"].tolist() == [2]
    assert recommendation_feedback(engine, T, learner_ids=[]).empty
