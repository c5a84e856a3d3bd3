"""The simulated time window and the conversion of its clock to timestamps.

Inside the generators every time is an ``int64`` number of seconds since the
window start (``as_of - days``); registration dates may be negative. Only at
the end are they turned into naive-UTC ``datetime64[s]`` values, so no code
path ever looks at the wall clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

DAY = 86_400
HOUR = 3_600


@dataclass(frozen=True)
class Window:
    """``[as_of - days, as_of)`` in naive UTC."""

    as_of: dt.datetime
    days: int

    @property
    def start(self) -> dt.datetime:
        return self.as_of - dt.timedelta(days=self.days)

    @property
    def seconds(self) -> int:
        """Length of the window; every event time ``t`` satisfies ``0 <= t < seconds``."""
        return self.days * DAY

    def timestamps(self, t: np.ndarray) -> np.ndarray:
        """Seconds since the window start as ``datetime64[s]`` (NaT where ``t`` is NaN)."""
        start = np.datetime64(self.start, "s")
        arr = np.asarray(t)
        if arr.dtype.kind == "f":
            out = np.full(arr.shape, np.datetime64("NaT"), dtype="datetime64[s]")
            ok = ~np.isnan(arr)
            out[ok] = start + arr[ok].astype(np.int64).astype("timedelta64[s]")
            return out
        return start + arr.astype(np.int64).astype("timedelta64[s]")

    def start_weekday(self) -> int:
        """Monday=0 weekday of the window's first UTC day."""
        return self.start.weekday()


def utc_offsets(zones: tuple[str, ...], at: dt.datetime) -> np.ndarray:
    """UTC offset in seconds of each IANA zone at ``at`` (DST is held fixed over the window)."""
    return np.array(
        [int(ZoneInfo(z).utcoffset(at).total_seconds()) for z in zones], dtype=np.int64
    )


def default_as_of() -> dt.datetime:
    """Today at 00:00 UTC, naive: the only place the wall clock is read."""
    now = dt.datetime.now(dt.UTC)
    return dt.datetime(now.year, now.month, now.day)
