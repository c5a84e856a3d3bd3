"""The notebooks in ``notebooks/``: committed clean, in step with their generator, and
runnable top to bottom against a small seeded database.

The run executes every notebook with nbclient, in order, in a kernel whose environment
holds the settings (``DATABASE_URL``, ``MLFLOW_TRACKING_URI``,
``LEARNERAI_MLFLOW_ARTIFACTS``, ``LEARNERAI_EMBEDDING_MODEL``) exactly as a data
scientist's would. Embeddings come from a tiny randomly initialised sentence-transformers
model built here (same tokenizer as the bundled MiniLM, one 32-wide layer): the code path
is the real one, and the catalog encodes in a second instead of a minute on a CI CPU.
Each notebook ends by printing a JSON summary; the assertions read it.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.tiny_encoder import build_tiny_encoder

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = ("01-explore-learner-features.ipynb", "02-train-and-compare-risk-models.ipynb",
             "03-review-recommendations.ipynb", "04-fairness-audit.ipynb")
AS_OF = dt.datetime(2026, 3, 1)
MODEL = "learnerai-risk-disengagement"
#: Anything that would tie a committed notebook to one machine or one user.
MACHINE_PATH = re.compile(r"(/(home|Users|root|tmp|work|var|opt|mnt)/|[A-Za-z]:\\\\|file://)")


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("build_notebooks",
                                                  ROOT / "tools" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------- committed files


def test_the_notebooks_are_numbered_and_all_committed() -> None:
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == list(NOTEBOOKS)
    assert list(_generator().NOTEBOOKS) == list(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_has_no_outputs_and_no_machine_paths(name: str) -> None:
    import nbformat

    text = (NOTEBOOK_DIR / name).read_text(encoding="utf-8")
    notebook = nbformat.reads(text, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, "a notebook without code"
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert MACHINE_PATH.search(text) is None, MACHINE_PATH.search(text)
    assert set(notebook.metadata) <= {"kernelspec", "language_info"}
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    # Settings come from the environment, as for the CLI: never a URL in a cell.
    assert "sqlite:///" not in text and "mysql+" not in text
    assert "load_settings()" in text


def test_committed_notebooks_match_their_generator() -> None:
    assert _generator().stale_notebooks() == [], \
        "run `.venv/bin/python tools/build_notebooks.py` and commit notebooks/"


def test_generator_check_flags_a_hand_edited_notebook(tmp_path: Path) -> None:
    generator = _generator()
    for name, cells in generator.NOTEBOOKS.items():
        (tmp_path / name).write_text(generator.render(cells), encoding="utf-8")
    assert generator.stale_notebooks(tmp_path) == []
    edited = tmp_path / NOTEBOOKS[1]
    edited.write_text(edited.read_text(encoding="utf-8").replace("TARGET =", "TARGET  ="),
                      encoding="utf-8")
    (tmp_path / NOTEBOOKS[3]).unlink()
    assert generator.stale_notebooks(tmp_path) == [NOTEBOOKS[1], NOTEBOOKS[3]]


# --------------------------------------------------------------------------- execution


def write_kernelspec(directory: Path) -> Path:
    """A ``python3`` kernelspec running this interpreter, for JUPYTER_PATH: the
    kernel then imports this checkout's venv whatever kernels the user has installed."""
    spec = directory / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (learnerai tests)", "language": "python"}))
    return directory


