"""The run summary of a nightly batch, as a Prefect markdown artifact and for the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _table(header: tuple[str, str], rows: Mapping[str, Any]) -> list[str]:
    lines = [f"| {header[0]} | {header[1]} |", "|---|---:|"]
    lines += [f"| {key} | {_value(value)} |" for key, value in rows.items()]
    return lines


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def nightly_markdown(summary: Mapping[str, Any]) -> str:
    """Counts, timings per stage, model versions, data-quality exclusions and the
    risk-band distribution of one nightly run."""
    scope = summary.get("scope", {})
    lines = [
        f"# learnerai nightly {summary['run_id']}",
        "",
        f"As of **{summary['as_of']}**, {summary.get('mode', 'full')} run: "
        f"**{scope.get('learners', 0):,}** learners recomputed "
        f"({_reasons(scope.get('reasons', {}))}); status **{summary.get('status', '?')}** "
        f"in {summary.get('seconds', 0):.1f} s.",
        "",
        "## Stages",
        *_table(("stage", "seconds"), summary.get("timings", {})),
        "",
        "## Rows written",
        *_table(("table / action", "rows"), summary.get("counts", {})),
        "",
        "## Model versions",
        *_table(("model", "version"), {k: v or "none" for k, v in
                                       summary.get("model_versions", {}).items()}),
        "",
        "## Risk bands",
        *_table(("band", "learners"), summary.get("risk_bands", {})),
        "",
        "## Data-quality exclusions",
        *(_table(("kind", "values excluded"), summary["data_quality"])
          if summary.get("data_quality") else ["None."]),
    ]
    notes = summary.get("notes") or []
    if notes:
        lines += ["", "## Notes", *[f"- {note}" for note in notes]]
    return "\n".join(lines) + "\n"


def _reasons(reasons: Mapping[str, int]) -> str:
    shown = [f"{name}: {count:,}" for name, count in reasons.items() if count]
    return "; ".join(shown) if shown else "nothing changed"
