"""Seed a school-scale data set for the benchmark (`bench/run.py`), quickly.

At ``--scale 1.0``: 2,000 students in 60 cohorts (plus a whole-school cohort that takes the
30-question assessment, so item analysis has 2,000 first attempts), about 400 questions (the
course's banks, topped up with generated single-choice questions), 100,000 quiz answers,
100,000 review cards and 1,000,000 reviews, and one "bench student" holding 2,000 cards.
``--scale 0.1`` gives one tenth of every count (the question bank keeps its size).

Shapes, not noise:
- students have a skill and questions a difficulty; an answer is right with the probability
  of a logistic (IRT-like) model, and its response, verdict and score come from the question's
  own kind (`parse_response` then `grade`), as when a student posts the form;
- review histories are the real scheduler's output: `review.scheduling.review` (fuzz off)
  replays a few thousand rating sequences, reviewed at (or after) each due time and rated from
  the student's memory: an FSRS memory of its own (`true_weights`: the default weights with
  the stabilities scaled by the student's skill less the question's difficulty, and the
  course harder than the defaults expect), followed beside the app's schedule with the same
  `review.scheduling` calls (so in review days too), whose forgetting curve over the review
  days elapsed says whether the card is recalled. The app schedules with the defaults, so the
  optimiser (`review.optimizer`) has something to learn, for the course and per student. Cards
  reuse these trajectories shifted in time by whole days (the scheduler counts review days,
  which start at 04:00 in Paris: simulated students never review between 00:30 and 05:00 UTC,
  so a shift by whole days, daylight saving or not, keeps every review on the same review day
  of the shift and a shifted history is still exactly what the scheduler computes, the app's
  and the memory's; a due date in days is the start of its shifted review day), and every
  `Review` row carries `state_before`/`state_after` as `review_record` writes them, every
  `Card` its final state.

Speed: Django's `bulk_create` (large batches, in transactions) for the few thousand users,
cohorts and attempts; the 100,000 answers, 100,000 cards and 1,000,000 reviews go through one
prepared INSERT (`executemany`) on SQLite and `COPY` on PostgreSQL, because `bulk_create`
spends about 140 µs per review row compiling SQL (measured), more than two minutes alone.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import json
import math
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape

from classes.models import Assignment, Cohort, Enrolment
from course.bulkload import statistics_refresh
from course.markdown import render
from course.models import Course, Section
from quizzes import kinds
from quizzes.models import Answer, Attempt, Question, Quiz, QuizItem, Revision
from review import cards as review
from review import scheduling
from review.models import Card, Review, ReviewDay, ReviewSettings
from review.scheduling import CardState

# --- what gets built ---------------------------------------------------------------------------

FULL_SCALE = {
    "students": 2_000,
    "cohorts": 60,
    "answers": 100_000,
    "cards": 100_000,
    "reviews": 1_000_000,
    "bench_cards": 2_000,
}
QUESTIONS = 400  # the bank's size: not scaled (the course has what it has)
HEATMAP_STUDENTS = 40
NEW_CARD_SHARE = 0.10  # cards never reviewed yet
BENCH_OVERDUE_SHARE = 0.6  # of the bench student's cards in review state
HISTORY_DAYS = 180  # no review history starts earlier than this
MAX_TRAJECTORY_REVIEWS = 30
SKILL_BUCKETS = (-1.28, -0.52, 0.0, 0.52, 1.28)  # centres of five equal-mass slices of N(0, 1)
DIFFICULTY_BUCKETS = (-0.8, 0.0, 0.8)

BENCH_STUDENT = "bench-student"
BENCH_TRAINER = "bench-trainer"
HEATMAP_COHORT = "Bench promo 01"
SCHOOL_COHORT = "Bench toute l'école"
ASSESSMENT = "evaluation-matin"
FALLBACK_ASSESSMENT = "bench-assessment"
ASSESSMENT_SIZE = 30
PASSWORD = "bench-pass-123"  # every seeded account: lets a person log in to look around
GENERATED_TAG = "generated"
DECK_TAG = "bench-deck"
TRAINERS_GROUP = "trainers"

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1)  # naive UTC, for fast formatting of whole seconds
TRUE_STABILITY = 0.6  # the course is harder than FSRS's default weights expect
DESIRED_RETENTION = 0.9  # every seeded student keeps the default (ReviewSettings)
SIM_START = dt.datetime(2000, 1, 1, tzinfo=UTC)  # trajectories are simulated from here, then shifted
SIM_TS = int(SIM_START.timestamp())  # a whole number of days since 1970
REVIEW_TZ = "Europe/Paris"  # the students' time zone (the settings' default)
ASLEEP = (1800, 5 * 3600)  # seconds of a UTC day when simulated students do not review
APP = scheduling.SchedulerOptions(time_zone=REVIEW_TZ)  # how the app schedules every seeded student


@dataclass(frozen=True)
class Plan:
    students: int
    cohorts: int
    answers: int
    cards: int
    reviews: int
    bench_cards: int
    heatmap_students: int
    questions: int


def plan_for(scale: float, *, questions: int = QUESTIONS) -> Plan:
    """The counts for a scale (1.0 = the school of the issue)."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    n = {key: max(1, round(value * scale)) for key, value in FULL_SCALE.items()}
    cohorts = max(2, n["cohorts"])
    students = max(n["students"], 2 * cohorts)
    heatmap = min(HEATMAP_STUDENTS, students - (cohorts - 1))
    return Plan(
        students=students,
        cohorts=cohorts,
        answers=n["answers"],
        cards=n["cards"],
        reviews=n["reviews"],
        bench_cards=n["bench_cards"],
        heatmap_students=heatmap,
        questions=questions,
    )


# --- answering like a student ----------------------------------------------------------------