@pytest.fixture(scope="module")
def notebook_env(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> dict:
    """A seeded database, an empty MLflow store and the kernel environment pointing at
    both; the demo data ends on 2026-02-28, so every notebook works as of 2026-03-01."""
    from features.demo_data import seed_database
    from features.engine import make_engine

    root = tmp_path_factory.mktemp("notebooks")
    db = root / "learnerai.db"
    shutil.copyfile(sqlite_template, db)
    engine = make_engine(f"sqlite:///{db}")
    # 400 learners over 150 days: the smallest demo on which the default model finds
    # signal (at 120 days its shallow trees, min_samples_leaf=100, split nothing).
    seed_database(engine, learners=400, days=150, seed=7, as_of=AS_OF)
    engine.dispose()
    env = {
        "DATABASE_URL": f"sqlite:///{db}",
        "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}",
        "LEARNERAI_MLFLOW_ARTIFACTS": str(root / "mlartifacts"),
        "LEARNERAI_EMBEDDING_MODEL": str(build_tiny_encoder(root / "model")),
        "PREFECT_HOME": str(root / "prefect"),
        "JUPYTER_PATH": str(write_kernelspec(root / "jupyter")),
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    return {"root": root, "env": env}


def run_notebook(name: str, workdir: Path) -> tuple[dict, float]:
    """Execute a notebook top to bottom in ``workdir``; its summary and the seconds taken."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    started = time.monotonic()
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir)}}).execute()
    seconds = time.monotonic() - started
    errors = [o for cell in notebook.cells for o in cell.get("outputs", [])
              if o.output_type == "error"]
    assert not errors, errors
    images = sum("image/png" in o.get("data", {}) for cell in notebook.cells
                 for o in cell.get("outputs", []))
    last = "".join(o.get("text", "") for o in notebook.cells[-1].outputs
                   if o.output_type == "stream" and o.name == "stdout")
    summary = json.loads(last.strip().splitlines()[-1])
    summary["_images"] = images
    return summary, seconds


@pytest.mark.slow
def test_every_notebook_runs_top_to_bottom(notebook_env: dict,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow import MlflowClient

    from features.recommend_eval import METHODS
    from features.schema import RECOMMENDATION_TYPES
    from features.views import ENGAGEMENT_FEATURES

    for key, value in notebook_env["env"].items():
        monkeypatch.setenv(key, value)  # the kernel inherits this process's environment
    workdir = notebook_env["root"] / "work"
    workdir.mkdir()
    summaries, seconds = {}, {}
    for name in NOTEBOOKS:
        summaries[name[:2]], seconds[name[:2]] = run_notebook(name, workdir)
    print("notebook seconds:", {k: round(v, 1) for k, v in seconds.items()})
    explore, train, recommend, audit = (summaries[k] for k in ("01", "02", "03", "04"))

    # 01: every learner registered before as-of, the documented feature list.
    assert explore["as_of"] == "2026-03-01"
    assert explore["learners"] == 400
    assert 300 < explore["learners_4_weeks_earlier"] < 400  # later registrations absent
    assert explore["engagement_features"] == len(ENGAGEMENT_FEATURES) == 32
    assert 0.3 < explore["active_last_28d_share"] < 1.0
    assert explore["_images"] == 2  # distributions, correlations

    # 02: both models beat chance on one holdout; the variant is a registered challenger
    # whose promotion decision is on record in MLflow.
    assert train["rows"] > 1000 and 100 < train["holdout_rows"] < train["rows"]
    assert 0.65 < train["project_roc_auc"] <= 1.0 and 0.65 < train["variant_roc_auc"] <= 1.0
    assert re.fullmatch(rf"{MODEL}/\d+", train["challenger"])
    client = MlflowClient(tracking_uri=notebook_env["env"]["MLFLOW_TRACKING_URI"],
                          registry_uri=notebook_env["env"]["MLFLOW_TRACKING_URI"])
    challenger = client.get_model_version(MODEL, train["challenger"].rsplit("/", 1)[1])
    assert challenger.tags["learnerai.promotion"] == ("promoted" if train["promoted"]
                                                      else "refused")
    assert train["_images"] == 4  # ROC, two calibration curves, importance
    notebook_runs = client.search_runs(
        [client.get_experiment_by_name(MODEL).experiment_id],
        filter_string="attributes.run_name LIKE 'notebook-%'")
    assert sorted(r.info.run_name for r in notebook_runs) == [
        "notebook-project-2026-03-01", "notebook-variant-2026-03-01"]

    # 03: every type recommended, three learners reviewed, evaluated a horizon earlier.
    assert 300 < recommend["learners"] < 400  # opted-out learners get nothing
    assert recommend["types"] == sorted(RECOMMENDATION_TYPES)
    assert len(recommend["reviewed"]) == 3
    assert recommend["evaluated_at"] == "2026-01-30"
    assert recommend["learners_with_positives"] > 0
    assert set(recommend["ndcg@10"]) == set(METHODS)
    assert all(0.0 <= v <= 1.0 for v in recommend["ndcg@10"].values())
    assert recommend["_images"] == 2

    # 04: the audit scores the champion on the holdout of training as of the same date.
    assert re.fullmatch(rf"{MODEL}/\d+", audit["champion"])
    assert audit["holdout_rows"] == train["holdout_rows"]
    if train["promoted"]:  # the variant from 02 is the champion
        assert not audit["trained_now"] and audit["champion"] == train["challenger"]
        assert audit["roc_auc"] == pytest.approx(train["variant_roc_auc"], abs=1e-4)
    else:  # trained now: the project's default pipeline on the same rows as in 02
        assert audit["trained_now"]
        assert audit["roc_auc"] == pytest.approx(train["project_roc_auc"], abs=1e-4)
    assert 0.0 <= audit["largest_auc_gap"] <= 1.0
    assert set(audit["abroca"]) <= {"gender", "age_band", "country"} and audit["abroca"]
    assert audit["_images"] == 6  # ROC and calibration for each of three attributes
