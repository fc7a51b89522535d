"""A demo class that has lived: two weeks of quizzes and reviews by students of varied skill,
so that every trainer report has something true to show on a first `make run`.

Everything goes through the code paths students use (`quizzes.attempts` to start, answer and
finish, `review.cards` to queue and rate), at times in the past given as `now=`: the scores, the
cards missed quizzes make, the FSRS states and the daily rollups are those the app computed. The
only rows made here are the demo students, their enrolments, a demo quiz and its one demo-only
question, whose key is deliberately wrong (the real banks are never touched): item analysis
catches it.

Deterministic: one seeded `random.Random` decides who answers what, when, all of it counted from
the date: on a fresh database (`make run`) the same day gives the same class. (FSRS's fuzz is
seeded by the card's id, so a database whose ids start elsewhere gets other intervals.)
Idempotent: a class whose demo students have attempts is left as it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from classes import cohorts
from classes.models import Cohort
from quizzes import kinds
from quizzes.attempts import answer_submit, attempt_finish, attempt_start
from quizzes.models import Attempt, Question, Quiz, QuizItem
from quizzes.revisions import revision_apply
from review import cards as review
from review.models import Card

SEED = 2026
ZONE = ZoneInfo("Europe/Paris")

#: The demo students: username, skill (0 weak .. 1 strong). Varied on purpose, one clearly behind.
STUDENTS = [
    ("amelie", 0.93),
    ("baptiste", 0.62),
    ("camille", 0.81),
    ("damien", 0.45),
    ("elise", 0.74),
    ("fatou", 0.88),
    ("gabriel", 0.55),
    ("hugo", 0.67),
    ("ines", 0.79),
    ("jules", 0.38),
    ("karim", 0.71),
    ("lea", 0.85),
    ("mathis", 0.50),
    ("nadia", 0.64),
    ("oscar", 0.58),
    ("pauline", 0.90),
    ("quentin", 0.42),
    ("rose", 0.69),
    ("samir", 0.77),
    ("theo", 0.53),
    ("ulysse", 0.60),
    ("victor", 0.83),
    ("yasmine", 0.72),
]
#: The student who fell behind: one quiz, late and poor, one review session, then nothing.
BEHIND = ("zoe", 0.30)
#: The demo student account of the README works too: a middling student who reviews every day.
ACCOUNT_SKILL = 0.66

DEMO_QUIZ = "demo-conteneurs"
DEMO_QUIZ_TITLE = "Contrôle de démonstration — conteneurs, volumes, réseaux"
#: Sections whose choice questions make up the demo quiz, and the real question the miskeyed
#: demo-only copy is made from.
DEMO_QUIZ_SECTIONS = ("lifecycle", "volumes", "networks")
DEMO_QUIZ_SIZE = 14
MISKEY_UID = "demo-cle-erronee"
MISKEY_SKILL = 0.67  # about the class's median skill
#: A topic the class finds hard (the heatmap's weakest): its questions are answered as if harder.
HARD_SECTIONS = {"resources": 0.4, "kubeconfig": 0.15}

WEAK_TEXT = "je ne sais pas"

#: When each assigned quiz is due, in days from the start of the two weeks (None: in two days
#: from now, still open), and the share of the class that takes it. A quiz not named here is
#: due on the third day and taken by most.
SCHEDULE = {
    "images-layers": (1, 1.0),
    "evaluation-matin": (3, 1.0),
    DEMO_QUIZ: (7, 0.9),
    "resources": (None, 0.3),
}


@dataclass(frozen=True)
class Plan:
    """What the demo did, for the command's summary."""

    students: int
    attempts: int
    reviews: int


def demo_done(cohort: Cohort) -> bool:
    return Attempt.objects.filter(student__username=BEHIND[0], student__enrolments__cohort=cohort).exists()


