"""FSRS parameters trained from the review log, with fsrs-rs-python (the Rust engine Anki uses).

The `fsrs` package stays the scheduler (`review.scheduling`): both implement FSRS-6 with the same
21 weights and the same default values, so weights trained here schedule there unchanged
(`fsrs.Scheduler(parameters=...)`). fsrs-rs-python trains and evaluates; it never schedules.

A run (`optimize`, from the `optimize_fsrs` command, nightly in deploy/k8s) reads the whole log
once, streamed in (student, card, time) order, and turns each card's history into FSRS items:
one per review after the first, the history up to it, the elapsed time counted in the student's
review days (a day starts at 04:00 in their time zone, as the scheduler's `review_day`). Then:

- every student with `MIN_PERSONAL_REVIEWS` reviews (Anki advises about 400) gets their own set;
- each group of students the caller names (the classes: `review` may not read `classes`, so the
  command passes them in) with `MIN_GROUP_REVIEWS` between them gets a set trained on their
  reviews pooled;
- the whole log trains the course default.

Each set is judged honestly before it is used: the latest `HELD_OUT_SHARE` of every student's
reviews is held out, the weights trained on the earlier ones, and the log loss and RMSE of the
predicted recall on the held-out reviews compared with those of the FSRS defaults (the figures
the settings page shows) and with the log loss of the less specific set that would apply
otherwise (a class's against the course's, a student's against their class's or the course's,
each trained on the same earlier reviews). A set is used only if it beats both; the weights
stored are trained again on all the reviews. Each student is scheduled by the most specific set
that does: their own, else their smallest class's, else the course's, else the defaults
(`ParameterChoice`, read by `parameters_for`).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata

import fsrs_rs_python as rs
from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Subquery, When
from django.db.models.functions import Coalesce

from review import scheduling
from review.models import ParameterChoice, ParameterSet, Review

MIN_PERSONAL_REVIEWS = 400
MIN_GROUP_REVIEWS = 400
HELD_OUT_SHARE = 0.2
CHUNK_SIZE = 5_000
ENGINE = f"fsrs-rs-python {metadata.version('fsrs-rs-python')}"
DEFAULT_WEIGHTS = tuple(rs.DEFAULT_PARAMETERS)

# One card's history: each review as day ordinal * 4 + (rating - 1), in order (4 bytes a review).
History = array


def parameters_for(student) -> ParameterSet | None:
    """The parameter set that schedules a student's reviews, None for the FSRS defaults.

    The one the last optimisation run chose for them; a student it did not see (no reviews
    then) gets the latest course default, if that predicted better than the defaults. One query
    (it runs on every rating): the set whose id is the first of the two that exists."""
    chosen = ParameterChoice.objects.filter(student=student).values("parameter_set")[:1]
    # The latest course set, then its id only if it beats the defaults (NULL otherwise): an older
    # set that did is not the course default any more.
    course = (
        ParameterSet.objects.filter(scope=ParameterSet.Scope.COURSE)
        .order_by("-created_at", "-pk")
        .annotate(usable=Case(When(log_loss_after__lt=F("log_loss_before"), then=F("pk"))))
        .values("usable")[:1]
    )
    return ParameterSet.objects.filter(pk=Coalesce(Subquery(chosen), Subquery(course))).first()


def weights_of(parameter_set: ParameterSet | None) -> tuple[float, ...] | None:
    """The weights for `scheduling` (None: the library's defaults)."""
    return tuple(parameter_set.weights) if parameter_set is not None else None


def weights_for(student) -> tuple[float, ...] | None:
    """The weights that schedule a student's reviews (None: the library's defaults): one query."""
    return weights_of(parameters_for(student))


# --- reading the log ---------------------------------------------------------------------------


def read_histories() -> dict[int, list[History]]:
    """Each student's card histories from the review log, streamed (never the whole log in
    memory as rows): {student id: [history of one card, ...]}."""
    from review.cards import review_zones  # (review.cards imports this module)

    zone_of, default = review_zones()
    rows = Review.objects.order_by("student_id", "card_id", "reviewed_at", "pk").values_list(
        "student_id", "card_id", "reviewed_at", "rating"
    )
    out: dict[int, list[History]] = {}
    card = None
    history = array("l")
    zone = default
    review_day = scheduling.review_day
    for student_id, card_id, at, rating in rows.iterator(chunk_size=CHUNK_SIZE):
        if card_id != card:
            card, history = card_id, array("l")
            out.setdefault(student_id, []).append(history)
            zone = zone_of.get(student_id, default)
        history.append(review_day(at, zone).toordinal() * 4 + rating - 1)
    return out


def review_count(histories: Iterable[History]) -> int:
    return sum(len(h) for h in histories)


# --- FSRS items --------------------------------------------------------------------------------


def _reviews(history: History) -> Iterator[tuple[int, int, int, bool]]:
    """Each review of one card's history, in order: (its review day, its rating, review days
    since the review before (0 for the first), whether FSRS predicts it). FSRS predicts recall
    across days: a review is predicted if it came at least a review day after the one before;
    the first review and same-day steps only shape the state."""
    previous = None
    for code in history:
        day, rating = divmod(code, 4)
        delta = 0 if previous is None else day - previous
        previous = day
        yield day, rating + 1, delta, delta > 0


def _cases(history: History, *, after_day: int | None = None, before_day: int | None = None):
    """The predictions one card's history holds: for each predicted review (`_reviews`) whose
    day is in [after_day, before_day): (the reviews up to and including it as FSRSReview
    objects, its rating, days since the review before)."""
    reviews = []
    for day, rating, delta, predicted in _reviews(history):
        reviews.append(rs.FSRSReview(rating, delta))
        kept = (after_day is None or day >= after_day) and (before_day is None or day < before_day)
        if predicted and kept:
            yield reviews[:], rating, delta


def _items(history: History, **days) -> list:
    """The FSRS items of one card (see `_cases`)."""
    return [rs.FSRSItem(reviews) for reviews, _rating, _delta in _cases(history, **days)]


def cutoff_day(histories: list[History], share: float = HELD_OUT_SHARE) -> int | None:
    """The first review day of a student's latest `share` of predictable reviews (None if too
    few to split)."""
    days = sorted(
        day for history in histories for day, _rating, _delta, predicted in _reviews(history) if predicted
    )
    if len(days) < 2:
        return None
    return days[min(len(days) - 1, int(len(days) * (1 - share)))]


@dataclass
class Split:
    train: list  # items before each student's cutoff
    test: list  # items from it on
    everything: list  # all items, for the final training


def split(students: Mapping[int, list[History]], share: float = HELD_OUT_SHARE) -> Split:
    out = Split([], [], [])
    for histories in students.values():
        cutoff = cutoff_day(histories, share)
        for history in histories:
            if cutoff is None:
                out.train.extend(_items(history))
            else:
                out.train.extend(_items(history, before_day=cutoff))
                out.test.extend(_items(history, after_day=cutoff))
    out.everything = out.train + out.test
    return out


# --- training and judging ------------------------------------------------------------------------


def train(items: list) -> list[float]:
    """Weights trained on `items` (fsrs-rs returns the defaults when there are too few)."""
    return [round(w, 4) for w in rs.FSRS(list(DEFAULT_WEIGHTS)).compute_parameters(items)]


def evaluate(weights: Iterable[float], items: list) -> tuple[float, float]:
    """(log loss, RMSE over bins) of the recall `weights` predict on `items`, as fsrs-rs (and
    Anki) compute them: the log loss a mean that weighs the items, not a plain one."""
    result = rs.FSRS(list(weights)).evaluate(items)
    return result.log_loss, result.rmse_bins


def log_loss(weights: Iterable[float], histories: Iterable[History], **days) -> tuple[float, int]:
    """(Mean log loss, predictions) of the recall `weights` predict against the outcome (Again:
    forgotten), computed here from FSRS-6's forgetting curve and the memory state fsrs-rs gives
    before each predicted review: a check on `evaluate`. `days`: as `_cases`."""
    weights = list(weights)
    model = rs.FSRS(weights)
    decay, factor = scheduling.forgetting_curve(weights)
    total, count = 0.0, 0
    for history in histories:
        for reviews, rating, delta in _cases(history, **days):
            state = model.memory_state(rs.FSRSItem(reviews[:-1]))
            recall = min(max((1 + factor * delta / state.stability) ** decay, 1e-7), 1 - 1e-7)
            total -= math.log(recall) if rating > 1 else math.log(1 - recall)
            count += 1
    return (total / count if count else math.nan), count


def held_out_log_loss(
    weights: Iterable[float], students: Mapping[int, list[History]], share: float = HELD_OUT_SHARE
) -> tuple[float, int]:
    """(Plain mean log loss, predictions) of `log_loss` on the reviews `split` holds out."""
    total, count = 0.0, 0
    for histories in students.values():
        cutoff = cutoff_day(histories, share)
        if cutoff is None:
            continue
        loss, n = log_loss(weights, histories, after_day=cutoff)
        if n:
            total, count = total + loss * n, count + n
    return (total / count if count else math.nan), count


@dataclass
class Trained:
    weights: list[float]  # trained on all the reviews: the set's
    reviews: int
    held_out: int
    before: tuple[float, float] | None  # defaults on the held-out items
    after: tuple[float, float] | None  # `early` on the same
    early: list[float] | None = None  # trained on the earlier reviews only
    rival: float | None = None  # log loss of the less specific set's `early` on the same items

    @property
    def better(self) -> bool:
        """Predicts the held-out reviews better than the defaults and than the rival set."""
        if self.before is None or self.after is None:
            return False
        return self.after[0] < self.before[0] and (self.rival is None or self.after[0] < self.rival)


def fit(
    students: Mapping[int, list[History]], *, share: float = HELD_OUT_SHARE, rival: list[float] | None = None
) -> Trained | None:
    """Train on the earlier reviews, judge on the later ones (against the defaults and the
    `rival` weights, the less specific set's trained on the earlier reviews), then train on all
    (None: nothing to predict)."""
    items = split(students, share)
    if not items.everything:
        return None
    trained = Trained(
        weights=train(items.everything),
        reviews=review_count_all(students),
        held_out=len(items.test),
        before=None,
        after=None,
    )
    if items.test and items.train:
        trained.early = train(items.train)
        trained.before = evaluate(DEFAULT_WEIGHTS, items.test)
        trained.after = evaluate(trained.early, items.test)
        if rival is not None:
            trained.rival = evaluate(rival, items.test)[0]
    return trained


def _record(trained: Trained, *, scope: str, students: int, **source) -> ParameterSet:
    before, after = trained.before or (None, None), trained.after or (None, None)
    return ParameterSet.objects.create(
        scope=scope,
        weights=trained.weights,
        students=students,
        reviews=trained.reviews,
        log_loss_before=before[0],
        rmse_before=before[1],
        log_loss_after=after[0],
        rmse_after=after[1],
        log_loss_fallback=trained.rival,
        held_out=trained.held_out,
        engine=ENGINE,
        **source,
    )


@dataclass
class Report:
    sets: list[ParameterSet]
    chosen: dict[str, int]  # students scheduled by each scope ("default" for the FSRS defaults)


def optimize(
    *,
    groups: Mapping[int, Iterable[int]] | None = None,
    min_personal: int = MIN_PERSONAL_REVIEWS,
    min_group: int = MIN_GROUP_REVIEWS,
    share: float = HELD_OUT_SHARE,
    progress=None,
) -> Report:
    """Train the course default, a set per group of students (cohort id -> student ids) and a
    set per student with enough reviews; choose each student's set. See the module's doc."""
    say = progress or (lambda message: None)
    histories = read_histories()
    reviews = review_count_all(histories)
    say(f"read {reviews} reviews of {len(histories)} students")
    sets: list[ParameterSet] = []
    # student -> the sets that predict their reviews better, most specific first, with the
    # weights each learnt from the earlier reviews (a more specific set must beat them)
    usable: dict[int, list[tuple[ParameterSet, list[float]]]] = {}

    course = fit(histories, share=share) if reviews >= min_group else None
    course_usable = None
    if course is not None:
        course_set = _record(course, scope=ParameterSet.Scope.COURSE, students=len(histories))
        sets.append(course_set)
        say(f"course: {_figures(course)}")
        if course.better:
            course_usable = (course_set, course.early)
    group_sets = []
    for cohort_id, members in (groups or {}).items():
        members = {s: histories[s] for s in members if s in histories}
        if review_count_all(members) < min_group or (course is not None and len(members) == len(histories)):
            continue  # too few reviews, or everyone's: the course's set again
        trained = fit(members, share=share, rival=course_usable[1] if course_usable else None)
        if trained is None:
            continue
        group_set = _record(
            trained, scope=ParameterSet.Scope.COHORT, students=len(members), cohort_id=cohort_id
        )
        sets.append(group_set)
        if trained.better:
            group_sets.append((len(members), group_set, trained.early, members))
    say(f"{len(group_sets)} of {sum(s.scope == 'cohort' for s in sets)} class sets predict better")
    for _size, group_set, early, members in sorted(group_sets, key=lambda g: g[0]):  # smallest class first
        for student_id in members:
            usable.setdefault(student_id, []).append((group_set, early))
    if course_usable is not None:
        for student_id in histories:
            usable.setdefault(student_id, []).append(course_usable)
    personal = better = 0
    for student_id, own in histories.items():
        if review_count(own) < min_personal:
            continue
        fallback = usable.get(student_id)
        trained = fit({student_id: own}, share=share, rival=fallback[0][1] if fallback else None)
        if trained is None:
            continue
        own_set = _record(trained, scope=ParameterSet.Scope.STUDENT, students=1, student_id=student_id)
        sets.append(own_set)
        personal += 1
        if trained.better:
            better += 1
            usable.setdefault(student_id, []).insert(0, (own_set, trained.early))
    say(f"{better} of {personal} personal sets predict better")
    chosen = {"default": 0, **dict.fromkeys(ParameterSet.Scope.values, 0)}
    with transaction.atomic():
        ParameterChoice.objects.filter(student_id__in=[s for s in histories if s not in usable]).delete()
        ParameterChoice.objects.bulk_create(
            [ParameterChoice(student_id=s, parameter_set=options[0][0]) for s, options in usable.items()],
            update_conflicts=True,
            unique_fields=["student"],
            update_fields=["parameter_set", "chosen_at"],
            batch_size=1000,
        )
    for student_id in histories:
        chosen[usable[student_id][0][0].scope if student_id in usable else "default"] += 1
    prune(keep=sets)
    return Report(sets=sets, chosen=chosen)


def prune(*, keep: Iterable[ParameterSet]) -> int:
    """Delete the sets of earlier runs that schedule no one and scheduled no review: each run
    adds a set per active student, and those never used are a record of nothing."""
    used = Exists(Review.objects.filter(parameter_set=OuterRef("pk")))
    chosen = Exists(ParameterChoice.objects.filter(parameter_set=OuterRef("pk")))
    stale = ParameterSet.objects.exclude(pk__in=[s.pk for s in keep]).exclude(used).exclude(chosen)
    deleted, _by_model = stale.delete()
    return deleted


def review_count_all(students: Mapping[int, list[History]]) -> int:
    return sum(review_count(h) for h in students.values())


def _figures(trained: Trained) -> str:
    if trained.before is None or trained.after is None:
        return f"{trained.reviews} reviews, too few to judge"
    return (
        f"{trained.reviews} reviews; held-out log loss {trained.before[0]:.4f} -> {trained.after[0]:.4f}, "
        f"RMSE {trained.before[1]:.4f} -> {trained.after[1]:.4f} ({trained.held_out} reviews)"
    )
