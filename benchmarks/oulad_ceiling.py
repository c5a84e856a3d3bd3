"""How far can dropout prediction go on this OULAD copy? A reference outside the product.

    .venv/bin/python benchmarks/oulad_ceiling.py      # about a minute, one core

``benchmarks/risk_oulad.py`` measures *our* pipeline against the issue's targets; this
script asks whether the targets are reachable at all with the data we have (no
clickstream): plain pandas features straight from the CSV files, with every signal the
copy holds (real due dates, credits, previous attempts, education, and, reported
separately, the sensitive attributes the product never feeds its models), the same
protocol, gradient boosting and logistic regression. Writes ``results.csv``,
``results_table.md`` and the day-30 permutation importances to
``benchmarks/results/oulad_ceiling/``.

Protocol: train on 2013B+2013J, test on 2014B+2014J (all modules).
For cutoff N in 30/60/90/120: rows = registrations active at day N
(date_registration < N and (date_unregistration NaN or >= N)); only data
dated < N is used. Labels: at-risk (Withdrawn|Fail), withdrawn (Withdrawn).

Feature groups (nested): A (assessment behaviour with real due dates +
registration day + module-level course info), B (+studied_credits,
num_of_prev_attempts, highest_education), C (+imd_band, age_band,
disability), D (+gender, region).  Proxy variants P_A / P_B: like A / B but
no due dates at all; an assessment's "due-ness" is proxied by the fraction of
the active cohort (same module-presentation) that has submitted it before N.

Data: Kuzilek et al., OULAD, Scientific Data 4, 170171 (2017), CC BY 4.0.
"""
import os
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
D = os.path.join(ROOT, "..", "shared", "datasets", "oulad")
OUT = os.path.join(ROOT, "benchmarks", "results", "oulad_ceiling")
TRAIN_P = ["2013B", "2013J"]
TEST_P = ["2014B", "2014J"]
CUTOFFS = [30, 60, 90, 120]
KEY = ["code_module", "code_presentation", "id_student"]
MP = ["code_module", "code_presentation"]
SEED = 0

info = pd.read_csv(f"{D}/studentInfo.csv")
reg = pd.read_csv(f"{D}/studentRegistration.csv")
ass = pd.read_csv(f"{D}/assessments.csv")
sa = pd.read_csv(f"{D}/studentAssessment.csv", na_values=["?"])
sa["score"] = pd.to_numeric(sa.score, errors="coerce")  # 173 "?" scores -> NaN (still submitted)

# exams with missing date: due at the end, never before day 120
ass["date"] = ass["date"].fillna(10_000)
sa = sa.merge(ass, on="id_assessment", how="left")

base = info.merge(reg, on=KEY)
base["y_atrisk"] = base.final_result.isin(["Withdrawn", "Fail"]).astype(int)
base["y_withdrawn"] = (base.final_result == "Withdrawn").astype(int)

EDU = {"No Formal quals": 0, "Lower Than A Level": 1, "A Level or Equivalent": 2,
       "HE Qualification": 3, "Post Graduate Qualification": 4}
AGE = {"0-35": 0, "35-55": 1, "55<=": 2}
base["highest_education_ord"] = base.highest_education.map(EDU)
base["age_ord"] = base.age_band.map(AGE)
base["imd_ord"] = base.imd_band.str.extract(r"^(\d+)")[0].astype(float) / 10  # 0..9, NaN kept
base["disability_y"] = (base.disability == "Y").astype(int)
base["gender_m"] = (base.gender == "M").astype(int)


def due_work(grid: pd.DataFrame, due: pd.Series, reference_day: pd.Series) -> pd.DataFrame:
    """Per registration, given which assessments count as due (real due dates, or the
    cohort proxy): how many are due and missed, the mean submission delay against
    ``reference_day``, and the scores so far with a missed assessment counted as 0."""
    submitted = grid.submitted
    work = pd.DataFrame({
        "due": due,
        "missed": due * (1 - submitted),
        "delay": np.where(submitted == 1, grid.date_submitted - reference_day, np.nan),
        "score0": np.where(due == 1, grid.score.fillna(0) * submitted, np.nan),
        "weight_due": grid.weight * due,
    }, index=grid.index)
    work["weighted"] = work.score0.fillna(0) * grid.weight
    g = work.groupby([grid[k] for k in KEY])
    weight_due = g.weight_due.sum()
    return pd.DataFrame({"n_due": g.due.sum(), "n_missed": g.missed.sum(),
                         "mean_delay": g.delay.mean(),
                         "weighted_score": g.weighted.sum() / weight_due.replace(0, np.nan),
                         "mean_score_due0": g.score0.mean(), "weight_due": weight_due})


