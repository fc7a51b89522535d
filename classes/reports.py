"""Queries behind the trainer's reports. Each returns plain data for one screen, in a fixed
number of queries whatever the size of the class: counts, sums and averages are computed by
the database; Python only arranges the aggregated rows into a table."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import RowNumber, TruncDate
from django.utils.translation import gettext

from classes import stats
from classes.models import Assignment, Cohort
from classes.stats import ItemStats
from course.models import Section
from quizzes.models import Answer, Attempt, Question
from review import scheduling
from review.models import Card, Review


def cohort_students(cohort: Cohort) -> QuerySet[User]:
    return User.objects.filter(enrolments__cohort=cohort).order_by("username")


# --- overview ---------------------------------------------------------------------------------


@dataclass
class Cell:
    attempts: int = 0
    best: float | None = None
    first: float | None = None
    last: float | None = None
    time: dt.timedelta | None = None
    first_finished: dt.datetime | None = None
    in_progress: bool = False
    late: bool = False
    missing: bool = False

    @property
    def not_started(self) -> bool:
        return self.attempts == 0 and not self.in_progress


@dataclass
class Overview:
    students: list[User]
    assignments: list[Assignment]
    cells: dict[tuple[int, int], Cell]
    quiz_stats: dict[int, dict] = field(default_factory=dict)

    def row(self, student: User) -> list[Cell]:
        return [self.cells[(student.pk, a.quiz_id)] for a in self.assignments]


def overview(cohort: Cohort, *, now: dt.datetime) -> Overview:
    """Students x assigned quizzes: best, first and last score, attempts, time, late/missing."""
    students = list(cohort_students(cohort))
    assignments = list(cohort.assignments.select_related("quiz", "quiz__section").order_by("due_at", "pk"))
    finished = Attempt.objects.filter(
        student=OuterRef("student_id"), quiz=OuterRef("quiz_id"), finished_at__isnull=False
    )
    rows = (
        Attempt.objects.filter(student__enrolments__cohort=cohort, quiz__assignments__cohort=cohort)
        .values("student_id", "quiz_id")
        .annotate(
            attempts=Count("pk", filter=Q(finished_at__isnull=False)),
            open=Count("pk", filter=Q(finished_at__isnull=True)),
            best=Max("score"),
            first=Subquery(finished.order_by("finished_at").values("score")[:1]),
            last=Subquery(finished.order_by("-finished_at").values("score")[:1]),
            time=Sum(ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())),
            first_finished=Min("finished_at"),
        )
        .order_by()
    )
    due = {a.quiz_id: a.due_at for a in assignments}
    cells = {(s.pk, a.quiz_id): Cell() for s in students for a in assignments}
    for row in rows:
        cell = cells.get((row["student_id"], row["quiz_id"]))
        if cell is None:
            continue
        cell.attempts, cell.best = row["attempts"], row["best"]
        cell.first, cell.last = row["first"], row["last"]
        cell.time, cell.first_finished, cell.in_progress = row["time"], row["first_finished"], row["open"] > 0
        cell.late = bool(cell.first_finished and cell.first_finished > due[row["quiz_id"]])
    for (_student, quiz_id), cell in cells.items():
        cell.missing = cell.attempts == 0 and now > due[quiz_id]
    quiz_stats = {}
    for assignment in assignments:
        bests = [cells[(s.pk, assignment.quiz_id)].best for s in students]
        bests = [b for b in bests if b is not None]
        quiz_stats[assignment.quiz_id] = {
            "done": len(bests),
            "mean": statistics.fmean(bests) if bests else None,
            "median": statistics.median(bests) if bests else None,
        }
    return Overview(students=students, assignments=assignments, cells=cells, quiz_stats=quiz_stats)


# --- topic mastery heatmap -----------------------------------------------------------------------


@dataclass
class HeatCell:
    answers: int = 0
    correct: int = 0
    cards: int = 0
    recall: float | None = None

    @property
    def share_correct(self) -> float | None:
        return self.correct / self.answers if self.answers else None

    @property
    def weakness(self) -> float:
        """Lower is weaker: the lesser of the share of right answers and the predicted recall."""
        known = [v for v in (self.share_correct, self.recall) if v is not None]
        return min(known) if known else 1.0

    @property
    def class_weakness(self) -> float | None:
        """The weakness a class's topics are ranked by: as `weakness`, but a share of right
        answers counts only from MIN_ANSWERS_TO_RANK answers on (two answers make 0, 50 or 100 %);
        None when nothing is left to judge."""
        known = [self.recall] if self.recall is not None else []
        if self.answers >= MIN_ANSWERS_TO_RANK:
            known.append(self.share_correct)
        return min(known) if known else None

    @property
    def level(self) -> str:
        """The legend's band of the weakness, for shading: "0" (< 50 %) to "3" (>= 85 %), or "none"."""
        if not (self.answers or self.cards):
            return "none"
        weakness = self.weakness
        return "0" if weakness < 0.5 else "1" if weakness < 0.7 else "2" if weakness < 0.85 else "3"


