"""Values as plain JSON: what MLflow artifacts and the run ledger can store everywhere."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def plain_json(value: Any) -> Any:
    """Dicts (keys as text), lists, str, int, float, bool, None — nothing else.

    NaN and infinities become None (MySQL's JSON and strict JSON parsers refuse them),
    numpy scalars Python ones, timestamps ISO text, anything else its text.
    """
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)