def build(N):
    """One row per registration active at day N, with all feature columns."""
    act = base[(base.date_registration < N) &
               (base.date_unregistration.isna() | (base.date_unregistration >= N))].copy()
    act["reg_day"] = act.date_registration
    keys = act[KEY]

    # ---- student x assessment grid for this module-presentation
    grid = keys.merge(ass[MP + ["id_assessment", "assessment_type", "date", "weight"]], on=MP)
    sub = sa[sa.date_submitted < N][["id_assessment", "id_student", "date_submitted", "score"]]
    grid = grid.merge(sub, on=["id_assessment", "id_student"], how="left")
    grid["submitted"] = grid.date_submitted.notna().astype(int)

    # ---- cohort fraction submitted (proxy for due-ness) and cohort median submit day
    coh = grid.groupby("id_assessment").agg(coh_frac=("submitted", "mean"),
                                            coh_med_day=("date_submitted", "median"))
    grid = grid.merge(coh, on="id_assessment", how="left")

    g = grid.groupby(KEY)
    f = pd.DataFrame(index=g.size().index)

    # ===== A: real due dates
    grid["due"] = (grid.date < N).astype(int)
    grid["due_sub"] = grid.due * grid.submitted
    grid["late"] = ((grid.submitted == 1) & (grid.date_submitted > grid.date)).astype(int)
    g = grid.groupby(KEY)
    real = due_work(grid, grid.due, grid.date)
    f["A_n_due"] = real.n_due
    f["A_n_due_sub"] = g.due_sub.sum()
    f["A_n_late"] = g.late.sum()
    f["A_n_missed"] = real.n_missed
    f["A_frac_missed"] = f.A_n_missed / f.A_n_due.replace(0, np.nan)
    f["A_mean_delay"] = real.mean_delay
    f["A_weighted_score"] = real.weighted_score                     # missed = 0
    f["A_mean_score_due0"] = real.mean_score_due0                   # unweighted, missed = 0
    f["A_weight_due"] = real.weight_due                             # module-level course info
    f["A_days_since_last_due"] = N - grid[grid.due == 1].groupby(KEY).date.max()
    f["A_days_to_next_due"] = grid[grid.due == 0].groupby(KEY).date.min() - N
    f["A_days_to_next_due"] = f.A_days_to_next_due.clip(upper=400)

    # ===== shared behaviour (no due dates needed)
    s = grid[grid.submitted == 1].sort_values("date_submitted")
    gs = s.groupby(KEY)
    f["S_n_sub"] = g.submitted.sum()
    f["S_mean_score"] = gs.score.mean()
    f["S_min_score"] = gs.score.min()
    f["S_last_score"] = gs.score.last()
    f["S_days_since_last_sub"] = N - gs.date_submitted.max()
    f["S_n_assess_module"] = g.size()                               # module total, known upfront

    # ===== proxy: cohort fraction instead of due dates
    proxy_due = (grid.coh_frac >= 0.5).astype(int)
    grid["exp_missed"] = grid.coh_frac * (1 - grid.submitted)
    g = grid.groupby(KEY)
    proxy = due_work(grid, proxy_due, grid.coh_med_day)
    f["P_n_pdue"] = proxy.n_due
    f["P_n_pmissed"] = proxy.n_missed
    f["P_exp_missed"] = g.exp_missed.sum()
    f["P_cohort_sub_mass"] = g.coh_frac.sum()
    f["P_frac_exp_missed"] = f.P_exp_missed / f.P_cohort_sub_mass.replace(0, np.nan)
    f["P_mean_delay_vs_cohort"] = proxy.mean_delay
    f["P_weighted_score"] = proxy.weighted_score
    f["P_mean_score_due0"] = proxy.mean_score_due0

    act = act.merge(f.reset_index(), on=KEY, how="left")
    # registrations whose module has no assessments in the table (none here) -> fill counts
    cnt = [c for c in act.columns if c.startswith(("A_n", "S_n", "P_n", "P_exp", "P_cohort"))]
    act[cnt] = act[cnt].fillna(0)
    return act


S_COLS = ["S_n_sub", "S_mean_score", "S_min_score", "S_last_score", "S_days_since_last_sub",
          "S_n_assess_module", "reg_day"]
A_COLS = ["A_n_due", "A_n_due_sub", "A_n_late", "A_n_missed", "A_frac_missed", "A_mean_delay",
          "A_weighted_score", "A_mean_score_due0", "A_weight_due", "A_days_since_last_due",
          "A_days_to_next_due"] + S_COLS
P_COLS = ["P_n_pdue", "P_n_pmissed", "P_exp_missed", "P_cohort_sub_mass", "P_frac_exp_missed",
          "P_mean_delay_vs_cohort", "P_weighted_score", "P_mean_score_due0"] + S_COLS
B_X = ["studied_credits", "num_of_prev_attempts", "highest_education_ord"]
C_X = ["imd_ord", "age_ord", "disability_y"]
D_X = ["gender_m"]
CAT = {"A": ["code_module"], "B": ["code_module"], "C": ["code_module"],
       "D": ["code_module", "region"], "P_A": ["code_module"], "P_B": ["code_module"]}
NUM = {"A": A_COLS, "B": A_COLS + B_X, "C": A_COLS + B_X + C_X, "D": A_COLS + B_X + C_X + D_X,
       "P_A": P_COLS, "P_B": P_COLS + B_X}
