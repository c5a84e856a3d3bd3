"""AI_Nudge rules: into the high band only, at most one per 7 days, channels and
frequency from the learner's own settings."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from models.nudges import DEFAULT_CHANNELS, moved_into_high, nudge_message, nudge_rows

AS_OF = dt.datetime(2026, 3, 1)


def moves(*rows):
    return pd.DataFrame(rows, columns=["learner_id", "old_band", "new_band", "reason"])


def test_only_a_move_into_high_counts() -> None:
    old = pd.Series(["low", "medium", "high", None, "high"])
    new = pd.Series(["high", "high", "high", "high", "medium"])
    assert moved_into_high(old, new).tolist() == [True, True, False, True, False]


def test_nudge_rows_follow_preferences_and_the_seven_day_rule() -> None:
    frame = moves((1, "low", "high", "No activity for 12 days — typical learners were "
                   "active 3 days ago."),
                  (2, "medium", "high", None),
                  (3, None, "high", None),
                  (4, "low", "high", None),
                  (5, "high", "high", None))
    prefs = pd.DataFrame({"notification_preference": ["Email", "In-app", "Carrier pigeon"],
                          "frequency": ["DailyDigest", None, "Sometimes"]},
                         index=pd.Index([1, 2, 3], name="learner_id"))
    last = pd.Series({4: AS_OF - dt.timedelta(days=6), 2: AS_OF - dt.timedelta(days=7)})
    rows = nudge_rows(frame, prefs, last, AS_OF).set_index("learner_id")

    assert list(rows.index) == [1, 2, 3]  # 4 was nudged 6 days ago, 5 did not move
    assert tuple(rows.loc[1, ["channel_email", "channel_browser", "channel_app"]]) == (1, 0, 0)
    assert tuple(rows.loc[2, ["channel_email", "channel_browser", "channel_app"]]) == (0, 1, 1)
    assert tuple(rows.loc[3, ["channel_email", "channel_browser", "channel_app"]]) \
        == DEFAULT_CHANNELS
    assert rows["frequency"].tolist() == ["DailyDigest", "Anytime", "Anytime"]
    assert (rows["type"] == "AI_Nudge").all() and (rows["created_on"] == AS_OF).all()
    assert rows.loc[1, "message"].startswith("No activity for 12 days")


def test_message_without_a_reason_still_reads_well() -> None:
    assert nudge_message(None).startswith("A short session today")
    assert nudge_message("Quiz accuracy fell.").startswith("Quiz accuracy fell. A short")