def heatmap(
    cohort: Cohort, *, at: dt.datetime, student: User | None = None
) -> tuple[list[User], list[Section], dict[tuple[int, int], HeatCell]]:
    """Students x sections: share of right answers, and mean predicted recall at `at`.
    With `student`, the row of that one student only."""
    students = [student] if student is not None else list(cohort_students(cohort))
    sections = list(Section.objects.filter(course=cohort.course).order_by("position"))
    cells = {(s.pk, sec.pk): HeatCell() for s in students for sec in sections}
    # The students are known: filtering on their ids spares both queries a join with enrolments.
    ids = [s.pk for s in students]
    answers = Answer.objects.filter(attempt__student_id__in=ids)
    cards = Card.objects.filter(student_id__in=ids, last_review__isnull=False)
    answers = (
        answers.values("attempt__student_id", "question__section_id")
        # Counting rows and `correct` (never NULL), not ids: the covering index then suffices.
        .annotate(n=Count("*"), right=Count("correct", filter=Q(correct=True)))
        .order_by()
    )
    for row in answers:
        cell = cells.get((row["attempt__student_id"], row["question__section_id"]))
        if cell is not None:
            cell.answers, cell.correct = row["n"], row["right"]
    # The FSRS defaults' forgetting curve for every student: one expression for the whole class.
    # A student scheduled by their own parameters (review.optimizer) sees their own curve on their
    # progress page; the two differ only through the decay (weight 20): stabilities are stored.
    recall = (
        cards.values("student_id", "question__section_id")
        .annotate(n=Count("pk"), recall=Avg(scheduling.retrievability_expression(now=at)))
        .order_by()
    )
    for row in recall:
        cell = cells.get((row["student_id"], row["question__section_id"]))
        if cell is not None:
            cell.cards, cell.recall = row["n"], row["recall"]
    return students, sections, cells


#: A class's share of right answers on a topic is trusted from this many answers: about three
#: students having each answered a few of its questions.
MIN_ANSWERS_TO_RANK = 10


def class_weakest(pairs: list[tuple[object, HeatCell]]) -> tuple[object, HeatCell] | None:
    """The (section, class cell) the class is weakest on, by `HeatCell.class_weakness`."""
    judged = [pair for pair in pairs if pair[1].class_weakness is not None]
    return min(judged, key=lambda pair: pair[1].class_weakness) if judged else None


def class_cell(cells: list[HeatCell]) -> HeatCell:
    """A section's cells for the whole class in one: answers and cards added up, the predicted
    recall averaged over every student's cards (a student with more cards weighs more)."""
    cards = sum(c.cards for c in cells)
    recall = sum(c.recall * c.cards for c in cells if c.recall is not None) / cards if cards else None
    return HeatCell(
        answers=sum(c.answers for c in cells),
        correct=sum(c.correct for c in cells),
        cards=cards,
        recall=recall,
    )


