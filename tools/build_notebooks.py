"""Writes the data-science notebooks in ``notebooks/`` from the cells below.

This script is the source of the committed notebooks: they carry no outputs, no
execution counts and stable cell ids, so a diff shows only what changed in a cell.
Explore freely in Jupyter; to change a committed notebook, change its cells here and run

    .venv/bin/python tools/build_notebooks.py           # (re)write notebooks/*.ipynb
    .venv/bin/python tools/build_notebooks.py --check   # exit 1 if they differ from here

``tests/test_notebooks.py`` runs the check and executes every notebook.
The cells hold no logic of their own: everything they call lives in the package.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from textwrap import dedent

import nbformat

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

#: The first code cell of every notebook: settings as the CLI reads them.
SETUP = """
%matplotlib inline
import datetime as dt
import json

import pandas as pd
from IPython.display import Markdown, display

from features.notebook_data import data_as_of, describe_settings, open_database
from features.settings import load_settings

pd.set_option("display.width", 140)
settings = load_settings()  # DATABASE_URL, MLFLOW_TRACKING_URI, ... exactly as the CLI reads them
print(describe_settings(settings))
engine = open_database(settings)
# The day after the last recorded activity: a demo database stays explorable after the
# day it was seeded, a live one gives today.
as_of = data_as_of(engine)
print(f"data as of {as_of:%Y-%m-%d}")
"""

Cell = tuple[str, str]  # ("markdown" | "code", source)


def md(source: str) -> Cell:
    return ("markdown", dedent(source).strip())


def code(source: str) -> Cell:
    return ("code", dedent(source).strip())


EXPLORE: list[Cell] = [
    md("""
    # 01 · Explore learner features

    What the feature store knows about each learner **as of a date**: the same
    `features.retrieval.get_features` the nightly run scores and training calls at past
    cutoffs. Every feature reads only rows stamped before `as_of`.

    The database and MLflow come from the same settings as the `learnerai` CLI
    (`DATABASE_URL`, `MLFLOW_TRACKING_URI`, `LEARNERAI_MLFLOW_ARTIFACTS`); see
    `notebooks/README.md` for how to start Jupyter against the demo database.
    """),
    code(SETUP),
    md("""
    ## The engagement features, as declared

    `features.views.ENGAGEMENT` is a `FeatureView`: its entity, the tables it reads and
    one `Feature` per column with type, unit and meaning. Its names are the published
    contract of `learner_ai_features.engagement_vector`; code, docs and tests read them
    from there.
    """),
    code("""
    from features.notebook_data import feature_catalog
    from features.profile import PROFILE
    from features.skills import SKILLS
    from features.views import ENGAGEMENT

    print(f"{ENGAGEMENT.name}: {ENGAGEMENT.description}")
    print(f"entity: {ENGAGEMENT.entity}; reads: {', '.join(ENGAGEMENT.sources)}")
    documented = feature_catalog(ENGAGEMENT, SKILLS, PROFILE)
    with pd.option_context("display.max_colwidth", None, "display.max_rows", 100):
        display(documented[documented["view"] == "engagement"].drop(columns="view"))
    """),
    md("The skills and profile views join the engagement view in `get_features`:"),
    code("""
    with pd.option_context("display.max_colwidth", None, "display.max_rows", 100):
        display(documented[documented["view"] != "engagement"])
    """),
    md("""
    ## Features as of a date

    Skills are resolved to the catalog here by exact name, which needs no embedding
    model; the nightly run uses the embedding resolver (notebook 03), which also
    catches aliases and typos.
    """),
    code("""
    from features.recommendation_data import read_catalog
    from features.recommendation_inputs import exact_name_resolver
    from features.retrieval import get_features

    resolver = exact_name_resolver(read_catalog(engine).skills)
    features = get_features(engine, as_of, skill_resolver=resolver)
    print(f"{len(features)} learners x {features.shape[1]} columns as of {as_of:%Y-%m-%d}")
    features.head()
    """),
    md("## Distributions"),
    code("""
    engagement = list(ENGAGEMENT.names)
    features[engagement].describe().T.round(2)
    """),
    code("""
    from models.notebook_plots import distribution_figure

    distribution_figure(features, engagement, ncols=4)
    """),
    code("""
    # Stated preferences the risk models may read (fairness attributes never are inputs).
    pd.concat({c: features[c].value_counts(dropna=False) for c in
               ("learning_style", "gamification_persona", "preferred_content_format")},
              names=["feature", "value"]).rename("learners").to_frame()
    """),
    md("""
    ## Correlations

    Spearman (rank) correlation: counts and minutes are skewed, and the trees of the
    risk model only see order. Strongly correlated pairs share their permutation
    importance in notebook 02.
    """),
    code("""
    from models.notebook_plots import correlation_figure, correlation_pairs

    correlation_pairs(features, engagement, top=12).round(3)
    """),
    code("correlation_figure(features, engagement)"),
    md("""
    ## Point in time: the same learners four weeks earlier

    Training calls `get_features` at past cutoffs; a learner's row then reflects only
    what had happened by that cutoff.
    """),
    code("""
    earlier_as_of = as_of - dt.timedelta(days=28)
    earlier = get_features(engine, earlier_as_of, skill_resolver=resolver)
    columns = ["active_days_28d", "minutes_28d", "days_since_last_activity", "tenure_days"]
    side_by_side = features[columns].join(earlier[columns], rsuffix=" (4 weeks earlier)",
                                          how="inner")
    print(f"{len(earlier)} learners were registered by {earlier_as_of:%Y-%m-%d}")
    side_by_side.head(8)
    """),
    md("## Summary"),
    code("""
    summary = {
        "as_of": f"{as_of:%Y-%m-%d}",
        "learners": len(features),
        "learners_4_weeks_earlier": len(earlier),
        "engagement_features": len(ENGAGEMENT.names),
        "active_last_28d_share": round(float((features["active_days_28d"] > 0).mean()), 4),
    }
    print(json.dumps(summary))
    """),
]


TRAIN: list[Cell] = [
    md("""
    # 02 · Train and compare risk models

    Build a point-in-time training frame, train the project's disengagement pipeline and
    a variant on it, compare both on the same holdout with the project's metrics and
    plots, log both to MLflow, and see whether the variant, registered as the
    `challenger`, would be promoted to `champion`.

    These are the steps `learnerai train` runs (`flows/train.py`), called one at a time.
    """),
    code(SETUP),
    md("""
    ## A point-in-time training frame

    Cutoffs every 14 days, from 28 days after the first activity (a full look-back) to
    `as_of` minus the 30-day horizon (every label window closes before `as_of`). At each
    cutoff: the features as of the cutoff, and the label from the 30 days after it
    (a learner active in the 28 days before who shows no activity in the next 30).
    """),
    code("""
    from flows.train import build_frame, default_cutoffs, find_history_start
    from models.risk import default_config

    TARGET = "disengagement"
    config = default_config(TARGET)
    cutoffs = default_cutoffs(as_of, config.horizon_days, find_history_start(engine, as_of))
    frame = build_frame(engine, config, cutoffs)
    print(f"{len(frame)} rows at {len(cutoffs)} cutoffs, {frame['learner_id'].nunique()} learners")
    frame.groupby("cutoff")["label"].agg(rows="size", disengaged_share="mean").round(3)
    """),
    md("""
    ## The project pipeline and a variant

    A model is defined by its `RiskModelConfig`: features, estimator, calibration,
    horizon. The variant asks whether the learner's stated preferences and goal add
    anything: the same estimator on the engagement features alone. Another estimator or
    calibration is a config change the same way (`estimator=...`, `calibration=...`).
    Both train on the same frame with the same split: train on earlier cutoffs, evaluate
    on the latest ones, no learner on both sides.
    """),
    code("""
    from features.views import ENGAGEMENT_FEATURES
    from models.risk import train_risk_model

    project = train_risk_model(frame, config)
    engagement_only = tuple(f for f in config.numeric_features if f in ENGAGEMENT_FEATURES)
    variant_config = default_config(TARGET, numeric_features=engagement_only,
                                    categorical_features=())
    variant = train_risk_model(frame, variant_config)
    print(f"project: {len(config.features)} features; variant: {len(variant_config.features)}")
    split = project.split
    print(f"train: {split.train_rows} rows ({split.train_learners} learners, "
          f"{len(split.train_cutoffs)} cutoffs); holdout: {split.holdout_rows} rows "
          f"({split.holdout_learners} learners, {len(split.holdout_cutoffs)} cutoffs)")
    """),
    md("""
    ## Compared on the same holdout

    ROC-AUC and PR-AUC (ranking), Brier and ECE (calibration), and the largest ROC-AUC gap
    between groups of gender, age band or country; the recency rule and an uncalibrated
    logistic regression are the baselines every model must beat.
    """),
    code("""
    from models.notebook_plots import model_comparison

    comparison = model_comparison({"project": project, "variant": variant})
    comparison.round(4)
    """),
    code("""
    from registry.tracking import calibration_figure, importance_figure, roc_figure

    y = project.holdout_labels
    roc_figure(y, {"project": project.holdout_scores, "variant": variant.holdout_scores,
                   **project.baseline_scores})
    """),
    code("""
    for name, result in (("project", project), ("variant", variant)):
        figure = calibration_figure(y, result.holdout_scores)
        figure.axes[0].set_title(f"Calibration: {name}")
        display(figure)
    """),
    code("""
    # Permutation importance: the drop in holdout ROC-AUC when a feature is shuffled.
    importance_figure(project.importances)
    """),
    code("""
    pd.concat({name: result.importances.set_index("feature")["importance"]
               for name, result in (("project", project), ("variant", variant))},
              axis=1).sort_values("project", ascending=False).head(10).round(4)
    """),
    code("""
    from models.notebook_plots import fairness_summary

    pd.concat({name: fairness_summary(result.fairness)
               for name, result in (("project", project), ("variant", variant))}).round(4)
    """),
    md("""
    ## Logged to MLflow

    Each run records the config, the split, the training-data fingerprint, every metric,
    the plots above and the fitted pipeline (with a signature). The project pipeline is
    logged only (`learnerai train` is what registers it); the variant is registered as a
    new version of `learnerai-risk-disengagement` and gets the `challenger` alias.
    """),
    code("""
    from registry.tracking import configure_mlflow, log_training_run

    client = configure_mlflow(settings)
    logged_project = log_training_run(client, settings, project, as_of=as_of, register=False,
                                      run_name=f"notebook-project-{as_of:%Y-%m-%d}")
    logged_variant = log_training_run(client, settings, variant, as_of=as_of,
                                      run_name=f"notebook-variant-{as_of:%Y-%m-%d}")
    print(f"project run {logged_project.run_id}")
    print(f"variant run {logged_variant.run_id}, registered as "
          f"{logged_variant.version_string} (alias: challenger)")
    """),
    md("""
    ## Would the challenger become champion?

    `promote_if_better` loads the current champion, re-scores it on the variant's holdout
    (same learners, same cutoffs), and moves `champion` only if the variant beats it and
    passes the quality and fairness gates of `PromotionGates` — the defaults of
    `learnerai train`. The decision and its reasons are tagged on the version.
    """),
    code("""
    from registry.models import PromotionGates, promote_if_better

    gates = PromotionGates()
    decision = promote_if_better(client, variant, logged_variant.version, gates)
    print(f"{decision.version}: {'promoted to champion' if decision.promoted else 'stays challenger'}")
    for reason in decision.reasons:
        print(" -", reason)
    """),
    md("## Summary"),
    code("""
    summary = {
        "target": TARGET,
        "rows": len(frame),
        "holdout_rows": split.holdout_rows,
        "project_roc_auc": round(project.metrics["roc_auc"], 4),
        "variant_roc_auc": round(variant.metrics["roc_auc"], 4),
        "recency_rule_roc_auc": round(project.baselines["recency_rule"]["roc_auc"], 4),
        "challenger": logged_variant.version_string,
        "promoted": decision.promoted,
    }
    print(json.dumps(summary))
    """),
]


RECOMMEND: list[Cell] = [
    md("""
    # 03 · Review recommendations

    Compute recommendations as the nightly run does, read them with their reasons and the
    evidence behind each score, and evaluate Course recommendations offline against the
    most-popular and co-occurrence baselines.
    """),
    code(SETUP),
    md("""
    ## Inputs as of the data's date

    Catalog and learner texts are embedded with the configured sentence-transformers
    model (`LEARNERAI_EMBEDDING_MODEL`) through the `text_embeddings` cache, so only texts
    never seen before are encoded (the first run on a fresh database encodes the whole
    catalog: a minute or two on a laptop CPU).
    """),
    code("""
    from features.recommend_eval import fitted_skill_resolver
    from features.recommendation_inputs import load_recommendation_data
    from models.embeddings import TextEncoder

    encoder = TextEncoder(settings.embedding_model)
    resolver = fitted_skill_resolver(engine, encoder)
    data = load_recommendation_data(engine, encoder, resolver, as_of)
    print(f"{len(data.inputs.learner_ids)} learners opted in to AI personalisation, "
          f"{len(data.opted_out)} opted out (they get nothing); "
          f"{encoder.encoded_count} texts encoded now, the rest came from the cache")
    """),
    code("""
    from models.recommend import recommend

    recs = recommend(data.inputs, data.space)
    recs.groupby("recommendation_type").agg(rows=("learner_id", "size"),
                                            learners=("learner_id", "nunique"),
                                            mean_confidence=("confidence_score", "mean")).round(3)
    """),
    md("""
    ## Three learners, their lists and reasons

    Learners whose lists span the most recommendation types. A reason names the terms
    that actually produced the score.
    """),
    code("""
    from models.notebook_plots import learner_recommendations, pick_learners

    learners = pick_learners(recs, 3)
    with pd.option_context("display.max_colwidth", None):
        for learner in learners:
            display(Markdown(f"### Learner {learner}"))
            display(learner_recommendations(recs, learner))
    """),
    md("""
    ## The evidence behind one recommendation

    The score is the sum of its terms' contributions (value x weight); the facts are the
    data each term was computed from.
    """),
    code("""
    from models.notebook_plots import evidence_facts, evidence_terms

    row = recs[recs["learner_id"] == learners[0]].iloc[0]
    print(f"{row['recommendation_type']} {row['reference_id']} for learner {learners[0]}: "
          f"score {row['score']:.4f}, confidence {row['confidence_score']:.2f}")
    print(row["recommendation_reason"])
    display(evidence_terms(row["evidence"]))
    evidence_facts(row["evidence"])
    """),
    md("""
    ## What is published for this learner

    `learner_recommendations` as apps read it: the last run's `Pending` rows and the
    history (`Clicked`, `Ignored`, `Completed`) that feeds back into the next ranking.
    """),
    code("""
    from features.recommendation_report import format_recommendations

    print(format_recommendations(engine, learners[0]))
    """),
    md("""
    ## Offline evaluation against the baselines

    A temporal split at T = `as_of` minus 30 days: every input is read as of T and the
    positives are the courses each learner enrolled in during the 30 days after T
    (courses they were taking or had completed at T are excluded for every method).
    """),
    code("""
    from features.recommend_eval import evaluate_recommendations

    HORIZON_DAYS = 30
    split_at = as_of - dt.timedelta(days=HORIZON_DAYS)
    table = evaluate_recommendations(engine, encoder, resolver, split_at, k=(5, 10),
                                     horizon_days=HORIZON_DAYS)
    print(table.attrs["split"])
    table.T.round(4)
    """),
    code("""
    from models.notebook_plots import metric_bars_figure

    metric_bars_figure(table, ["precision@10", "recall@10", "ndcg@10", "map@10"])
    """),
    code("""
    # Beyond accuracy: share of the catalog recommended, and how unlike each other a list's
    # items are (novelty, in bits, is in the table above).
    metric_bars_figure(table, ["coverage@10", "diversity@10"])
    """),
    md("## Summary"),
    code("""
    summary = {
        "as_of": f"{as_of:%Y-%m-%d}",
        "learners": int(recs["learner_id"].nunique()),
        "recommendations": len(recs),
        "types": sorted(recs["recommendation_type"].unique()),
        "reviewed": learners,
        "evaluated_at": table.attrs["split"]["as_of"][:10],
        "learners_with_positives": table.attrs["split"]["learners_with_positives"],
        "ndcg@10": {method: round(float(value), 4) for method, value in table["ndcg@10"].items()},
    }
    print(json.dumps(summary))
    """),
]


FAIRNESS: list[Cell] = [
    md("""
    # 04 · Fairness audit of the champion

    Per-group ROC curves, ABROCA (the area between a group's ROC curve and the majority
    group's) and calibration by group for the current `champion` disengagement model, on
    holdout learners it was never trained on. Gender, age band and country are audited
    here and are never model inputs.
    """),
    code(SETUP),
    md("""
    ## The champion

    Loaded from the MLflow registry of the settings. A fresh demo database has none yet:
    then this trains one with `flows.train.run_training` and relaxed demo gates
    (`DEMO_GATES`: ROC-AUC at least 0.5, any group gap) so there is something to audit.
    That model becomes the registry's champion; in production a model earns it through
    `learnerai train` and the default gates.
    """),
    code("""
    from flows.notebook_support import DEMO_GATES, champion_or_train

    TARGET = "disengagement"
    champion = champion_or_train(engine, settings, TARGET, as_of, gates=DEMO_GATES)
    if champion.trained_now:
        print(champion.note)
        print(f"-> trained {champion.version} as of {as_of:%Y-%m-%d} with relaxed demo gates "
              f"and promoted it to champion")
    print(f"auditing champion {champion.version}")
    """),
    md("""
    ## The rows to audit on

    The holdout of `learnerai train` as of `as_of`: the latest cutoffs, and only the
    learners of the stable holdout half, which no model trained with the default split
    has seen.
    """),
    code("""
    from flows.notebook_support import audit_holdout
    from models.risk import RiskBands, predict_risk

    holdout = audit_holdout(engine, TARGET, as_of)
    y = holdout["label"].to_numpy(dtype=int)
    scores = predict_risk(champion.pipeline, holdout)
    print(f"{len(holdout)} rows, {holdout['learner_id'].nunique()} learners, "
          f"{holdout['cutoff'].nunique()} cutoffs, disengaged share {y.mean():.3f}")
    """),
    md("""
    ## Gaps per attribute

    Groups with fewer than 30 rows or one class only cannot have an ROC curve: they are
    listed as skipped, never silently dropped. The permutation p-value asks whether a
    gap is larger than shuffling the group labels across learners would produce.
    """),
    code("""
    from models.metrics import FAIRNESS_ATTRIBUTES, classification_metrics, fairness_report
    from models.notebook_plots import fairness_summary, fairness_table

    threshold = RiskBands().high_from  # "high" risk: where tutors are alerted
    report = fairness_report(y, scores, holdout[list(FAIRNESS_ATTRIBUTES)], threshold=threshold,
                             clusters=holdout["learner_id"].to_numpy(), n_permutations=200)
    overall = classification_metrics(y, scores)
    print(f"overall ROC-AUC {overall['roc_auc']:.4f}, ECE {overall['ece']:.4f}; "
          f"TPR/FPR at score >= {threshold}")
    fairness_summary(report).round(4)
    """),
    code("""
    with pd.option_context("display.max_rows", 200):
        display(fairness_table(report).round(4))
    """),
    md("## ROC curves by group"),
    code("""
    from registry.tracking import group_roc_figure

    for attribute in FAIRNESS_ATTRIBUTES:
        display(group_roc_figure(y, scores, holdout[attribute].to_numpy(), attribute,
                                 report["min_rows"]))
    """),
    md("""
    ## Calibration by group

    A score should mean the same risk whatever the group: each line compares the mean
    predicted risk of a score bin with the share that disengaged.
    """),
    code("""
    from models.notebook_plots import group_calibration, group_calibration_figure

    ece_by_group = {}
    for attribute in FAIRNESS_ATTRIBUTES:
        bins, ece = group_calibration(y, scores, holdout[attribute], min_rows=report["min_rows"])
        ece_by_group[attribute] = ece
        display(group_calibration_figure(bins, ece, attribute))
    pd.concat(ece_by_group, names=["attribute", "group"]).round(4).to_frame()
    """),
    md("""
    ## Against the promotion gates

    The fairness gate reads the largest group ROC-AUC gap: the point estimate, or only
    gaps the permutation test finds beyond chance (`gap_statistic="significant"`).
    """),
    code("""
    from registry.models import PromotionGates

    for statistic in ("point", "significant"):
        gates = PromotionGates(gap_statistic=statistic)
        gap = gates.group_gap(report)
        if pd.isna(gap):
            print(f"{statistic:>11}: no attribute has two groups big enough to compare")
            continue
        verdict = "exceeds" if gap > gates.max_group_auc_gap else "is within"
        print(f"{statistic:>11}: largest gap {gap:.4f} {verdict} the gate "
              f"{gates.max_group_auc_gap:.2f}")
    """),
    md("## Summary"),
    code("""
    summary = {
        "champion": champion.version,
        "trained_now": champion.trained_now,
        "holdout_rows": len(holdout),
        "roc_auc": round(overall["roc_auc"], 4),
        "largest_auc_gap": round(report["largest_auc_gap"], 4),
        "abroca": {a: round(e["abroca"], 4) for a, e in report["attributes"].items()
                   if pd.notna(e["abroca"])},  # NaN: fewer than two groups to compare
    }
    print(json.dumps(summary))
    """),
]

NOTEBOOKS: dict[str, list[Cell]] = {
    "01-explore-learner-features.ipynb": EXPLORE,
    "02-train-and-compare-risk-models.ipynb": TRAIN,
    "03-review-recommendations.ipynb": RECOMMEND,
    "04-fairness-audit.ipynb": FAIRNESS,
}


def build(cells: list[Cell]) -> nbformat.NotebookNode:
    """A notebook without outputs, with stable cell ids (so rebuilding changes nothing)."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for i, (kind, source) in enumerate(cells):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(make(source, id=f"cell-{i:02d}"))
    nbformat.validate(notebook)
    return notebook


def render(cells: list[Cell]) -> str:
    return nbformat.writes(build(cells)) + "\n"


def stale_notebooks(directory: Path = NOTEBOOK_DIR) -> list[str]:
    """Names of the notebooks whose file differs from what this script writes."""
    return [name for name, cells in NOTEBOOKS.items()
            if not (directory / name).is_file()
            or (directory / name).read_text(encoding="utf-8") != render(cells)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a notebook differs from what this script writes")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_notebooks()
        for name in stale:
            print(f"notebooks/{name} differs from tools/build_notebooks.py: run "
                  "`.venv/bin/python tools/build_notebooks.py`", file=sys.stderr)
        return 1 if stale else 0
    NOTEBOOK_DIR.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        (NOTEBOOK_DIR / name).write_text(render(cells), encoding="utf-8")
        print(f"wrote notebooks/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
