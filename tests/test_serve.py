"""The schedules: Prefect deployments in code (``learnerai serve``) and ``prefect.yaml``
(a work pool) declare the same flows, crons, timezone and parameters. Nothing is served."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from features.errors import ConfigurationError
from features.settings import load_settings
from flows.serve import SCHEDULES, deployments, schedule_lines, serve_all

ROOT = Path(__file__).resolve().parents[1]

#: (flow, deployment) -> (cron, parameters): the schedule the docs promise.
EXPECTED = {
    ("learnerai-nightly", "nightly-daily"): ("0 2 * * *", {"full": False}),
    ("learnerai-nightly", "nightly-weekly-full"): ("0 3 * * 0",
                                                   {"full": True, "refit": True,
                                                    "wait_seconds": 3600}),
    ("learnerai-train", "train-weekly"): ("0 4 * * 0", {}),
    ("learnerai-evaluate", "evaluate-weekly"): ("0 5 * * 1", {"wait_seconds": 3600}),
}


@pytest.fixture(scope="module")
def berlin() -> list:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEARNERAI_TIMEZONE", "Europe/Berlin")
        return deployments(load_settings())


def test_deployments_carry_names_crons_timezone_and_parameters(berlin) -> None:
    found = {}
    for deployment in berlin:
        [schedule] = deployment.schedules
        assert schedule.active and schedule.schedule.timezone == "Europe/Berlin"
        found[(deployment.flow_name, deployment.name)] = (schedule.schedule.cron,
                                                          deployment.parameters)
        assert deployment.tags == ["learnerai"] and deployment.description
        assert "database_url" not in deployment.parameters  # no password in Prefect
    assert found == EXPECTED


def test_the_timezone_defaults_to_utc_and_must_exist(monkeypatch) -> None:
    monkeypatch.delenv("LEARNERAI_TIMEZONE", raising=False)
    zones = {s.schedule.timezone for d in deployments(load_settings()) for s in d.schedules}
    assert zones == {"UTC"}
    monkeypatch.setenv("LEARNERAI_TIMEZONE", "Mars/Olympus_Mons")
    with pytest.raises(ConfigurationError, match="LEARNERAI_TIMEZONE 'Mars/Olympus_Mons'"):
        deployments(load_settings())


def test_schedule_lines_say_what_runs_when() -> None:
    from features.settings import Settings

    assert schedule_lines(Settings(timezone="Europe/Berlin")) == [
        "learnerai-nightly/nightly-daily  0 2 * * * (Europe/Berlin)  full=False",
        "learnerai-nightly/nightly-weekly-full  0 3 * * 0 (Europe/Berlin)  full=True, "
        "refit=True, wait_seconds=3600",
        "learnerai-train/train-weekly  0 4 * * 0 (Europe/Berlin)",
        "learnerai-evaluate/evaluate-weekly  0 5 * * 1 (Europe/Berlin)  wait_seconds=3600",
    ]


def test_entrypoints_import_the_flows_they_name(berlin) -> None:
    from prefect.flows import load_flow_from_entrypoint

    for deployment in berlin:
        assert not deployment.entrypoint.startswith("/")  # a module path, not a file
        flow = load_flow_from_entrypoint(deployment.entrypoint, use_placeholder_flow=False)
        assert flow.name == deployment.flow_name, deployment.entrypoint


def test_serve_all_needs_a_prefect_server_and_serves_every_deployment(monkeypatch) -> None:
    import prefect
    from prefect.settings import PREFECT_API_URL, temporary_settings

    served = []
    monkeypatch.setattr(prefect, "serve", lambda *args, **_: served.extend(args))
    # serve_all writes the settings into os.environ: give it a copy, restored afterwards.
    monkeypatch.setattr(os, "environ", os.environ.copy())
    for name in ("DATABASE_URL", "MLFLOW_TRACKING_URI", "LEARNERAI_MLFLOW_ARTIFACTS",
                 "LEARNERAI_EMBEDDING_MODEL", "LEARNERAI_TIMEZONE"):
        os.environ.pop(name, None)
    settings = load_settings(database_url="sqlite:///served.db")

    with (temporary_settings(updates={PREFECT_API_URL: None}),
          pytest.raises(ConfigurationError, match="PREFECT_API_URL")):
        serve_all(settings)
    assert served == []

    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        serve_all(settings)
    assert [d.name for d in served] == [s.name for s in SCHEDULES]
    assert os.environ["DATABASE_URL"] == "sqlite:///served.db"  # what the runs will read


# ------------------------------------------------------------------- prefect.yaml


@pytest.fixture(scope="module")
def prefect_yaml() -> dict:
    return yaml.safe_load((ROOT / "prefect.yaml").read_text())


def test_prefect_yaml_declares_the_same_deployments(prefect_yaml) -> None:
    found = {}
    for entry in prefect_yaml["deployments"]:
        [schedule] = entry["schedules"]
        assert schedule["timezone"] == "{{ $LEARNERAI_TIMEZONE }}"
        assert entry["work_pool"]["name"] == "learnerai"
        found[(entry["flow_name"], entry["name"])] = (schedule["cron"], entry["parameters"])
    assert found == EXPECTED
    by_name = {entry["name"]: entry["entrypoint"] for entry in prefect_yaml["deployments"]}
    assert by_name == {s.name: s.entrypoint for s in SCHEDULES}


def test_prefect_yaml_entrypoints_exist_and_name_their_flows(prefect_yaml,
                                                             monkeypatch) -> None:
    from prefect.flows import load_flow_from_entrypoint

    monkeypatch.chdir(ROOT)  # where the pull step puts a run
    for entry in prefect_yaml["deployments"]:
        path, function = entry["entrypoint"].split(":")
        assert (ROOT / path).is_file(), path
        flow = load_flow_from_entrypoint(entry["entrypoint"], use_placeholder_flow=False)
        assert flow.name == entry["flow_name"] and flow.fn.__name__ == function


def test_prefect_yaml_resolves_the_way_prefect_deploy_does(prefect_yaml,
                                                          monkeypatch) -> None:
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.utilities.templating import apply_values

    [pull] = prefect_yaml["pull"]
    assert pull == {"prefect.deployments.steps.set_working_directory":
                    {"directory": "{{ $LEARNERAI_HOME }}"}}
    monkeypatch.setenv("LEARNERAI_TIMEZONE", "Europe/Berlin")
    resolved = apply_values(prefect_yaml["deployments"], os.environ, remove_notset=False)
    for entry in resolved:
        [schedule] = entry["schedules"]
        cron = CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
        assert cron.timezone == "Europe/Berlin"
    try:
        from prefect.cli.deploy._models import PrefectYamlModel
    except ImportError:  # a private module of Prefect's CLI: its schema check is a bonus
        return
    model = PrefectYamlModel.model_validate(prefect_yaml)
    assert [d.name for d in model.deployments] == [s.name for s in SCHEDULES]