def demo_quiz() -> tuple[Quiz, str]:
    """The demo quiz: choice questions of three sections, and the demo-only copy of one of them
    whose key names a wrong choice. The copy is left inactive, so no section quiz, review or
    new attempt takes it; its past answers stay in the demo quiz's item analysis.

    Returns the quiz and the text of the choice really right in the copy: its source's key. The
    source is the first single-choice question of those sections (the copy, inactive, is not
    one of them); for a quiz made before, the same one as long as the banks are unchanged."""
    quiz, _created = Quiz.objects.get_or_create(
        slug=DEMO_QUIZ,
        defaults={"title": DEMO_QUIZ_TITLE, "kind": Quiz.Kind.ASSESSMENT, "position": 2000},
    )
    picked = list(
        Question.objects.filter(
            section__slug__in=DEMO_QUIZ_SECTIONS, active=True, kind__in=("single", "multiple", "truefalse")
        )
        .select_related("current_revision", "section")
        .order_by("section__position", "position")
    )
    source = next(q for q in picked if q.kind == "single")
    true_choice = next(c["text"] for c in source.current_revision.spec["choices"] if c["correct"])
    if not quiz.items.exists():
        chosen = picked[: DEMO_QUIZ_SIZE - 1]
        copy = _miskeyed_copy(source)
        items = [*chosen[:6], copy, *chosen[6:]]
        QuizItem.objects.bulk_create(
            QuizItem(quiz=quiz, question=q, position=i) for i, q in enumerate(items, 1)
        )
    return quiz, true_choice


def _miskeyed_copy(source: Question) -> Question:
    """A demo-only copy of a single-choice question whose key marks the first wrong choice as
    right and the right one as wrong: the mistake an editor makes when moving a tick."""
    kind = kinds.get("single")
    revision = source.current_revision
    raw = kind.to_raw(revision.spec)
    wrong = next(i for i, c in enumerate(raw["choices"]) if not c.get("correct"))
    for index, choice in enumerate(raw["choices"]):
        choice.pop("correct", None)
        if index == wrong:
            choice["correct"] = True
    question, _created = Question.objects.get_or_create(
        uid=MISKEY_UID,
        defaults={
            "section": source.section,
            "kind": "single",
            "difficulty": source.difficulty,
            "position": 10_000,
            "active": True,
        },
    )
    revision_apply(
        question=question,
        prompt=revision.prompt,
        explanation=revision.explanation,
        spec=kind.build_spec(raw, uid=MISKEY_UID),
    )
    return question


# --- answering as a student of some skill ----------------------------------------------------


def _difficulty(question: Question) -> float:
    """A stable difficulty for a question, 0..1 (its bank difficulty, a part drawn from its uid,
    and its section's)."""
    drawn = int(hashlib.sha1(question.uid.encode()).hexdigest()[:6], 16) / 0xFFFFFF
    return 0.2 + 0.1 * question.difficulty + 0.3 * drawn + HARD_SECTIONS.get(question.section.slug, 0.0)


def knows(skill: float, question: Question, rng: random.Random, *, bonus: float = 0.0) -> bool:
    """Whether a student of `skill` answers right: a logistic curve of skill minus difficulty.
    The miskeyed copy is no draw: the stronger half of the class knows the really right choice,
    so the miskey shows however the two weeks' draws before it went."""
    if question.uid == MISKEY_UID:
        return skill + bonus >= MISKEY_SKILL
    chance = 1 / (1 + math.exp(-7 * (skill + bonus - _difficulty(question))))
    return rng.random() < chance


def answer_form(question: Question, *, right: bool, rng: random.Random) -> dict[str, list[str]]:
    """The form a student's browser would post: right, or a plausible mistake."""
    spec = question.current_revision.spec
    kind = question.kind
    if kind == "single":
        true_text = getattr(question, "true_choice", None)
        if true_text is not None:  # the miskeyed copy: who knows picks the really right choice,
            # who does not most often the tempting wrong one the key names
            if not right and rng.random() < 0.85:
                return {"choice": [next(c["key"] for c in spec["choices"] if c["correct"])]}
            pool = [c for c in spec["choices"] if (c["text"] == true_text) is right]
        else:
            pool = [c for c in spec["choices"] if c["correct"] is right]
        return {"choice": [rng.choice(pool)["key"]]}
    if kind == "multiple":
        keys = {c["key"] for c in spec["choices"] if c["correct"]}
        if not right:
            flip = rng.choice(spec["choices"])["key"]
            keys ^= {flip}
            if not keys:
                keys = {c["key"] for c in spec["choices"] if not c["correct"]}
        return {"choices": sorted(keys)}
    if kind == "truefalse":
        return {"answer": ["true" if spec["answer"] is right else "false"]}
    if kind == "short":
        return {"text": [spec["answers"][0] if right else WEAK_TEXT]}
    if kind == "matching":
        rights = [p["right_key"] for p in spec["pairs"]]
        if not right:
            rights = rights[1:] + rights[:1]
        return {
            kinds.matching.FIELD_PREFIX + p["key"]: [k] for p, k in zip(spec["pairs"], rights, strict=True)
        }
    if kind == "ordering":
        positions = list(range(1, len(spec["items"]) + 1))
        if not right:
            positions[0], positions[1] = positions[1], positions[0]
        return {
            kinds.ordering.FIELD_PREFIX + i["key"]: [str(p)]
            for i, p in zip(spec["items"], positions, strict=True)
        }
    if kind == "cloze":
        given = kinds.cloze.first_answers(spec)
        if not right:
            given[0] = WEAK_TEXT
        return {kinds.cloze.field_name(n): [text] for n, text in enumerate(given, 1)}
    if kind == "command":
        return {"command": [spec["answers"][0] if right else "kubectl help"]}
    if kind == "yaml":
        text = spec.get("solution") if right else None
        return {"yaml": [text or spec.get("starter") or "apiVersion: v1\nkind: Pod\n"]}
    raise ValueError(f"no demo answer for the kind {kind}")


