import datetime as dt
import json

import numpy as np
import pandas as pd

from features.jsonable import plain_json


def test_plain_json_is_strict_json_for_everything_we_log() -> None:
    value = {1: np.float64(0.5), "nan": float("nan"), "inf": np.inf, "n": np.int64(3),
             "when": pd.Timestamp("2026-03-01"), "day": dt.date(2026, 3, 1),
             "list": (np.bool_(True), None, "x")}
    out = plain_json(value)
    assert out == {"1": 0.5, "nan": None, "inf": None, "n": 3, "when": "2026-03-01T00:00:00",
                   "day": "2026-03-01", "list": [True, None, "x"]}
    json.dumps(out, allow_nan=False)
