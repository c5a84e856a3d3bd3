"""The nightly on a 2-worker local Dask cluster leaves the same tables as one process."""

from __future__ import annotations

import shutil

import pytest

from features.engine import make_engine
from flows.nightly import nightly_on_dask, run_nightly
from tests.nightly_fixtures import AS_OF, seed_demo, snapshot, with_database
from tests.tiny_encoder import build_tiny_encoder


@pytest.mark.slow
def test_dask_partitions_equal_the_single_process_run(tmp_path, sqlite_template,
                                                      champion_settings, monkeypatch) -> None:
    from distributed import LocalCluster
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from models.embeddings import TextEncoder

    model = str(build_tiny_encoder(tmp_path / "model"))
    urls = {}
    for name in ("single", "dask"):
        shutil.copyfile(sqlite_template, tmp_path / f"{name}.db")
        urls[name] = f"sqlite:///{tmp_path / name}.db"
        engine = make_engine(urls[name])
        seed_demo(engine)
        engine.dispose()

    single = make_engine(urls["single"])
    settings = with_database(champion_settings, urls["single"])
    run_nightly(single, settings, AS_OF, full=True, encoder=TextEncoder(model))

    # Workers are processes: they read the settings from the environment, and one
    # Prefect server (not one temporary server each).
    server = SubprocessASGIServer()
    server.start()
    monkeypatch.setenv("PREFECT_API_URL", server.api_url)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", champion_settings.mlflow_tracking_uri)
    monkeypatch.setenv("LEARNERAI_MLFLOW_ARTIFACTS", champion_settings.mlflow_artifact_location)
    monkeypatch.setenv("LEARNERAI_EMBEDDING_MODEL", model)
    try:
        with (temporary_settings(updates={PREFECT_API_URL: server.api_url}),
              LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None) as cluster):
            state = nightly_on_dask(cluster.scheduler_address, partitions=4, as_of=AS_OF,
                                    full=True, database_url=urls["dask"])
    finally:
        server.stop()
    assert state.is_completed(), state.message
    summary = state.result()
    assert summary["counts"]["learner_engagement"] == 240  # all four partitions published

    dask = make_engine(urls["dask"])
    assert snapshot(dask) == snapshot(single)