def take_quiz(
    student: User,
    quiz: Quiz,
    *,
    skill: float,
    at: dt.datetime,
    rng: random.Random,
    questions: dict[int, Question],
    bonus: float = 0.0,
) -> Attempt:
    """Take a quiz from start to finish through `quizzes.attempts`, 20 to 70 seconds a question."""
    attempt = attempt_start(student=student, quiz=quiz, now=at, seed=rng.randrange(2**31))
    moment = at
    for position, question_id in enumerate(attempt.question_ids):
        question = questions[question_id]
        moment += dt.timedelta(seconds=rng.randint(20, 70))
        form = answer_form(question, right=knows(skill, question, rng, bonus=bonus), rng=rng)
        try:
            _submit(student, attempt, position, question, form, moment)
        except kinds.InvalidResponse:  # a mistake the kind refuses to grade: a plain wrong one
            _submit(student, attempt, position, question, FALLBACK, moment)
    return attempt_finish(attempt=attempt, now=moment + dt.timedelta(seconds=5))


#: A wrong answer every typed kind can grade, should a simulated mistake be refused as malformed.
FALLBACK = {
    "text": [WEAK_TEXT],
    kinds.cloze.field_name(1): [WEAK_TEXT],
    "command": ["kubectl help"],
    "yaml": ["apiVersion: v1\nkind: Pod\n"],
}


def _submit(student, attempt, position, question, form, moment) -> None:
    answer_submit(
        student=student,
        attempt_id=attempt.pk,
        position=position,
        revision_id=question.current_revision_id,
        form=form,
        now=moment,
    )


# --- reviewing -----------------------------------------------------------------------------------


def review_session(student: User, *, skill: float, at: dt.datetime, rng: random.Random, limit: int) -> int:
    """Study up to `limit` cards at `at` through `review.cards` (the queue, the signed form, the
    rating), rating as a student of `skill` would. Returns how many were rated."""
    prefs = review.settings_for(student)
    done = 0
    moment = at
    while done < limit:
        queue = review.next_card(student=student, now=moment, prefs=prefs)
        if queue.card is None:
            break
        card = queue.card
        token = review.card_token(card, shown_at=moment)
        moment += dt.timedelta(seconds=rng.randint(6, 40))
        remembered = rng.random() < 0.45 + 0.5 * skill - (0.2 if card.state != Card.State.REVIEW else 0.0)
        rating = (3 if rng.random() < 0.8 else rng.choice((2, 4))) if remembered else 1
        review.review_record(
            student=student, card_id=card.pk, rating=rating, token=token, now=moment, prefs=prefs
        )
        done += 1
        moment += dt.timedelta(seconds=2)
    return done


# --- the whole demo -----------------------------------------------------------------------------


