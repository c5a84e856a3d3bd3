"""Readable reasons, rendered only from a row's evidence.

A row's evidence is ``{"terms": {term: {value, weight, contribution}}, **facts}``; the
reason names the terms that are material (:func:`models.recommend_policy.material_matrix`)
in order of contribution, each clause from that term's value and the real values in the
facts (so a reason can be rendered without building the evidence dict). Nothing else
enters a reason: no other learner's name or identity (a mentor is described by skills,
groups and time difference only)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Evidence = Mapping[str, Any]


def join_names(names: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    names = [str(n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _skills_phrase(evidence: Evidence) -> str:
    taught = [s["name"] for s in evidence.get("skills_taught_missing") or []]
    k, m = len(taught), int(evidence.get("missing_count") or 0)
    return (f"teaches {join_names(taught)} — {k} of the {_plural(m, 'skill')} you still need "
            f"for {evidence['target_role']}")


def _format_phrase(evidence: Evidence) -> str | None:
    fmt, match = evidence.get("format"), evidence.get("format_match")
    if match == "preferred":
        return f"{fmt} format, which you prefer"
    if match == "style":
        return f"{fmt} format suits your {evidence.get('learning_style')} learning style"
    return None


def _similarity_phrase(value: float) -> str:
    return f"close to your goals and recent learning (similarity {value:.2f})"


# ----------------------------------------------------------------------------- per type


def _course(term: str, value: float, ev: Evidence) -> str | None:
    if term == "gap" and ev.get("skills_taught_missing"):
        return _skills_phrase(ev)
    if term == "similarity":
        return _similarity_phrase(value)
    if term == "level" and ev.get("course_level"):
        level, current = ev["course_level"], ev.get("learner_level_name")
        exact = value >= 1.0
        if current is None:  # the mean level over the course's skills rounds to none
            new = ("skills new to you" if not ev.get("learner_level")
                   else "skills mostly new to you")
            return (f"{level} level, a good start for {new}" if exact
                    else f"{level} level, close to a first step for {new}")
        step = "the next step" if exact else "close to the next step"
        return f"{level} level, {step} from your {current} level in its skills"
    if term == "format":
        return _format_phrase(ev)
    if term == "collaborative" and ev.get("anchor_course"):
        return f"often taken by learners who took {ev['anchor_course']['title']}, as you did"
    if term == "peers" and ev.get("peer_share") and ev.get("target_role"):
        share = max(round(100 * ev["peer_share"]), 1)
        return f"taken by {share}% of learners aiming at {ev['target_role']}"
    return None


def _skill(term: str, value: float, ev: Evidence) -> str | None:
    if term == "importance":
        current = ev.get("current_level")
        now = f"you are at {current}" if current else "new to you"
        return (f"needed at {ev['required_level']} level for {ev['target_role']} "
                f"(importance {ev['weight']:.1f}; {now})")
    if term == "closeness" and ev.get("closest_skill"):
        return (f"close to {ev['closest_skill']['name']}, which you already have "
                f"(similarity {value:.2f})")
    return None


def _career(term: str, value: float, ev: Evidence) -> str | None:
    if term == "goal":
        return "your goal role"
    if term == "proximity" and ev.get("current_role"):
        if ev.get("steps") == 1:
            return f"a usual next step from {ev['current_role']}"
        if ev.get("steps") == 2 and ev.get("via"):
            return f"two steps from {ev['current_role']}, via {ev['via']}"
    if term == "fit":
        covered = round(100 * value)
        text = f"your skills already cover {covered}% of what it requires"
        missing = [s["name"] for s in ev.get("missing_skills") or []]
        more = ev["missing_count"] - len(missing)
        if missing:
            named = join_names(missing) if more <= 0 else (
                f"{', '.join(missing)} and {more} more")
            text += f"; still to build: {named}"
        return text
    return None


def _mentor(term: str, value: float, ev: Evidence) -> str | None:
    if term == "coverage" and ev.get("skills"):
        by_level: dict[str, list[str]] = {}
        for s in ev["skills"]:
            by_level.setdefault(s["level"], []).append(s["name"])
        strong = " and ".join(f"{level} in {join_names(names)}"
                              for level, names in sorted(by_level.items(),
                                                         key=lambda kv: kv[0] != "Expert"))
        k, m = len(ev["skills"]), int(ev["missing_count"])
        return f"{strong} — {k} of the {_plural(m, 'skill')} you still need for {ev['target_role']}"
    if term == "group_role" and ev.get("mentor_groups"):
        return f"mentors in {_plural(int(ev['mentor_groups']), 'study group')}"
    if term == "timezone" and ev.get("offset_hours") is not None:
        hours = ev["offset_hours"]
        if hours == 0:
            return "in your timezone"
        shown = int(hours) if float(hours).is_integer() else hours
        return f"{shown} hour{'' if shown == 1 else 's'} from your timezone"
    return None


def _content(term: str, value: float, ev: Evidence) -> str | None:
    if term == "weak_spot" and ev.get("quiz_accuracy") is not None:
        return (f"practice for {ev['course_title']}, where your quiz average is "
                f"{ev['quiz_accuracy']:.0f}%")
    if term == "current_course" and ev.get("course_title"):
        return f"part of {ev['course_title']}, which you are taking"
    if term == "gap" and ev.get("skills_taught_missing"):
        names = [s["name"] for s in ev["skills_taught_missing"]]
        return f"covers {join_names(names)}, which you still need for {ev['target_role']}"
    if term == "format":
        return _format_phrase(ev)
    if term == "similarity":
        return _similarity_phrase(value)
    return None


#: Per type: (term, the term's value, facts) -> the term's clause, or None when the facts
#: give it nothing to say.
Renderer = Callable[[str, float, Evidence], str | None]
RENDERERS: dict[str, Renderer] = {
    "Course": _course, "Skill": _skill, "Career": _career, "Mentor": _mentor,
    "Content": _content,
}

#: Terms that say nothing new once another material term is named.
REDUNDANT = {("Content", "current_course"): "weak_spot"}


def render_reason(kind: str, facts: Evidence, material: Sequence[tuple[str, float]]) -> str:
    """Clauses for the named terms joined by '; ', the first capitalised, with a period.

    ``material`` lists the row's material terms with their values, by contribution
    (:func:`models.recommend_policy.material_matrix`); ``facts`` is the row's evidence
    without its ``terms`` (a clause needs only its own term's value).
    """
    render = RENDERERS[kind]
    clauses = {t: text for t, value in material if (text := render(t, value, facts))}
    kept = [text for t, text in clauses.items() if REDUNDANT.get((kind, t)) not in clauses]
    if not kept:
        return "Suggested for your profile."
    text = "; ".join(kept)
    return text[0].upper() + text[1:] + "."