def answer_form(*, kind: str, spec: Mapping, right: bool, variant: int = 0) -> dict[str, list[str]]:
    """A form post for a question of any graded kind, meant right or wrong (as a browser sends
    it: field name -> list of values). `variant` picks among several wrong answers."""
    if kind == "single":
        keys = [c["key"] for c in spec["choices"] if c["correct"] is right] or [spec["choices"][0]["key"]]
        return {"choice": [keys[variant % len(keys)]]}
    if kind == "multiple":
        good = [c["key"] for c in spec["choices"] if c["correct"]]
        bad = [c["key"] for c in spec["choices"] if not c["correct"]]
        if right or not bad:
            return {"choices": good or bad[:1]}
        picked = good[1:] + [bad[variant % len(bad)]] if variant % 2 else [bad[variant % len(bad)]]
        return {"choices": picked}
    if kind == "truefalse":
        return {"answer": ["true" if spec["answer"] is right else "false"]}
    if kind == "short":
        return {
            "text": [spec["answers"][0] if right else ("je ne sais pas", "aucune idée", "?")[variant % 3]]
        }
    if kind == "matching":
        rights = [p["right_key"] for p in spec["pairs"]]
        if not right and len(rights) > 1:
            turn = 1 + variant % (len(rights) - 1)
            rights = rights[turn:] + rights[:turn]
        return {
            kinds.matching.FIELD_PREFIX + p["key"]: [k] for p, k in zip(spec["pairs"], rights, strict=True)
        }
    if kind == "ordering":
        count = len(spec["items"])
        order = list(range(1, count + 1))
        if not right:
            order = order[::-1] if variant % 2 == 0 or count < 3 else [2, 1, *order[2:]]
        return {
            kinds.ordering.FIELD_PREFIX + item["key"]: [str(p)]
            for item, p in zip(spec["items"], order, strict=True)
        }
    if kind == "cloze":
        return {
            kinds.cloze.field_name(n): [blank["answers"][0] if right else "?"]
            for n, blank in enumerate(spec["blanks"], start=1)
        }
    if kind == "yaml":
        return {"yaml": [(spec.get("starter") or "apiVersion: v1\nkind: Pod\n") if right else "a: 1\n"]}
    if kind == "command":
        first = spec["answers"][0]
        text = first if isinstance(first, str) else first.get("text", "")
        return {"command": [text if right else ("ls -l", "docker help", "kubectl version")[variant % 3]]}
    raise ValueError(f"no form for kind {kind!r}")


@dataclass(frozen=True)
class Variant:
    response: str  # JSON text, as stored
    picked: str | None  # kinds.picked_json(response), as stored
    correct: bool
    score: float
    feedback: str  # JSON text


def answer_variants(question: Question, *, wrong: int = 3) -> tuple[Variant, list[Variant]]:
    """The right answer and a few wrong ones, each graded by the question's kind."""
    kind = kinds.get(question.kind)
    spec = question.current_revision.spec

    def graded(right: bool, variant: int) -> Variant:
        form = answer_form(kind=question.kind, spec=spec, right=right, variant=variant)
        response = kind.parse_response(spec, form)
        verdict = kind.grade(spec=spec, response=response)
        return Variant(
            json.dumps(response),
            kinds.picked_json(response),
            verdict.correct,
            verdict.score,
            json.dumps(list(verdict.feedback)),
        )

    return graded(True, 0), [graded(False, i) for i in range(wrong)]


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# --- review histories from the real scheduler ----------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One review of a simulated card: times in seconds after the card was created."""

    rating: int
    at: int
    state: int
    step: int | None
    stability: float
    difficulty: float
    due: int
    due_day: int | None  # a due date in days: the review day, counted from SIM_START's date
    head: str  # JSON of the state after this review, up to the due date
    middle: str  # between the due date and the last review date


def _json_head(state: int, step: int | None, stability: float, difficulty: float) -> tuple[str, str]:
    head = (
        f'{{"state": {state}, "step": {json.dumps(step)}, "stability": {json.dumps(stability)}, '
        f'"difficulty": {json.dumps(difficulty)}, "due": "'
    )
    return head, '", "last_review": "'


def new_state_json(created_iso: str) -> str:
    """`state_before` of a card's first review: a new card, due since it was added."""
    return (
        '{"state": 1, "step": 0, "stability": null, "difficulty": null, '
        f'"due": "{created_iso}", "last_review": null}}'
    )


def true_weights(ability: float) -> tuple[float, ...]:
    """The FSRS weights of a simulated student's real memory for a question: the defaults with
    the initial stabilities (w0-w3) scaled by `TRUE_STABILITY` * e^(ability / 2) and the growth
    of stability after a recall (e^w8) by the square root of that factor. Weaker students, or
    harder questions, forget sooner than the default weights predict; the strongest, later."""
    scale = TRUE_STABILITY * math.exp(0.5 * ability)
    weights = list(scheduling.scheduler().parameters)
    for i in range(4):
        weights[i] = round(weights[i] * scale, 4)
    weights[8] = round(weights[8] + 0.5 * math.log(scale), 4)
    return tuple(weights)


def recalled(memory: CardState, now: dt.datetime, truth: scheduling.SchedulerOptions) -> float:
    """The probability that the memory `memory` (a state under the `truth` options) recalls the
    card at `now`: its forgetting curve over the whole review days elapsed since its last review,
    as the scheduler and the optimiser count time across days."""
    days = (scheduling.review_day(now, REVIEW_TZ) - scheduling.review_day(memory.last_review, REVIEW_TZ)).days
    decay, factor = scheduling.forgetting_curve(truth.parameters)
    return (1 + factor * days / memory.stability) ** decay


def _rating(
    rng: random.Random,
    *,
    memory: CardState,
    now: dt.datetime,
    since: dt.timedelta | None,
    ability: float,
    truth: scheduling.SchedulerOptions,
) -> int:
    """A student's rating: recalled or not by their memory of the card (`memory`, its state under
    the `truth` options), then how easily. The first sight and the steps of the same session
    (`since` the last review under 12 hours) are recalled from skill alone."""
    if since is None:
        recall = logistic(ability + 0.3)
    elif since < dt.timedelta(hours=12):
        recall = logistic(ability + 1.5)  # learning steps: minutes later, mostly remembered
    else:
        recall = recalled(memory, now, truth)
    if rng.random() >= recall:
        return 1
    easy = min(0.4, max(0.02, 0.12 + 0.06 * ability))
    hard = min(0.4, max(0.02, 0.15 - 0.05 * ability))
    u = rng.random()
    return 4 if u < easy else 2 if u < easy + hard else 3