def tomorrow_morning(now: dt.datetime, tz: str = "Europe/Paris") -> dt.datetime:
    """09:00 local time the next calendar day: when the next session of the course starts."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    return dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(9, 0), tzinfo=zone)


# --- activity ----------------------------------------------------------------------------------


def activity(
    cohort: Cohort, *, since: dt.datetime, tz: str = "Europe/Paris", student: User | None = None
) -> list[dict]:
    """Attempts finished and reviews done per local day since `since` (two queries)."""
    zone = ZoneInfo(tz)
    attempts = Attempt.objects.filter(finished_at__gte=since, student__enrolments__cohort=cohort)
    reviews = Review.objects.filter(reviewed_at__gte=since, student__enrolments__cohort=cohort)
    if student is not None:
        attempts, reviews = attempts.filter(student=student), reviews.filter(student=student)
    per_day: dict[dt.date, dict] = {}
    for name, queryset, column in (
        ("attempts", attempts, "finished_at"),
        ("reviews", reviews, "reviewed_at"),
    ):
        for row in (
            queryset.annotate(day=TruncDate(column, tzinfo=zone))
            .values("day")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            per_day.setdefault(row["day"], {"attempts": 0, "reviews": 0})[name] = row["n"]
    first = since.astimezone(zone).date()
    last = max([dt.datetime.now(zone).date(), *per_day])
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    return [{"day": d, **per_day.get(d, {"attempts": 0, "reviews": 0})} for d in days]


# --- one student -------------------------------------------------------------------------------


def student_attempts(student: User) -> QuerySet[Attempt]:
    return (
        Attempt.objects.filter(student=student)
        .select_related("quiz", "quiz__section")
        .prefetch_related("answers__question", "answers__revision")
        .order_by("-started_at")
    )


# --- errata ------------------------------------------------------------------------------------


def errata(course) -> QuerySet[Question]:
    """Course claims the banks correct, with the real fact and its source."""
    return (
        Question.objects.filter(section__course=course, active=True, erratum__has_key="claim")
        .select_related("section")
        .order_by("section__position", "position")
    )


# --- item analysis -------------------------------------------------------------------------------

ATTEMPT_CHOICES = ("first", "last", "all")
CHOICE_KINDS = frozenset({"single", "multiple"})


#: The three groups "who picked each choice" splits the class into, by rest-of-quiz score.
GROUPS = ("top", "middle", "bottom")


@dataclass
class ItemRow:
    question: Question
    stats: ItemStats
    # text, html, count, correct, and `by_group`: the count in each of GROUPS
    choices: list[dict] = field(default_factory=list)
    group_sizes: tuple[int, int, int] = (0, 0, 0)  # attempts in each of GROUPS

    @property
    def too_few(self) -> bool:
        """Too few attempts to judge the question: the page says so instead of raising flags."""
        return 0 < self.stats.attempts < stats.MIN_ATTEMPTS_TO_JUDGE

    @cached_property
    def too_few_text(self) -> str:
        """What the page and the CSV say instead of flags when there are too few attempts; "" else."""
        if not self.too_few:
            return ""
        return gettext("n = %(n)s: too few attempts to judge") % {"n": self.stats.attempts}

    @property
    def reasons(self) -> list[str]:
        """Why to check this question, translated; none when there are too few attempts."""
        if self.too_few:
            return []
        return [flag.reason_text(gettext) for flag in self.stats.flags]


def analysed_attempts(cohort: Cohort, quiz, which: str) -> QuerySet[Attempt]:
    """The cohort's finished attempts at a quiz: each student's first, last, or all of them.
    First and last are picked with a window function (one pass), not a subquery per attempt."""
    finished = Attempt.objects.filter(
        quiz=quiz, finished_at__isnull=False, student__enrolments__cohort=cohort
    )
    if which == "all":
        return finished
    order = F("finished_at").asc() if which == "first" else F("finished_at").desc()
    ranked = finished.annotate(
        rank=Window(RowNumber(), partition_by=[F("student_id")], order_by=[order, F("pk").asc()])
    ).filter(rank=1)
    return Attempt.objects.filter(pk__in=ranked.values("pk"))


def item_analysis(cohort: Cohort, quiz, *, which: str = "first"):
    """Moodle-style statistics of a quiz for a cohort (two queries whatever the class size: the
    questions, the analysed answers)."""
    questions = list(
        Question.objects.filter(quiz_items__quiz=quiz)
        .select_related("current_revision")
        .order_by("quiz_items__position")
    )
    column = {q.pk: i for i, q in enumerate(questions)}
    # One read of the analysed answers: scores and picked choices (the answers' `picked` JSON
    # text), both in the covering (attempt, question, score, picked) index, so the answers' rows
    # are not touched; the attempts are picked by a subquery (passing 2,000 ids as parameters
    # cost more, on PostgreSQL above all, than ranking the attempts twice). Picks are kept as
    # text and decoded once per distinct text: decoding every response's JSON (60,000 answers)
    # was once most of this report's time.
    answers = Answer.objects.filter(
        attempt_id__in=analysed_attempts(cohort, quiz, which).values("pk")
    ).order_by()
    rows: dict[int, list] = {}
    picked_by: dict[int, dict[int, str]] = {}  # question id -> attempt id -> picked JSON text
    choice_ids = {q.pk for q in questions if q.kind in CHOICE_KINDS}
    blank = [None] * len(questions)
    for attempt_id, question_id, score, picked in answers.values_list(
        "attempt_id", "question_id", "score", "picked"
    ):
        index = column.get(question_id)
        if index is None:  # a question since taken out of the quiz
            continue
        row = rows.get(attempt_id)
        if row is None:
            row = rows[attempt_id] = blank.copy()
        row[index] = score
        if picked is not None and question_id in choice_ids:
            picked_by.setdefault(question_id, {})[attempt_id] = picked
    analysis = stats.analyse(
        scores=list(rows.values()),
        keys=[q.uid for q in questions],
        random_guess_fractions=[
            stats.random_guess_fraction(kind=q.kind, spec=q.current_revision.spec) for q in questions
        ],
    )
    totals = {attempt_id: sum(v for v in row if v is not None) for attempt_id, row in rows.items()}
    decoded: dict[str, object] = {}
    items = []
    for index, (question, item) in enumerate(zip(questions, analysis.items, strict=True)):
        row = ItemRow(question=question, stats=item)
        if question.kind in CHOICE_KINDS:
            _choice_counts(row, index, picked_by.get(question.pk, {}), rows, totals, decoded)
        items.append(row)
    return analysis.test, items


def _choice_counts(
    row: ItemRow,
    index: int,
    picked: dict[int, str],
    rows: dict[int, list],
    totals: dict[int, float],
    decoded: dict[str, object],
) -> None:
    """How many picked each choice of a choice question, in all and in each third of the
    attempts ranked by their rest-of-quiz score (their total minus this question): a key that
    names the wrong choice shows at a glance, the top third picking a choice marked wrong."""
    spec_choices = row.question.current_revision.spec["choices"]
    keys = [c["key"] for c in spec_choices]
    attempts = list(picked)
    ticks = []
    for attempt_id in attempts:
        text = picked[attempt_id]
        value = decoded[text] if text in decoded else decoded.setdefault(text, json.loads(text))
        if row.question.kind == "single":
            ticks.append([value] if isinstance(value, str) else [])
        else:
            ticks.append([str(k) for k in value] if isinstance(value, list) else [])
    groups = stats.thirds([totals[a] - (rows[a][index] or 0.0) for a in attempts])
    counts = stats.choice_distribution(ticks, choices=keys)
    by_group = [
        stats.choice_distribution([t for t, g in zip(ticks, groups, strict=True) if g == n], choices=keys)
        for n in range(len(GROUPS))
    ]
    row.group_sizes = tuple(groups.count(n) for n in range(len(GROUPS)))
    by_key = {c["key"]: c for c in spec_choices}
    row.choices = [
        {
            "html": by_key[k]["html"] if k in by_key else k,
            "text": by_key[k]["text"] if k in by_key else k,
            "count": n,
            "correct": bool(by_key.get(k, {}).get("correct")),
            "by_group": [group.get(k, 0) for group in by_group],
        }
        for k, n in counts.items()
    ]