GROUPS = ["A", "B", "C", "D", "P_A", "P_B"]
LABELS = ["y_atrisk", "y_withdrawn"]


def hgb_xy(df, grp, cats_ref=None):
    X = df[NUM[grp] + CAT[grp]].copy()
    for c in CAT[grp]:
        cats = cats_ref[c] if cats_ref is not None else sorted(df[c].dropna().unique())
        # unseen category (module CCC exists only in 2014) -> NaN (HGB treats as missing)
        X[c] = X[c].map({k: float(i) for i, k in enumerate(cats)}).astype(float)
    return X


def fit_hgb(Xtr, ytr, grp):
    m = HistGradientBoostingClassifier(
        learning_rate=0.05, max_iter=300, max_leaf_nodes=15, min_samples_leaf=40,
        l2_regularization=1.0, early_stopping=False, random_state=SEED,
        categorical_features=[Xtr.columns.get_loc(c) for c in CAT[grp]])
    return m.fit(Xtr, ytr)


def fit_lr(tr, ytr, grp):
    num = NUM[grp]
    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), num),
        ("cat", OneHotEncoder(handle_unknown="ignore"), CAT[grp])])
    m = make_pipeline(pre, LogisticRegression(C=1.0, max_iter=2000))
    return m.fit(tr[num + CAT[grp]], ytr)


def main():
    t0 = time.time()
    os.makedirs(OUT, exist_ok=True)
    rows, imps = [], []
    for N in CUTOFFS:
        df = build(N)
        tr = df[df.code_presentation.isin(TRAIN_P)]
        te = df[df.code_presentation.isin(TEST_P)]
        print(f"N={N}: train {len(tr)} test {len(te)} | atrisk rate tr {tr.y_atrisk.mean():.3f} "
              f"te {te.y_atrisk.mean():.3f} | withdrawn tr {tr.y_withdrawn.mean():.3f} "
              f"te {te.y_withdrawn.mean():.3f}", flush=True)
        for lab in LABELS:
            r = {"N": N, "label": lab.replace("y_", ""), "n_test": len(te), "pos_rate_test": te[lab].mean()}
            for grp in GROUPS:
                cats_ref = {c: sorted(tr[c].dropna().unique()) for c in CAT[grp]}
                Xtr, Xte = hgb_xy(tr, grp, cats_ref), hgb_xy(te, grp, cats_ref)
                m = fit_hgb(Xtr, tr[lab], grp)
                r[f"gbm_{grp}"] = roc_auc_score(te[lab], m.predict_proba(Xte)[:, 1])
                lr = fit_lr(tr, tr[lab], grp)
                r[f"lr_{grp}"] = roc_auc_score(te[lab], lr.predict_proba(te[NUM[grp] + CAT[grp]])[:, 1])
                if N == 30 and grp == "B":
                    pi = permutation_importance(m, Xte, te[lab], scoring="roc_auc", n_repeats=5,
                                                random_state=SEED, n_jobs=1)
                    imps.append(pd.DataFrame({"label": lab, "feature": Xte.columns,
                                              "auc_drop": pi.importances_mean,
                                              "std": pi.importances_std}))
            rows.append(r)
            print("  " + lab + " " + " ".join(f"{g}={r['gbm_' + g]:.3f}" for g in GROUPS)
                  + " | LR " + " ".join(f"{g}={r['lr_' + g]:.3f}" for g in GROUPS)
                  + f"  ({time.time() - t0:.0f}s)", flush=True)
    res = pd.DataFrame(rows)
    res.to_csv(f"{OUT}/results.csv", index=False)
    imp = pd.concat(imps).sort_values(["label", "auc_drop"], ascending=[True, False])
    imp.to_csv(f"{OUT}/perm_importance_day30_B.csv", index=False)

    tgt = {("atrisk", 30): .76, ("atrisk", 60): .82, ("atrisk", 90): .85, ("atrisk", 120): .89,
           ("withdrawn", 30): .72, ("withdrawn", 60): .72, ("withdrawn", 90): .73, ("withdrawn", 120): .76}
    res["target"] = [tgt[(label, n)] for label, n in zip(res.label, res.N, strict=True)]
    cols = ["label", "N", "target"] + [f"gbm_{g}" for g in GROUPS] + [f"lr_{g}" for g in GROUPS]
    tab = res.sort_values(["label", "N"])[cols]
    pd.set_option("display.width", 250)
    print("\n" + tab.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print("\nPermutation importance (test AUC drop), day 30, group B, GBM:")
    for lab, d in imp.groupby("label"):
        print(lab, ", ".join(f"{a}={b:.4f}" for a, b in zip(d.feature.head(8), d.auc_drop.head(8), strict=True)))
    with open(f"{OUT}/results_table.md", "w") as fh:
        fh.write(tab.to_string(index=False, float_format=lambda x: f"{x:.3f}") + "\n")
    print(f"done in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