def _delay(rng: random.Random, state: int) -> int:
    """Seconds between a card falling due and the student reviewing it."""
    if state != Card.State.REVIEW:
        if rng.random() < 0.75:
            return rng.randint(0, 600)  # same session
        return rng.randint(12 * 3600, 36 * 3600)  # came back the next day
    return min(int(rng.expovariate(1 / (18 * 3600))), 10 * 86400)


def simulate(
    rng: random.Random,
    *,
    ability: float,
    max_reviews: int = MAX_TRAJECTORY_REVIEWS,
    horizon_days: int = HISTORY_DAYS,
) -> list[Step]:
    """Review one card at each due time (plus the student's delay) with `scheduling.review`."""
    state = memory = CardState(state=1, step=0, due=SIM_START)
    truth = scheduling.SchedulerOptions(time_zone=REVIEW_TZ, parameters=true_weights(ability))
    at = _awake(rng.randint(60, 2 * 86400))
    steps: list[Step] = []
    while len(steps) < max_reviews and at <= horizon_days * 86400:
        now = SIM_START + dt.timedelta(seconds=at)
        since = dt.timedelta(seconds=at - steps[-1].at) if steps else None
        rating = _rating(rng, memory=memory, now=now, since=since, ability=ability, truth=truth)
        memory = scheduling.review(card_id=1, state=memory, rating=rating, now=now, options=truth, fuzz=False)
        after = scheduling.review(card_id=1, state=state, rating=rating, now=now, options=APP, fuzz=False)
        due = round((after.due - SIM_START).total_seconds())
        due_day = None
        if after.due == scheduling.day_bounds(scheduling.review_day(after.due, REVIEW_TZ), REVIEW_TZ)[0]:
            due_day = (scheduling.review_day(after.due, REVIEW_TZ) - SIM_START.date()).days
        head, middle = _json_head(after.state, after.step, after.stability, after.difficulty)
        steps.append(
            Step(
                rating=rating,
                at=at,
                state=after.state,
                step=after.step,
                stability=after.stability,
                difficulty=after.difficulty,
                due=due,
                due_day=due_day,
                head=head,
                middle=middle,
            )
        )
        state = after
        at = _awake(due + _delay(rng, after.state))
    return steps


def _awake(at: int) -> int:
    """The moment `at` (seconds after SIM_START), or 05:00 UTC that day if the student sleeps."""
    second = at % 86400
    return at - second + ASLEEP[1] if ASLEEP[0] <= second < ASLEEP[1] else at


@functools.cache
def _day_start(day: dt.date) -> int:
    return int(scheduling.day_bounds(day, REVIEW_TZ)[0].timestamp())


def shifted_due(created: int, step: Step) -> int:
    """When a step of a trajectory shifted to start at `created` (whole days after SIM_START)
    falls due: minutes after the review for a learning step; the start of the shifted review
    day for a due date in days (04:00 in Paris, whatever the daylight saving of either date)."""
    if step.due_day is None:
        return created + step.due
    return _day_start(SIM_START.date() + dt.timedelta(days=(created - SIM_TS) // 86400 + step.due_day))


def nearest(value: float, centres: Sequence[float]) -> int:
    return min(range(len(centres)), key=lambda i: abs(centres[i] - value))


# --- writing fast ----------------------------------------------------------------------------------


class Times:
    """Whole-second UTC timestamps formatted for the database and for `CardState.as_json`
    (the same text as `datetime.isoformat`, built from cached day and time-of-day parts)."""

    def __init__(self, vendor: str) -> None:
        self.zone = "+00:00" if vendor == "postgresql" else ""  # Django keeps naive UTC text on SQLite
        self.days: dict[int, str] = {}
        self.clock = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]

    def _day(self, day: int) -> str:
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = (EPOCH + dt.timedelta(days=day)).date().isoformat()
        return text

    def iso(self, ts: int) -> str:
        day, second = divmod(ts, 86400)
        return f"{self._day(day)}T{self.clock[second]}+00:00"

    def db(self, ts: int | None) -> str | None:
        if ts is None:
            return None
        day, second = divmod(ts, 86400)
        return f"{self._day(day)} {self.clock[second]}{self.zone}"


#: The Card columns written by the raw inserts (seeding here, and the bench's own cards).
CARD_COLUMNS = [
    "student",
    "question",
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "source",
    "version",
    "created_at",
]


def raw_insert(model, fields: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert prepared rows (values already in database form) with COPY or one prepared INSERT."""
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in fields)
    rows = list(rows)
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    else:  # the DB-API cursor inside Django's transaction: no per-query logging when DEBUG is on
        connection.ensure_connection()
        cursor = connection.connection.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['?'] * len(fields))})", rows
            )
        finally:
            cursor.close()
    return len(rows)


@contextmanager
def indexes_dropped(model):
    """Drop a table's plain indexes while it is bulk loaded and build them again after (one sort
    per index instead of a million random B-tree inserts). Constraint indexes stay."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL",
                [table],
            )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield  # on an error the transaction rolls the drops back
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # check the deferred foreign keys before indexing
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, sql in indexes:
            cursor.execute(sql)


@contextmanager
def explicit_timestamps(*models):
    """Let bulk_create keep the times we set on `auto_now_add` fields (history in the past)."""
    switched = [f for m in models for f in m._meta.concrete_fields if getattr(f, "auto_now_add", False)]
    for f in switched:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in switched:
            f.auto_now_add = True


class Progress:
    """A progress bar on stderr (one line per tenth when stderr is not a terminal)."""

    def __init__(self, stream, label: str, total: int) -> None:
        self.stream, self.label, self.total = stream, label, max(1, total)
        self.count, self.start = 0, time.perf_counter()
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.drawn_at, self.tenth = 0.0, -1
        self._draw()

    def update(self, n: int = 1) -> None:
        self.count += n
        if self.tty:
            if time.perf_counter() - self.drawn_at >= 0.2:
                self._draw()
        elif int(10 * self.count / self.total) > self.tenth:
            self._draw()

    def _draw(self, *, final: bool = False) -> None:
        share = min(1.0, self.count / self.total)
        elapsed = time.perf_counter() - self.start
        figures = f"{share:4.0%} {self.count:>9,}/{self.total:,} {elapsed:6.1f}s"
        if self.tty:
            bar = "#" * int(30 * share) + "." * (30 - int(30 * share))
            self.stream.write(f"\r{self.label:<10} [{bar}] {figures}" + ("\n" if final else ""))
        else:
            self.stream.write(f"{self.label:<10} {figures}\n")
            self.tenth = int(10 * share)
        self.stream.flush()
        self.drawn_at = time.perf_counter()

    def done(self) -> float:
        if self.tty or self.tenth < 10:
            self._draw(final=True)
        return time.perf_counter() - self.start


