"""Who gets an ``AI_Nudge`` after a risk scoring, on which channels — pure rules.

A learner gets one nudge when their disengagement risk moves *into* the high
band (from another band, or on their first score), and only if no
``AI_Nudge`` reached them in the :data:`NUDGE_EVERY_DAYS` days before the
run. Channels follow their ``notification_preference``; the row carries the
delivery ``frequency`` of their latest notification (the notification service
batches ``DailyDigest``/``WeeklySummary`` rows). Scoring the same day twice
moves nobody into the band again, so reruns add no nudge.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

HIGH_BAND = "high"
NUDGE_EVERY_DAYS = 7
#: notification_preference -> (channel_email, channel_browser, channel_app).
CHANNELS = {"Email": (1, 0, 0), "Push": (0, 0, 1), "SMS": (0, 0, 1), "In-app": (0, 1, 1)}
#: An unknown or missing preference: in-app (browser) only, the least intrusive.
DEFAULT_CHANNELS = (0, 1, 0)
DEFAULT_FREQUENCY = "Anytime"
FREQUENCIES = ("Anytime", "OnlineOnly", "DailyDigest", "WeeklySummary")
TITLE = "Keep your learning going"
NUDGE_COLUMNS = ["learner_id", "title", "message", "type", "channel_email", "channel_browser",
                 "channel_app", "frequency", "is_read", "created_on"]


def moved_into_high(old_band: pd.Series, new_band: pd.Series) -> pd.Series:
    """True where the band is high now and was not before (missing counts as not)."""
    return (new_band == HIGH_BAND) & (old_band.fillna("") != HIGH_BAND)


def nudge_message(reason: str | None) -> str:
    """The nudge text: the score's strongest factor, then an invitation."""
    lead = f"{reason.rstrip('.')}. " if reason else ""
    return (f"{lead}A short session today keeps your progress going — your recommendations "
            "are waiting for you.")


def nudge_rows(moves: pd.DataFrame, preferences: pd.DataFrame, last_nudge: pd.Series,
               as_of: dt.datetime) -> pd.DataFrame:
    """Notification rows for the learners who should get a nudge.

    ``moves``: learner_id, old_band, new_band, reason (the top factor's sentence).
    ``preferences``: learner_id -> notification_preference, frequency (may lack learners).
    ``last_nudge``: learner_id -> created_on of their latest AI_Nudge.
    """
    moving = moves[moved_into_high(moves["old_band"], moves["new_band"]).to_numpy()]
    recent = last_nudge.reindex(moving["learner_id"].to_numpy())
    cutoff = pd.Timestamp(as_of) - pd.Timedelta(days=NUDGE_EVERY_DAYS)
    due = (recent.isna() | (pd.to_datetime(recent) <= cutoff)).to_numpy()
    chosen = moving[due]
    prefs = preferences.reindex(chosen["learner_id"].to_numpy())
    channels = np.array([CHANNELS.get(p, DEFAULT_CHANNELS) if isinstance(p, str)
                         else DEFAULT_CHANNELS for p in prefs["notification_preference"]],
                        dtype=np.int64).reshape(-1, 3)
    frequency = prefs["frequency"].where(prefs["frequency"].isin(FREQUENCIES),
                                         DEFAULT_FREQUENCY)
    return pd.DataFrame({
        "learner_id": chosen["learner_id"].astype("int64").to_numpy(),
        "title": TITLE,
        "message": [nudge_message(r if isinstance(r, str) else None) for r in chosen["reason"]],
        "type": "AI_Nudge",
        "channel_email": channels[:, 0], "channel_browser": channels[:, 1],
        "channel_app": channels[:, 2],
        "frequency": frequency.to_numpy(dtype=object),
        "is_read": 0,
        "created_on": as_of,
    }, columns=NUDGE_COLUMNS)
