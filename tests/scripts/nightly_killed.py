"""Run the nightly batch and SIGKILL this process inside the Nth recommendation
transaction (after its rows are written, before its commit).

usage: nightly_killed.py DATABASE_URL MLFLOW_URI ARTIFACTS AS_OF KILL_AT CHUNK
"""

import datetime as dt
import os
import signal
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[2])]

from recommend_fixtures import HashEncoder  # noqa: E402

from features.engine import make_engine  # noqa: E402
from features.publish_recommendations import RecommendationWriter  # noqa: E402
from features.settings import Settings  # noqa: E402
from flows.nightly import run_nightly  # noqa: E402
from models.recommend_policy import RecommenderConfig  # noqa: E402

url, tracking, artifacts, as_of, kill_at, chunk = sys.argv[1:7]
calls = {"n": 0}
original = RecommendationWriter.write


def write_then_die(self, conn, payload):
    original(self, conn, payload)
    calls["n"] += 1
    if calls["n"] == int(kill_at):
        os.kill(os.getpid(), signal.SIGKILL)


RecommendationWriter.write = write_then_die
settings = Settings(database_url=url, mlflow_tracking_uri=tracking,
                    mlflow_artifact_location=artifacts)
run_nightly(make_engine(url), settings, dt.datetime.fromisoformat(as_of), full=True,
            encoder=HashEncoder(), recommender=RecommenderConfig(chunk_size=int(chunk)))
print("finished without being killed")