# --- the seeding ----------------------------------------------------------------------------------


@dataclass
class School:
    """What was built, for the summary and the benchmark."""

    plan: Plan
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


class Seeder:
    def __init__(self, *, plan: Plan, seed: int, stderr, now: dt.datetime | None = None) -> None:
        self.plan = plan
        self.rng = random.Random(seed)
        self.stderr = stderr
        self.now = int((now or timezone.now()).timestamp())
        self.times = Times(connection.vendor)
        self.school = School(plan=plan)

    def stage(self, label: str, total: int) -> Progress:
        return Progress(self.stderr, label, total)

    # questions ------------------------------------------------------------------------------

    def ensure_course(self) -> None:
        if not Section.objects.exists():
            call_command("load_course", stdout=self.stderr)
        if not Question.objects.exists():
            call_command("load_banks", stdout=self.stderr)

    def _generate_questions(self, count: int, *, tag: str, start: int) -> list[int]:
        """`count` single-choice questions spread over the sections (not in any bank file)."""
        if count <= 0:
            return []
        sections = list(Section.objects.order_by("position"))
        if not sections:
            raise CommandError("No course section: load the course first.")
        # The kind validates and renders the choices once; each question gets its own keys.
        template = kinds.get("single").build_spec(
            {
                "choices": [
                    {"text": "La réponse juste", "correct": True},
                    "Un leurre",
                    "Un autre leurre",
                    "Encore un leurre",
                ]
            },
            uid=tag,
        )
        progress = self.stage(f"{tag}", count)
        questions, revisions = [], []
        prompts = {}
        for i in range(count):
            n = start + i
            section = sections[i % len(sections)]
            uid = f"{tag}-{section.slug}-{n}"
            spec = {
                **template,
                "choices": [{**c, "key": kinds.item_key(uid, c["text"])} for c in template["choices"]],
            }
            prompt = f"Question générée n°{n} sur « {section.title} » : laquelle de ces réponses est juste ?"
            questions.append(
                Question(
                    uid=uid,
                    section=section,
                    kind="single",
                    difficulty=1 + n % 3,
                    tags=[tag],
                    active=True,
                    position=1000 + n,
                )
            )
            prompts[uid] = (prompt, spec)
            progress.update()
        Question.objects.bulk_create(questions, batch_size=1000)
        created = {q.uid: q for q in Question.objects.filter(uid__in=list(prompts))}
        explanation = "Question générée pour le banc d'essai : la réponse juste est annoncée."
        explanation_html = render(explanation)
        for uid, (prompt, spec) in prompts.items():
            revisions.append(
                Revision(
                    question=created[uid],
                    number=1,
                    content_hash=hashlib.sha256(prompt.encode()).hexdigest(),
                    prompt=prompt,
                    prompt_html=f"<p>{escape(prompt)}</p>",
                    explanation=explanation,
                    explanation_html=explanation_html,
                    spec=spec,
                )
            )
        Revision.objects.bulk_create(revisions, batch_size=1000)
        by_question = dict(
            Revision.objects.filter(question__uid__in=list(prompts)).values_list("question_id", "pk")
        )
        for question in created.values():
            question.current_revision_id = by_question[question.pk]
        Question.objects.bulk_update(list(created.values()), ["current_revision"], batch_size=500)
        progress.done()
        return [q.pk for q in created.values()]

    def questions(self) -> None:
        bank = [
            q
            for q in Question.objects.filter(active=True, current_revision__isnull=False)
            if DECK_TAG not in (q.tags or [])
        ]
        top_up = self._generate_questions(self.plan.questions - len(bank), tag=GENERATED_TAG, start=1)
        if top_up:
            for section_id, ids in _group(
                Question.objects.filter(pk__in=top_up).values_list("section_id", "pk")
            ).items():
                quiz = Quiz.objects.filter(section_id=section_id).first()
                if quiz is not None:
                    last = quiz.items.order_by("-position").values_list("position", flat=True).first() or 0
                    QuizItem.objects.bulk_create(
                        QuizItem(quiz=quiz, question_id=qid, position=last + i)
                        for i, qid in enumerate(ids, 1)
                    )
        self.bank = list(
            Question.objects.filter(active=True, current_revision__isnull=False)
            .select_related("current_revision")
            .order_by("pk")
        )
        self.bank = [q for q in self.bank if DECK_TAG not in (q.tags or [])]
        # Card is unique per (student, question): the bench student's 2,000 cards need as many questions.
        deck = self._generate_questions(
            self.plan.bench_cards - len(self.bank), tag=DECK_TAG, start=len(self.bank) + 1
        )
        self.deck = list(
            Question.objects.filter(pk__in=deck).select_related("current_revision").order_by("pk")
        )
        self.difficulty = {
            q.pk: (q.difficulty - 2) * 0.8 + self.rng.gauss(0, 0.5) for q in self.bank + self.deck
        }
        self.graded = {q.pk: kinds.is_graded(q.kind) for q in self.bank + self.deck}
        self.school.counts["questions"] = len(self.bank)
        self.school.counts["deck_questions"] = len(self.deck)

    def assessment(self) -> Quiz:
        graded = [q for q in self.bank if self.graded[q.pk]]
        quiz = Quiz.objects.filter(slug=ASSESSMENT).first()
        if quiz is not None and quiz.items.filter(question__active=True).count() >= min(
            ASSESSMENT_SIZE, len(graded)
        ):
            return quiz
        quiz, _created = Quiz.objects.get_or_create(
            slug=FALLBACK_ASSESSMENT,
            defaults={"title": "Évaluation du banc d'essai", "kind": Quiz.Kind.ASSESSMENT, "position": 999},
        )
        if not quiz.items.exists():
            picked = self.rng.sample(graded, min(ASSESSMENT_SIZE, len(graded)))
            QuizItem.objects.bulk_create(
                QuizItem(quiz=quiz, question=q, position=i) for i, q in enumerate(picked, 1)
            )
        return quiz

    # people --------------------------------------------------------------------------------------

    def people(self) -> None:
        plan = self.plan
        password = make_password(PASSWORD)  # one hash for all: hashing 2,000 passwords takes minutes
        trainer_count = math.ceil(plan.cohorts / 2)
        progress = self.stage("users", plan.students + trainer_count + 2)
        joined = dt.datetime.fromtimestamp(self.now, UTC) - dt.timedelta(days=200)
        users = [
            User(
                username=f"student{i:05d}",
                first_name="Élève",
                last_name=f"{i:05d}",
                email=f"student{i:05d}@example.invalid",
                password=password,
                date_joined=joined,
            )
            for i in range(1, plan.students + 1)
        ]
        users += [
            User(
                username=f"trainer{i:03d}",
                first_name="Formateur",
                last_name=f"{i:03d}",
                password=password,
                date_joined=joined,
            )
            for i in range(1, trainer_count + 1)
        ]
        users += [
            User(username=BENCH_STUDENT, password=password, date_joined=joined),
            User(username=BENCH_TRAINER, password=password, date_joined=joined),
        ]
        User.objects.bulk_create(users, batch_size=2000)
        progress.update(len(users))
        by_name = dict(
            User.objects.filter(username__in=[u.username for u in users]).values_list("username", "pk")
        )
        self.students = [by_name[f"student{i:05d}"] for i in range(1, plan.students + 1)]
        self.trainers = [by_name[f"trainer{i:03d}"] for i in range(1, trainer_count + 1)]
        self.bench_student, self.bench_trainer = by_name[BENCH_STUDENT], by_name[BENCH_TRAINER]
        group, _ = Group.objects.get_or_create(name=TRAINERS_GROUP)
        through = User.groups.through
        through.objects.bulk_create(
            through(user_id=pk, group_id=group.pk) for pk in [*self.trainers, self.bench_trainer]
        )
        self.skill = {pk: self.rng.gauss(0, 1) for pk in self.students}
        self.skill[self.bench_student] = 0.3
        progress.done()
        self.school.counts["students"] = len(self.students)
        self.school.counts["trainers"] = len(self.trainers) + 1

    def cohorts(self) -> None:
        plan = self.plan
        course = Course.objects.order_by("pk").first()
        rest = plan.students - plan.heatmap_students
        others = plan.cohorts - 1
        sizes = [plan.heatmap_students] + [
            rest // others + (1 if i < rest % others else 0) for i in range(others)
        ]
        order = list(self.students)
        self.rng.shuffle(order)
        today = dt.datetime.fromtimestamp(self.now, UTC).date()
        codes: set[str] = set()

        def code() -> str:
            while True:
                value = "".join(self.rng.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(8))
                if value not in codes:
                    codes.add(value)
                    return value

        cohorts, members, start = [], [], 0
        for i, size in enumerate(sizes):
            starts = today - dt.timedelta(days=7 + (i * 83) % 84)  # spread over the last 12 weeks
            name = HEATMAP_COHORT if i == 0 else f"Bench promo {i + 1:02d}"
            created = dt.datetime.combine(starts - dt.timedelta(days=14), dt.time(9), tzinfo=UTC)
            cohorts.append(
                Cohort(
                    name=name,
                    course=course,
                    starts_on=starts,
                    ends_on=starts + dt.timedelta(days=4),
                    join_code=code(),
                    created_at=created,
                )
            )
            members.append(order[start : start + size])
            start += size
        first_start = min(c.starts_on for c in cohorts)
        cohorts.append(
            Cohort(
                name=SCHOOL_COHORT,
                course=course,
                starts_on=first_start,
                ends_on=today,
                join_code=code(),
                created_at=dt.datetime.combine(first_start, dt.time(8), tzinfo=UTC),
            )
        )
        members.append(list(self.students))
        with explicit_timestamps(Cohort, Enrolment):
            Cohort.objects.bulk_create(cohorts)
            by_code = dict(Cohort.objects.filter(join_code__in=codes).values_list("join_code", "pk"))
            for cohort in cohorts:
                cohort.pk = by_code[cohort.join_code]
            enrolments = [
                Enrolment(
                    cohort_id=c.pk,
                    student_id=s,
                    joined_at=dt.datetime.combine(c.starts_on, dt.time(8, 30), tzinfo=UTC),
                )
                for c, group in zip(cohorts, members, strict=True)
                for s in group
            ]
            Enrolment.objects.bulk_create(enrolments, batch_size=5000)
        teach = Cohort.trainers.through
        links = [teach(cohort_id=c.pk, user_id=self.trainers[i // 2]) for i, c in enumerate(cohorts[:-1])]
        links += [
            teach(cohort_id=cohorts[0].pk, user_id=self.bench_trainer),
            teach(cohort_id=cohorts[-1].pk, user_id=self.bench_trainer),
        ]
        teach.objects.bulk_create(links)
        self.cohort_list = cohorts
        self.members = members
        self.cohort_of = {s: c for c, group in zip(cohorts[:-1], members[:-1], strict=True) for s in group}
        self.school.counts["cohorts"] = len(cohorts)
        self.school.counts["enrolments"] = len(enrolments)

    def assignments(self, assessment: Quiz) -> None:
        section_quizzes = [
            q for q in Quiz.objects.filter(kind=Quiz.Kind.SECTION).order_by("position") if q.pk in self.plans
        ]
        rows = []
        self.assigned: dict[int, list[tuple[int, int, int]]] = {}  # cohort -> (quiz, opens, due)
        for cohort in self.cohort_list:
            opens = int(dt.datetime.combine(cohort.starts_on, dt.time(9), tzinfo=UTC).timestamp())
            chosen = [assessment.pk]
            if cohort.name != SCHOOL_COHORT:
                chosen += [
                    q.pk
                    for q in self.rng.sample(
                        section_quizzes, min(len(section_quizzes), self.rng.randint(4, 7))
                    )
                ]
            entries = []
            for quiz_id in chosen:
                due = opens + self.rng.randint(1, 3) * 86400
                entries.append((quiz_id, opens, due))
                rows.append(
                    Assignment(
                        cohort_id=cohort.pk, quiz_id=quiz_id, opens_at=_aware(opens), due_at=_aware(due)
                    )
                )
            self.assigned[cohort.pk] = entries
        Assignment.objects.bulk_create(rows, batch_size=2000)
        self.school.counts["assignments"] = len(rows)

    # quizzes -------------------------------------------------------------------------------------

    def quiz_plans(self) -> None:
        """Each quiz's question list as `attempt_start` fixes it (active, graded, by position)."""
        self.plans: dict[int, list[Question]] = {}
        by_pk = {q.pk: q for q in self.bank}
        for quiz in Quiz.objects.all():
            ids = list(
                quiz.items.filter(question__active=True)
                .exclude(question__kind__in=kinds.UNGRADED_KINDS)
                .order_by("position")
                .values_list("question_id", flat=True)
            )
            questions = [by_pk[i] for i in ids if i in by_pk]
            if questions:
                self.plans[quiz.pk] = questions
        self.variants = {q.pk: answer_variants(q) for q in self.bank if self.graded[q.pk]}

    def attempts(self, assessment: Quiz) -> None:
        plan = self.plan
        budget = plan.answers
        progress = self.stage("answers", budget)
        size = {quiz: len(qs) for quiz, qs in self.plans.items()}
        school = self.cohort_list[-1].pk
        attempts: list[Attempt] = []
        answers: list[tuple] = []  # (attempt index, question, position, variant, answered_at)

        def take(student: int, quiz: int, start: int, count: int | None = None, bonus: float = 0.0) -> None:
            questions = self.plans[quiz]
            n = len(questions) if count is None else count
            t = start
            score = 0.0
            theta = self.skill[student]
            index = len(attempts)
            for position, question in enumerate(questions[:n]):
                t += self.rng.randint(15, 90)
                right, wrong = self.variants[question.pk]
                p = logistic(theta - self.difficulty[question.pk] + bonus)
                variant = right if self.rng.random() < p else self.rng.choice(wrong)
                score += variant.score
                answers.append((index, question, position, variant, t))
            finished = count is None
            attempts.append(
                Attempt(
                    student_id=student,
                    quiz_id=quiz,
                    question_ids=[q.pk for q in questions],
                    seed=self.rng.randrange(2**31),
                    started_at=_aware(start),
                    finished_at=_aware(t + 5) if finished else None,
                    score=round(score / len(questions), 4) if finished else None,
                )
            )
            progress.update(n)

        def start_time(student: int, quiz: int) -> int:
            windows = [w for w in self.assigned.get(self.cohort_of.get(student, school), []) if w[0] == quiz]
            if windows:
                _quiz, opens, due = windows[0]
                late = self.rng.random() < 0.1
                return (
                    (due + self.rng.randint(600, 3 * 86400)) if late else self.rng.randint(opens, due - 3600)
                )
            return self.now - self.rng.randint(86400, 60 * 86400)

        # Everyone takes the assessment once (the item analysis case), in random order.
        students = list(self.students)
        self.rng.shuffle(students)
        for student in students:
            if budget < size[assessment.pk]:
                break
            take(student, assessment.pk, start_time(student, assessment.pk))
            budget -= size[assessment.pk]
        # Then section quizzes (mostly assigned ones) and a few second tries, until the budget is spent.
        section_quizzes = [q for q in self.plans if q != assessment.pk]
        while budget > 0:
            student = self.rng.choice(self.students)
            roll = self.rng.random()
            mine = [w[0] for w in self.assigned.get(self.cohort_of.get(student), []) if w[0] != assessment.pk]
            if roll < 0.1 or not section_quizzes:
                quiz, bonus = assessment.pk, 0.4
            elif roll < 0.75 and mine:
                quiz, bonus = self.rng.choice(mine), 0.0
            else:
                quiz, bonus = self.rng.choice(section_quizzes), 0.0
            if size[quiz] <= budget:
                take(student, quiz, start_time(student, quiz), bonus=bonus)
                budget -= size[quiz]
            else:  # the last one is left half-way, as real students do
                bigger = [q for q in self.plans if size[q] > budget]
                take(student, bigger[0], self.now - 1800, count=budget)
                budget = 0
        with explicit_timestamps(Attempt):
            Attempt.objects.bulk_create(attempts, batch_size=2000)
        if any(a.pk is None for a in attempts):  # a backend without RETURNING: read the ids back
            raise CommandError("bulk_create did not return attempt ids on this database")
        times = self.times
        rows = (
            (
                attempts[i].pk,
                q.pk,
                q.current_revision_id,
                position,
                v.response,
                v.picked,
                v.correct,
                v.score,
                v.feedback,
                times.db(t),
            )
            for i, q, position, v, t in answers
        )
        with transaction.atomic():
            raw_insert(
                Answer,
                [
                    "attempt",
                    "question",
                    "revision",
                    "position",
                    "response",
                    "picked",
                    "correct",
                    "score",
                    "feedback",
                    "answered_at",
                ],
                rows,
            )
        progress.done()
        self.school.counts["attempts"] = len(attempts)
        self.school.counts["answers"] = len(answers)

    # cards and reviews ------------------------------------------------------------------------------

    def cards_and_reviews(self) -> None:
        plan = self.plan
        cap = len(self.bank)
        bench_questions = (self.bank + self.deck)[: plan.bench_cards]
        others = max(0, min(plan.cards - len(bench_questions), cap * len(self.students)))
        weights = [self.rng.lognormvariate(0, 0.8) for _ in self.students]
        total_weight = sum(weights)
        counts = [min(cap, int(others * w / total_weight)) for w in weights]
        short = others - sum(counts)
        while short > 0:
            i = self.rng.randrange(len(counts))
            if counts[i] < cap:
                counts[i] += 1
                short -= 1
        cards: list[list] = []  # student, question, history length (filled below)
        for question in bench_questions:
            cards.append([self.bench_student, question.pk, 0])
        for student, n in zip(self.students, counts, strict=True):
            for question in self.rng.sample(self.bank, n):
                cards.append([student, question.pk, 0])
        # Review histories: replay trajectories; how many reviews each card has had.
        per_group = max(20, min(200, len(cards) // 40))
        progress = self.stage("scheduler", per_group * len(SKILL_BUCKETS) * len(DIFFICULTY_BUCKETS))
        sim_rng = random.Random(self.rng.random())
        paths: dict[tuple[int, int], list[list[Step]]] = {}
        for s, skill in enumerate(SKILL_BUCKETS):
            for d, difficulty in enumerate(DIFFICULTY_BUCKETS):
                paths[(s, d)] = []
                for _ in range(per_group):
                    paths[(s, d)].append(simulate(sim_rng, ability=skill - difficulty))
                    progress.update()
        progress.done()
        self.school.counts["trajectories"] = sum(len(v) for v in paths.values())
        studied = [c for c in cards if self.rng.random() >= NEW_CARD_SHARE]
        if not studied and plan.reviews:
            studied = cards[:]
        mean = plan.reviews / max(1, len(studied))
        chosen: dict[int, list[Step]] = {}
        group_of = {}
        for card in studied:
            group = (
                nearest(self.skill[card[0]], SKILL_BUCKETS),
                nearest(self.difficulty[card[1]], DIFFICULTY_BUCKETS),
            )
            path = self.rng.choice(paths[group])
            group_of[id(card)], chosen[id(card)] = group, path
            card[2] = min(len(path), max(1, round(self.rng.uniform(1, 2 * mean - 1))))
        # The students' cards start at random moments and hold what happened since: a card's age
        # is a uniform share of a span, the same for all, long enough for the total of reviews
        # (bisected). Choosing the lengths first and ending every history now would keep the
        # histories that spread wide, those remembered well, longer in the past: the early
        # part of each log would not be a fair sample of the memory (the optimiser learns from
        # it). The bench student's cards keep their drawn lengths (its queue's shape).
        share = {id(c): self.rng.random() for c in studied if c[0] != self.bench_student}
        times_of = {id(path): [step.at for step in path] for options in paths.values() for path in options}

        def natural(card, span: float) -> int:
            return max(1, bisect.bisect_left(times_of[id(chosen[id(card)])], share[id(card)] * span))

        aged = [c for c in studied if id(c) in share]
        wanted = plan.reviews - sum(c[2] for c in studied if id(c) not in share)
        low, high = 86400.0, HISTORY_DAYS * 86400.0
        for _ in range(24):
            middle = (low + high) / 2
            low, high = (middle, high) if sum(natural(c, middle) for c in aged) < wanted else (low, middle)
        age = {}
        for card in aged:
            card[2] = natural(card, high)
            age[id(card)] = share[id(card)] * high
        # Make the total exact: lengthen or shorten random histories within their trajectory; when
        # histories run out of room, cards move to their group's longest trajectory.
        missing = plan.reviews - sum(c[2] for c in studied)
        longest = {group: max(options, key=len) for group, options in paths.items()}
        for widen in (False, True):
            if widen and missing > 0:
                for card in studied:
                    chosen[id(card)] = max(chosen[id(card)], longest[group_of[id(card)]], key=len)
            room = [c for c in studied if c[2] < len(chosen[id(c)])]
            while missing > 0 and room:
                i = self.rng.randrange(len(room))
                card = room[i]
                card[2] += 1
                missing -= 1
                if card[2] >= len(chosen[id(card)]):
                    room[i] = room[-1]
                    room.pop()
        if missing > 0:
            raise CommandError(f"{missing} reviews do not fit in {len(studied)} card histories: add cards")
        shrink = [c for c in studied if c[2] > 1]
        while missing < 0 and shrink:
            i = self.rng.randrange(len(shrink))
            card = shrink[i]
            card[2] -= 1
            missing += 1
            if card[2] <= 1:
                shrink[i] = shrink[-1]
                shrink.pop()
        # Place each history in time: the last review a while ago, then its due date.
        rows = []
        times = self.times
        for card in cards:
            student, question, length = card
            if length == 0:
                created = self.now - self.rng.randint(600, 30 * 86400)
                source = Card.Source.MISSED if self.rng.random() < 0.6 else Card.Source.ADDED
                rows.append(
                    (
                        student,
                        question,
                        1,
                        0,
                        None,
                        None,
                        times.db(created),
                        None,
                        source,
                        0,
                        times.db(created),
                    )
                )
                card.append(created)
                continue
            path = chosen[id(card)]
            last = path[length - 1]
            started = age.get(id(card))
            if (
                started is not None
                and last.at < started
                and (length == len(path) or path[length].at >= started)
            ):
                gap = int(started - last.at)  # a card of its age: the history up to now
            elif last.state == Card.State.REVIEW:
                interval = last.due - last.at
                if student == self.bench_student and self.rng.random() < BENCH_OVERDUE_SHARE:
                    # The bench student is behind: a deep queue of overdue cards to rate.
                    gap = interval + self.rng.randint(0, 14 * 86400)
                else:  # some cards are overdue (by up to a quarter of their interval)
                    gap = self.rng.randint(0, int(min(interval * 1.25, 30 * 86400)))
            else:
                gap = self.rng.randint(0, 7 * 86400)
            created = self.now - gap - last.at
            created -= (created - SIM_TS) % 86400  # shifted by whole days: see the module's doc
            card.append(created)
            source = Card.Source.MISSED if self.rng.random() < 0.6 else Card.Source.ADDED
            rows.append(
                (
                    student,
                    question,
                    last.state,
                    last.step,
                    last.stability,
                    last.difficulty,
                    times.db(shifted_due(created, last)),
                    times.db(created + last.at),
                    source,
                    length,
                    times.db(created),
                )
            )
        self.school.counts["cards"] = len(rows)
        with transaction.atomic():
            progress = self.stage("cards", len(rows))
            raw_insert(
                Card,
                CARD_COLUMNS,
                rows,
            )
            progress.update(len(rows))
            progress.done()
        ids = {
            (s, q): pk
            for pk, s, q in Card.objects.filter(
                student_id__in=[*self.students, self.bench_student]
            ).values_list("pk", "student_id", "question_id")
        }
        # The log in time order, as the app appends it.
        events = [
            (card[3] + chosen[id(card)][k].at, n, k) for n, card in enumerate(cards) for k in range(card[2])
        ]
        events.sort()
        revision = {q.pk: q.current_revision_id for q in self.bank + self.deck}
        progress = self.stage("reviews", len(events))
        fields = [
            "card",
            "student",
            "question",
            "revision",
            "rating",
            "reviewed_at",
            "duration_ms",
            "correct",
            "score",
            "response",
            "state_before",
            "state_after",
            "desired_retention",
        ]
        iso = times.iso
        rand = self.rng.random
        utc_at = functools.partial(dt.datetime.fromtimestamp, tz=dt.UTC)
        chunk = 50_000
        log = []  # what the daily rollup needs of each review of a batch
        zone_of, default = review.review_zones()
        totals: dict = {}
        with transaction.atomic(), indexes_dropped(Review):
            for start in range(0, len(events), chunk):
                batch = []
                for ts, n, k in events[start : start + chunk]:
                    student, question, _length, created = cards[n]
                    path = chosen[id(cards[n])]
                    step = path[k]
                    if k == 0:
                        before = new_state_json(iso(created))
                    else:
                        prev = path[k - 1]
                        due_before = iso(shifted_due(created, prev))
                        before = f'{prev.head}{due_before}{prev.middle}{iso(created + prev.at)}"}}'
                    after = f'{step.head}{iso(shifted_due(created, step))}{step.middle}{iso(ts)}"}}'
                    graded = self.graded[question]
                    duration = 2000 + int(rand() * 40000)
                    previous_state = path[k - 1].state if k else 1
                    log.append((student, utc_at(ts), step.rating, duration, previous_state, k or None))
                    batch.append(
                        (
                            ids[(student, question)],
                            student,
                            question,
                            revision[question],
                            step.rating,
                            times.db(ts),
                            duration,
                            (step.rating > 1) if graded else None,
                            (1.0 if step.rating > 1 else 0.0) if graded else None,
                            None,
                            before,
                            after,
                            DESIRED_RETENTION,  # the default's, with the default weights (no set)
                        )
                    )
                raw_insert(Review, fields, batch)
                review.review_days_totals(log, zone_of, default, totals)
                log.clear()
                progress.update(len(batch))
        progress.done()
        self.school.counts["reviews"] = len(events)
        # Review settings for everyone who reviews; the bench student reviews a lot in one day.
        reviewers = {c[0] for c in cards}
        ReviewSettings.objects.bulk_create(
            [
                ReviewSettings(
                    student_id=s,
                    new_per_day=100 if s == self.bench_student else 20,
                    max_reviews_per_day=1000 if s == self.bench_student else 200,
                )
                for s in reviewers
            ],
            batch_size=2000,
        )
        # The daily rollup the queue and the progress page read, summed as review_record keeps it.
        columns = ["student", "day", "reviews", "new_cards", "recall_reviews", "recall_passed", "duration_ms"]
        progress = self.stage("review days", len(totals))
        with transaction.atomic():
            rows = ((s, d.isoformat(), *(row[c] for c in columns[2:])) for (s, d), row in totals.items())
            raw_insert(ReviewDay, columns, rows)
        progress.update(len(totals))
        progress.done()
        self.school.counts["review_days"] = len(totals)

    def analyse(self) -> None:
        statistics_refresh()

    def run(self, *, analyse: bool) -> School:
        if User.objects.filter(username__in=[BENCH_STUDENT, BENCH_TRAINER]).exists():
            raise CommandError("This database is already seeded: seed a fresh one (bench/run.py does).")
        steps = [
            ("course", self.ensure_course),
            ("questions", self.questions),
        ]
        for name, function in steps:
            start = time.perf_counter()
            function()
            self.school.timings[name] = time.perf_counter() - start
        start = time.perf_counter()
        with transaction.atomic():
            assessment = self.assessment()
            self.quiz_plans()
            self.people()
            self.cohorts()
            self.assignments(assessment)
        self.school.timings["people"] = time.perf_counter() - start
        self.assessment_slug = assessment.slug
        start = time.perf_counter()
        self.attempts(assessment)
        self.school.timings["answers"] = time.perf_counter() - start
        start = time.perf_counter()
        self.cards_and_reviews()
        self.school.timings["cards+reviews"] = time.perf_counter() - start
        if analyse:
            start = time.perf_counter()
            self.analyse()
            self.school.timings["analyse"] = time.perf_counter() - start
        return self.school


def _aware(ts: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, UTC)


def _group(pairs: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


@contextmanager
def fast_sqlite():
    """Bulk-load settings for SQLite (this connection only): no fsync per commit, a big cache."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:  # (tests run inside a transaction)
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        (previous,) = cursor.fetchone()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-524288")  # 512 MB
        cursor.execute("PRAGMA temp_store=MEMORY")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={int(previous)}")


class Command(BaseCommand):
    help = "Seed a school-scale data set for the benchmark (bulk inserts, progress on stderr)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="1.0 = 2,000 students, 1,000,000 reviews"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
        parser.add_argument(
            "--questions",
            type=int,
            default=QUESTIONS,
            help="top the bank up with generated questions to this many (default 400)",
        )
        parser.add_argument("--no-analyse", action="store_true", help="skip VACUUM (ANALYZE) on PostgreSQL")

    def handle(self, *args, scale, seed, questions, no_analyse, **options):
        plan = plan_for(scale, questions=questions)
        started = time.perf_counter()
        self.stderr.write(f"Seeding at scale {scale}: {plan}")
        seeder = Seeder(plan=plan, seed=seed, stderr=self.stderr._out)
        with fast_sqlite():
            school = seeder.run(analyse=not no_analyse)
        elapsed = time.perf_counter() - started
        summary = {
            "scale": scale,
            "seed": seed,
            "seconds": round(elapsed, 1),
            "database": connection.vendor,
            "assessment": seeder.assessment_slug,
            **school.counts,
            "timings": {k: round(v, 1) for k, v in school.timings.items()},
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
