"""The production shape on one machine: `train` and `nightly` as Prefect flows against a
real `prefect server`, a real `mlflow server` and MariaDB, all on loopback ports."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from features import migrate
from features.demo_data import seed_database
from features.engine import make_engine
from features.schema import BatchRun
from flows.loopback import free_port, wait_for
from tests.nightly_fixtures import AS_OF, DAYS, SEED, TRAIN_LEARNERS
from tests.tiny_encoder import build_tiny_encoder

BIN = Path(sys.executable).parent


@pytest.fixture
def servers(tmp_path: Path):
    mlflow_port, prefect_port = free_port(), free_port()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-server"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "MLFLOW_DISABLE_TELEMETRY": "true"}
    processes = [
        subprocess.Popen([str(BIN / "mlflow"), "server", "--host", "127.0.0.1", "--port",
                          str(mlflow_port), "--backend-store-uri",
                          f"sqlite:///{tmp_path / 'mlflow-server.db'}",
                          "--default-artifact-root", str(tmp_path / "mlflow-artifacts"),
                          "--workers", "1"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                          "--port", str(prefect_port)],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    try:
        wait_for(f"http://127.0.0.1:{mlflow_port}/health", processes[0])
        wait_for(f"http://127.0.0.1:{prefect_port}/api/health", processes[1])
        yield {"mlflow": f"http://127.0.0.1:{mlflow_port}",
               "prefect": f"http://127.0.0.1:{prefect_port}/api"}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.mark.slow
def test_train_and_nightly_on_real_servers_and_mariadb(servers, mysql_database_factory,
                                                       tmp_path) -> None:
    url = mysql_database_factory("servers")
    engine = make_engine(url)
    migrate.upgrade(engine)
    # Enough learners for a model that passes the default quality gate.
    seed_database(engine, learners=TRAIN_LEARNERS, days=DAYS, seed=SEED + 1, as_of=AS_OF)
    env = {**os.environ, "DATABASE_URL": url, "MLFLOW_TRACKING_URI": servers["mlflow"],
           "LEARNERAI_MLFLOW_ARTIFACTS": str(tmp_path / "artifacts"),
           "PREFECT_API_URL": servers["prefect"], "PREFECT_HOME": str(tmp_path / "client"),
           "LEARNERAI_EMBEDDING_MODEL": str(build_tiny_encoder(tmp_path / "model")),
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    script = (
        "import datetime as dt, json; from flows.train import train; "
        "from flows.nightly import nightly; from registry.models import PromotionGates; "
        f"as_of = dt.datetime.fromisoformat('{AS_OF.isoformat()}'); "
        "t = train(as_of=as_of, targets=('disengagement',), fairness_gate='significant'); "
        "n = nightly(as_of=as_of, full=True); "
        "print(json.dumps({'train': t['disengagement'].get('version'), "
        "'promoted': t['disengagement'].get('promoted'), 'status': n['status'], "
        "'risk': n['counts'].get('risk_predictions', 0), 'recs': n['counts']['inserted']}))")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    import json

    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["train"] == "learnerai-risk-disengagement/1"
    assert result["status"] == "succeeded" and result["recs"] > 1000
    assert result["promoted"] and result["risk"] > 800

    with engine.connect() as conn:
        flows = sorted(conn.execute(select(BatchRun.flow, BatchRun.status)).all())
    assert flows == [("nightly", "succeeded"), ("train", "succeeded")]

    # Both runs are on the servers: the Prefect flow runs and the MLflow model version.
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=servers["mlflow"], registry_uri=servers["mlflow"])
    assert client.get_model_version("learnerai-risk-disengagement", "1").status == "READY"
    with urllib.request.urlopen(urllib.request.Request(
            f"{servers['prefect']}/flow_runs/filter", data=b"{}", method="POST",
            headers={"Content-Type": "application/json"}), timeout=10) as response:
        runs = json.loads(response.read())
    assert sorted(r["state_type"] for r in runs) == ["COMPLETED", "COMPLETED"]