def demo_seed(
    *,
    cohort: Cohort,
    account: User | None,
    now: dt.datetime,
    quizzes: QuerySet[Quiz],
    log: Callable[[str], None] = lambda message: None,
) -> Plan | None:
    """Two weeks of a class, ending at `now`; None when the demo was seeded before.

    `quizzes` are the assigned quizzes, in order; the demo quiz is added to them."""
    if demo_done(cohort):
        return None
    rng = random.Random(SEED)
    # Every moment is counted from 08:00 (Paris) fourteen days ago and falls before today: the
    # same date gives the same class, whatever the time `make run` is run at.
    today = timezone.localdate(now, ZONE)
    start = dt.datetime.combine(today - dt.timedelta(days=14), dt.time(8, 0), tzinfo=ZONE)
    last_day = 12  # the open quiz is taken the day before yesterday, at the latest
    with transaction.atomic():
        quiz, true_choice = demo_quiz()
        assigned = [*quizzes, quiz]
        due, share = {}, {}
        for q in assigned:
            days, share[q.pk] = SCHEDULE.get(q.slug, (3, 0.9))
            due[q.pk] = (
                dt.datetime.combine(today + dt.timedelta(days=2), dt.time(18, 0), tzinfo=ZONE)
                if days is None
                else start + dt.timedelta(days=days, hours=10)
            )
            cohorts.assignment_set(cohort=cohort, quiz=q, opens_at=start, due_at=due[q.pk])
        assigned.sort(key=lambda q: due[q.pk])
        questions = {
            q.pk: q
            for q in Question.objects.filter(quiz_items__quiz__in=assigned)
            .select_related("current_revision", "section")
            .distinct()
        }
        next(q for q in questions.values() if q.uid == MISKEY_UID).true_choice = true_choice
        flashcards = Question.objects.filter(kind="flashcard", active=True)
        attempts = reviews = 0
        people = [(name, skill, False) for name, skill in STUDENTS] + [(*BEHIND, True)]
        if account is not None:
            people.append((account.get_username(), ACCOUNT_SKILL, False))
        for username, skill, behind in people:
            student = (
                account if account is not None and username == account.get_username() else _student(username)
            )
            cohorts.cohort_join(student=student, code=cohort.join_code)
            if behind:
                day = start + dt.timedelta(days=3, hours=10)
                take_quiz(student, assigned[0], skill=skill, at=day, rng=rng, questions=questions)
                reviews += review_session(
                    student, skill=skill, at=day + dt.timedelta(hours=1), rng=rng, limit=12
                )
                attempts += 1
                continue
            # Each assigned quiz the day before it is due, sometimes late, sometimes twice; the
            # morning's flashcards; review sessions on some days. Planned first, then done in
            # the order of their times, so each review sees the cards made before it.
            events: list[tuple[dt.datetime, Callable[[dt.datetime], int]]] = []
            for q in assigned:
                draw = rng.random()
                if share[q.pk] < 1 and draw > share[q.pk] * (0.7 + 0.4 * skill):
                    continue  # skipped this one (the weaker, the likelier); never the first two
                days = min((due[q.pk] - start).days - 1, last_day)
                if days + 2 <= last_day and rng.random() < 0.12:
                    days += 2  # late
                day = start + dt.timedelta(days=days, hours=rng.randint(1, 12), minutes=rng.randint(0, 59))
                events.append((day, _quiz_event(student, q, skill, rng, questions)))
                if q is not quiz and days < last_day and rng.random() < 0.2:  # a second try, a little better
                    again = day + dt.timedelta(days=1, hours=rng.randint(0, 3))
                    events.append((again, _quiz_event(student, q, skill, rng, questions, bonus=0.1)))
            if rng.random() < 0.5 + 0.4 * skill:
                sections = flashcards.filter(section__position__lte=2 + round(6 * skill))
                events.append((start + dt.timedelta(days=1), _cards_event(student, sections)))
            regular = 0.15 + 0.5 * skill
            for day in range(2, 14):  # to yesterday
                if rng.random() < regular:
                    at = start + dt.timedelta(days=day, hours=rng.randint(0, 13), minutes=rng.randint(0, 59))
                    events.append((at, _review_event(student, skill, rng, limit=rng.randint(5, 10))))
            for at, event in sorted(events, key=lambda pair: pair[0]):
                done = event(at)
                attempts, reviews = (attempts + 1, reviews) if done < 0 else (attempts, reviews + done)
        Question.objects.filter(uid=MISKEY_UID).update(active=False)
        log(f"Demo class: {len(people)} students, {attempts} attempts, {reviews} reviews over two weeks.")
    return Plan(students=len(people), attempts=attempts, reviews=reviews)


# Each event returns -1 for a quiz taken, else how many reviews it recorded.


def _quiz_event(student, quiz, skill, rng, questions, bonus=0.0) -> Callable[[dt.datetime], int]:
    def event(at: dt.datetime) -> int:
        take_quiz(student, quiz, skill=skill, at=at, rng=rng, questions=questions, bonus=bonus)
        return -1

    return event


def _cards_event(student, questions) -> Callable[[dt.datetime], int]:
    def event(at: dt.datetime) -> int:
        review.cards_add(student=student, questions=review.reviewable(questions), now=at)
        return 0

    return event


def _review_event(student, skill, rng, *, limit: int) -> Callable[[dt.datetime], int]:
    def event(at: dt.datetime) -> int:
        return review_session(student, skill=skill, at=at, rng=rng, limit=limit)

    return event


def _student(username: str) -> User:
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()  # people of the demo's data, not accounts to log in with
        user.save(update_fields=["password"])
    return user
