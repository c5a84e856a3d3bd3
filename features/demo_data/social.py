"""Study groups, peer interactions and discussion threads.

Groups form around the courses most learners of a block take; the most
skilled learner on the course facilitates, members at Advanced level or above
mentor. Interactions happen during sessions, at a rate set by the persona
(Socializers many, Killers few), mostly with group-mates — so social ties
are a real, persona-driven signal. Forum events become posts, some replies
to earlier posts on the same course, their sentiment following the
learner's emotional state at the time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.demo_data import vocab
from features.demo_data.activity import FORUM, Events, Sessions
from features.demo_data.catalog_index import CatalogIndex
from features.demo_data.enrolments import Enrolments
from features.demo_data.latent import Dynamics, Learners, negative_emotion_probability
from features.demo_data.vec import choice, join_str, nullable_int, rank_in_segment, table_frame
from features.demo_data.window import DAY, Window
from features.schema import INTERACTION_TYPES, PERSONAS, SENTIMENTS

LEARNERS_PER_GROUP = 25
JOIN_PROBABILITY = np.array([0.6, 0.55, 0.9, 0.3])  # by persona
POST_PROBABILITY = np.array([0.55, 0.5, 0.85, 0.3])  # per forum event, by persona
MENTOR_LEVEL = 2.5


@dataclass(frozen=True)
class Groups:
    groups: pd.DataFrame  # learning_groups rows
    members: pd.DataFrame  # learner_group_mapping rows
    member_learner: np.ndarray  # learner position per member row
    member_group: np.ndarray  # group position per member row
    mentor: np.ndarray  # learner positions of mentors (may repeat)


def groups(rng: np.random.Generator, people: Learners, enr: Enrolments, level_on: np.ndarray,
           dyn: Dynamics, cat: CatalogIndex, window: Window, first_group_id: int,
           first_map_id: int) -> Groups:
    n = people.n
    popularity = np.bincount(enr.course, minlength=cat.n_courses)
    n_groups = max(1, round(n / LEARNERS_PER_GROUP))
    course = np.argsort(-popularity, kind="stable")[:n_groups]
    course = course[popularity[course] >= 2] if (popularity[course] >= 2).any() else course[:1]
    g = len(course)
    facilitator = np.argmax(level_on[:, course], axis=0)
    first_enrol = np.full(cat.n_courses, window.seconds // 4, dtype=np.int64)
    np.minimum.at(first_enrol, enr.course, enr.enrolled_t)
    created = np.maximum(np.maximum(first_enrol[course] - rng.integers(DAY, 3 * DAY, g), 60),
                         people.reg_t[facilitator] + 60)
    created = np.minimum(created, window.seconds - 2 * 3600)

    group_of_course = np.full(cat.n_courses, -1)
    group_of_course[course] = np.arange(g)
    cand = np.flatnonzero(group_of_course[enr.course] >= 0)
    joins = cand[rng.random(len(cand)) < JOIN_PROBABILITY[people.persona[enr.learner[cand]]]]
    m_learner = np.r_[enr.learner[joins], facilitator]
    m_group = np.r_[group_of_course[enr.course[joins]], np.arange(g)]
    since = np.r_[enr.enrolled_t[joins], created]
    is_facilitator = np.r_[np.zeros(len(joins), bool), np.ones(g, bool)]
    # one membership per learner and group; the facilitator row wins
    order = np.lexsort((~is_facilitator, m_group, m_learner))
    m_learner, m_group, since, is_facilitator = (a[order] for a in
                                                 (m_learner, m_group, since, is_facilitator))
    first = np.r_[True, (m_learner[1:] != m_learner[:-1]) | (m_group[1:] != m_group[:-1])]
    m_learner, m_group, since, is_facilitator = (a[first] for a in
                                                 (m_learner, m_group, since, is_facilitator))
    join = np.maximum(np.maximum(created[m_group], since), people.reg_t[m_learner])
    join = np.where(is_facilitator, created[m_group], join + rng.integers(60, 3 * DAY,
                                                                         len(join)))
    ok = join < window.seconds - 60
    m_learner, m_group, join, is_facilitator = (a[ok] for a in
                                                (m_learner, m_group, join, is_facilitator))
    mentor = ~is_facilitator & (level_on[m_learner, course[m_group]] >= MENTOR_LEVEL)
    role = np.where(is_facilitator, "Facilitator", np.where(mentor, "Mentor", "Learner"))
    gone = dyn.disengage_t[m_learner] < window.seconds
    group_ids = first_group_id + np.arange(g)
    titles = cat.course_titles[course]
    group_frame = table_frame({
        "group_id": group_ids,
        "group_name": join_str(titles, " study circle ", group_ids),
        "description": join_str("Peer study group for ", titles,
                                ": weekly check-ins, shared notes and mentoring."),
        "course_id": cat.course_ids[course],
        "facilitator_id": people.learner_id[facilitator],
        "created_on": window.timestamps(created),
    })
    member_frame = table_frame({
        "map_id": first_map_id + np.arange(len(m_learner)),
        "learner_id": people.learner_id[m_learner],
        "group_id": group_ids[m_group],
        "role": role.astype(object),
        "join_date": window.timestamps(join),
        "status": np.where(gone, "Inactive", "Active").astype(object),
    }).sort_values(["learner_id", "group_id"], kind="stable")
    member_frame["map_id"] = first_map_id + np.arange(len(member_frame))
    return Groups(groups=group_frame, members=member_frame, member_learner=m_learner,
                  member_group=m_group, mentor=np.unique(m_learner[mentor | is_facilitator]))


def interactions(rng: np.random.Generator, people: Learners, sessions: Sessions,
                 grp: Groups, cat: CatalogIndex, window: Window, first_id: int) -> pd.DataFrame:
    """Messages, comments, likes, reviews and mentorship requests sent during sessions."""
    per_session = rng.poisson(people.social_rate[sessions.learner] * 0.7)
    s = np.repeat(np.arange(len(sessions.start_t)), per_session)
    sender = sessions.learner[s]
    m = len(s)
    span = np.maximum(sessions.end_t[s] - sessions.start_t[s], 1)
    t = sessions.start_t[s] + np.floor(rng.random(m) * span).astype(np.int64)
    kind = choice(rng, [0.3, 0.3, 0.25, 0.1, 0.05], m)
    mates, via_group = _group_mates(rng, grp, people.n, sender)
    anyone = rng.integers(0, people.n, m)
    receiver = np.where(via_group, mates, anyone)
    request = kind == INTERACTION_TYPES.index("MentorshipRequest")
    if len(grp.mentor):
        receiver[request] = grp.mentor[rng.integers(0, len(grp.mentor), int(request.sum()))]
    # A receiver must exist by then and be someone else; else the block's earliest member.
    earliest = int(np.argmin(people.reg_t))
    bad = (receiver == sender) | (people.reg_t[receiver] >= t)
    receiver[bad] = np.where(earliest != sender[bad], earliest,
                             (earliest + 1) % max(people.n, 1))
    keep = (receiver != sender) & (people.reg_t[receiver] < t)
    course = sessions.course[s]
    title = np.where(course >= 0, cat.course_titles[np.maximum(course, 0)], "the course")
    context = np.where(via_group, "Study group", np.where(course >= 0, "Course", "Direct"))
    text = _fill(np.array([vocab.MESSAGE_TEMPLATES[k] or "" for k in INTERACTION_TYPES],
                          dtype=object)[kind], title)
    frame = table_frame({
        "sender_id": people.learner_id[sender],
        "receiver_id": people.learner_id[receiver],
        "interaction_type": np.array(INTERACTION_TYPES, dtype=object)[kind],
        "context": join_str(context, ": ", title),
        "content": np.where(kind == INTERACTION_TYPES.index("Like"), None, text),
        "created_on": window.timestamps(t),
    })[keep]
    frame.insert(0, "interaction_id", first_id + np.arange(len(frame)))
    return frame


def _group_mates(rng: np.random.Generator, grp: Groups, n_learners: int, learner: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """A random member of each learner's first group, and whether that is someone else."""
    if len(grp.member_learner) == 0:
        return learner, np.zeros(len(learner), dtype=bool)
    members = grp.member_learner[np.argsort(grp.member_group, kind="stable")]
    sizes = np.bincount(grp.member_group)
    starts = np.cumsum(sizes) - sizes
    # member rows are ordered by learner: a learner's first row is their first group
    is_first = np.r_[True, grp.member_learner[1:] != grp.member_learner[:-1]]
    first_group = np.full(n_learners, -1)
    first_group[grp.member_learner[is_first]] = grp.member_group[is_first]
    g = first_group[learner]
    gg = np.maximum(g, 0)
    pick = starts[gg] + np.floor(rng.random(len(learner)) * sizes[gg]).astype(np.int64)
    mate = np.where(g >= 0, members[pick], learner)
    return mate, (g >= 0) & (mate != learner)


def posts(rng: np.random.Generator, people: Learners, events: Events, dyn: Dynamics,
          sessions: Sessions, cat: CatalogIndex, window: Window, first_id: int) -> pd.DataFrame:
    forum = np.flatnonzero((events.activity == FORUM) & (events.course >= 0))
    forum = forum[rng.random(len(forum)) < POST_PROBABILITY[people.persona[events.learner[forum]]]]
    m = len(forum)
    learner, course = events.learner[forum], events.course[forum]
    t = events.t[forum] + 30 + np.floor(rng.random(m) * np.maximum(events.duration[forum], 1)
                                        ).astype(np.int64)
    p_neg = negative_emotion_probability(dyn, learner, sessions.day_col[events.session[forum]])
    u = rng.random(m)
    sentiment = np.where(u < p_neg, 2, np.where(u < p_neg + (1 - p_neg) * 0.5, 0, 1))
    ids = first_id + np.arange(m)
    parent = _reply_parents(rng, course, t)
    topic = cat.course_ids[course] * 10 + rng.integers(0, 5, m)
    root = parent.copy()
    for _ in range(64):  # replies of replies: follow parents up to the thread's root
        step = np.where(root >= 0, parent[np.maximum(root, 0)], -1)
        if not (step >= 0).any():
            break
        root = np.where(step >= 0, step, root)
    topic = np.where(root >= 0, topic[np.maximum(root, 0)], topic)
    templates = np.array([np.array(vocab.POST_TEMPLATES[s], dtype=object)
                          for s in SENTIMENTS])
    text = templates[sentiment, rng.integers(0, templates.shape[1], m)]
    likes = rng.poisson(0.6 + 1.2 * (people.persona[learner] == PERSONAS.index("Socializer"))
                        + 0.5 * (sentiment == 0))
    return table_frame({
        "post_id": ids,
        "learner_id": people.learner_id[learner],
        "topic_id": topic,
        "parent_post_id": nullable_int(first_id + parent, parent < 0),
        "content": _fill(text, cat.course_titles[course]),
        "likes_count": likes,
        "sentiment": np.array(SENTIMENTS, dtype=object)[sentiment],
        "created_on": window.timestamps(t),
    })


def _reply_parents(rng: np.random.Generator, course: np.ndarray, t: np.ndarray) -> np.ndarray:
    """For 45% of posts, an earlier post on the same course (position), else -1."""
    order = np.lexsort((t, course))
    counts = np.bincount(course, minlength=int(course.max(initial=-1)) + 1)
    counts = counts[counts > 0]
    rank = rank_in_segment(counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    reply = (rank > 0) & (rng.random(len(order)) < 0.45)
    parent_sorted = starts + np.floor(rng.random(len(order)) * np.maximum(rank, 1)
                                      ).astype(np.int64)
    parent = np.full(len(order), -1)
    parent[order[reply]] = order[parent_sorted[reply]]
    return parent


def _fill(templates: np.ndarray, course_title: np.ndarray) -> np.ndarray:
    """``{course}`` in each template replaced by the row's course title."""
    if len(templates) == 0:
        return np.array([], dtype=object)
    head = np.char.partition(templates.astype(str), "{course}")
    return join_str(head[..., 0], np.where(head[..., 1] == "", "", course_title), head[..., 2])
