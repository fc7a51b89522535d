"""Item analysis: the formulas of Moodle's quiz statistics report, over plain numbers.

Pure functions and dataclasses only (no Django, no database): the report's queries hand over a
score matrix and get numbers back. The definitions follow Moodle's quiz statistics, as
documented on docs.moodle.org ("Quiz statistics calculations", "Quiz item analysis
calculations in practice", "Quiz report statistics") and as computed by Moodle's own code
(``question/classes/statistics/questions/calculator.php`` for the questions,
``mod/quiz/report/statistics/classes/calculator.php`` for the test).

The input
    ``scores[a][i]``: the score of attempt ``a`` on item ``i`` as a fraction 0..1 of the item's
    maximum, or ``None`` when the attempt did not see the item. ``max_marks[i]``: the item's
    maximum mark (default 1). An attempt's *mark* on an item is ``fraction * max_mark``; its
    *total* is the sum of its marks; the *rest of the test* for an item is the total minus the
    item's mark.

Units
    Facility index, standard deviations, random guess score, discrimination index,
    discriminative efficiency, error ratio and standard error are percentages (0..100, the last
    two as points of the score scale); mean and median are percentages of the maximum score;
    Cronbach's alpha is a plain coefficient (at most 1, may be negative); skewness and kurtosis
    have no unit. A value that is undefined for the data (a zero variance, too few attempts) is
    ``None``, never NaN and never an exception.

Variances are sample variances (divided by n - 1), as in Moodle. Sums are compensated (Python
3.12's ``sum``; ``math.sumprod`` for sums of products), and a list whose spread is within
rounding noise (``ZERO_SPREAD``) counts as constant, so a column where everybody scored the same
gives ``None`` rather than a correlation of rounding errors.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def gettext_noop(message: str) -> str:
    """Mark a message for translation without translating it, like Django's ``gettext_noop``.

    ``makemessages`` collects the marked msgids; the report translates a flag's reason in Python
    (``Flag.reason_text(gettext)``), then fills its placeholders. Defined here so this module
    stays free of Django.
    """
    return message


# --- thresholds -------------------------------------------------------------------------------

#: Discrimination index (%) under which a question is flagged as discriminating too little.
#: Moodle itself marks only a low discriminative efficiency (below); for the index we take the
#: usual rule of classical item analysis, that an item-rest correlation under 0.2 is poor.
LOW_DISCRIMINATION_BELOW = 20.0
#: Discriminative efficiency (%) under which Moodle marks a question as dubious
#: (``quiz_statistics_table::is_dubious_question``).
LOW_EFFICIENCY_BELOW = 15.0
#: Facility index (%) under which / over which a question is flagged as too hard / too easy.
#: Moodle's guidance ("Quiz report statistics", after the Open University's guide to its iCMA
#: reports) calls 6-10% "very difficult" and 5% or less "extremely difficult or
#: something wrong with the question"; 90-94% "very easy", 95-100% "extremely easy". Strict
#: inequalities: exactly 10% or 90% is not flagged.
HARD_FACILITY_BELOW = 10.0
EASY_FACILITY_ABOVE = 90.0

#: Relative spread under which a list of numbers counts as constant (rounding noise).
ZERO_SPREAD = 1e-9


#: Under this many attempts at a question, the report says there are too few to judge instead of
#: raising flags. With n attempts one student moves the facility index by 100/n points (10 at
#: n = 10), and the standard error of a correlation is about 1/sqrt(n - 3): 0.38 at n = 10, so a
#: discrimination index of 20 % cannot be told from 0 below that, and one lucky or unlucky
#: answer raises or clears a flag. Ten is also the smallest class Moodle's guidance discusses.
MIN_ATTEMPTS_TO_JUDGE = 10


@dataclass(frozen=True)
class Flag:
    """Why a question deserves a second look. ``reason`` is an English msgid with named
    placeholders, filled from ``params`` once translated (``reason_text``)."""

    code: str
    reason: str
    params: tuple[tuple[str, float], ...] = ()

    def reason_text(self, translate: Callable[[str], str] = lambda message: message) -> str:
        """The reason, translated by ``translate`` (Django's ``gettext``) before its placeholders
        are filled: a translated template keeps its ``%`` signs."""
        return translate(self.reason) % {name: f"{value:g}" for name, value in self.params}


NEGATIVE_DISCRIMINATION = Flag(
    "negative_discrimination",
    gettext_noop(
        "Negative discrimination: students who did well on the rest of the quiz did worse on this "
        "question. Check the expected answer."
    ),
)
LOW_DISCRIMINATION = Flag(
    "low_discrimination",
    gettext_noop(
        "Low discrimination (under %(limit)s%%): this question barely separates stronger from "
        "weaker students."
    ),
    (("limit", LOW_DISCRIMINATION_BELOW),),
)
LOW_EFFICIENCY = Flag(
    "low_efficiency",
    gettext_noop(
        "Discriminative efficiency under %(limit)s%%: the question discriminates far less than its "
        "difficulty would allow."
    ),
    (("limit", LOW_EFFICIENCY_BELOW),),
)
TOO_HARD = Flag(
    "too_hard",
    gettext_noop("Facility under %(limit)s%%: almost nobody gets this question right."),
    (("limit", HARD_FACILITY_BELOW),),
)
TOO_EASY = Flag(
    "too_easy",
    gettext_noop("Facility over %(limit)s%%: almost everybody gets this question right."),
    (("limit", EASY_FACILITY_ABOVE),),
)

FLAGS = (NEGATIVE_DISCRIMINATION, LOW_DISCRIMINATION, LOW_EFFICIENCY, TOO_HARD, TOO_EASY)


# --- results ----------------------------------------------------------------------------------

#: The per-question CSV columns, in order; each is an attribute of ``ItemStats``.
ITEM_COLUMNS = (
    "attempts",
    "facility_index",
    "standard_deviation",
    "random_guess_score",
    "discrimination_index",
    "discriminative_efficiency",
)


@dataclass(frozen=True)
class ItemStats:
    """One question (column) of the matrix. ``key`` is whatever the caller passed (a uid), or the
    column index."""

    key: Hashable
    attempts: int
    facility_index: float | None
    standard_deviation: float | None
    random_guess_score: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None
    flags: tuple[Flag, ...] = field(default=())


@dataclass(frozen=True)
class TestStats:
    """The whole quiz, over the attempts' total scores in % of their maximum."""

    __test__ = False  # not a pytest test class, whatever its name

    attempts: int
    mean: float | None
    median: float | None
    standard_deviation: float | None
    skewness: float | None
    kurtosis: float | None
    cronbach_alpha: float | None
    error_ratio: float | None
    standard_error: float | None


@dataclass(frozen=True)
class Analysis:
    test: TestStats
    items: list[ItemStats]


# --- small helpers (also used by the trainer's overview) --------------------------------------


def mean(values: Iterable[float | None]) -> float | None:
    """The arithmetic mean of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def median(values: Iterable[float | None]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count), None values
    skipped; None when there are none. Moodle's median grade is computed the same way."""
    ordered = sorted(v for v in values if v is not None)
    n = len(ordered)
    if not n:
        return None
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def choice_distribution(
    responses: Iterable[Sequence[str]], *, choices: Sequence[str] = (), weights: Iterable[int] | None = None
) -> dict[str, int]:
    """How many responses picked each choice: ``[["a"], ["a", "c"]]`` -> ``{"a": 2, "c": 1}``.

    A choice counts once per response even if repeated in it. ``choices`` (the question's keys,
    in display order) puts every choice in the result, with 0 for those nobody picked; picked
    keys that are not among them (a choice since removed) follow, in order of first appearance.
    ``weights``, one per response, counts a response that many times (distinct responses
    counted by the database: ``[["a", "c"]], weights=[40]`` is forty responses ``["a", "c"]``).
    """
    counts: Counter[str] = Counter()
    for picked, weight in zip(
        responses, weights if weights is not None else itertools.repeat(1), strict=False
    ):
        for key in dict.fromkeys(picked):
            counts[key] += weight
    out = dict.fromkeys(choices, 0)
    for key, count in counts.items():
        out[key] = count
    return out


def thirds(values: Sequence[float]) -> list[int]:
    """Each value's third of the list by rank, highest first: 0 for the top third, 1 the middle,
    2 the bottom (``n // 3`` in each outer third at least; equal values may fall either side of
    a boundary, in the order given). For "who picked each choice" by rest-of-quiz score."""
    n = len(values)
    order = sorted(range(n), key=lambda i: -values[i])
    out = [0] * n
    for rank, index in enumerate(order):
        out[index] = min(2, rank * 3 // n)
    return out


# --- moments ----------------------------------------------------------------------------------


def _is_constant(values: Sequence[float]) -> bool:
    low, high = min(values), max(values)
    return high - low <= ZERO_SPREAD * max(1.0, abs(low), abs(high))


def sample_variance(values: Sequence[float]) -> float | None:
    """Sum of squared deviations from the mean over n - 1; None under 2 values."""
    n = len(values)
    if n < 2:
        return None
    if _is_constant(values):
        return 0.0
    deviations = _deviations(values)
    return _dot(deviations, deviations) / (n - 1)


def standard_deviation(values: Sequence[float]) -> float | None:
    """Sample standard deviation (n - 1), as Moodle's; 0.0 when all values are equal."""
    variance = sample_variance(values)
    return None if variance is None else math.sqrt(variance)


def _central_moments(values: Sequence[float]) -> tuple[int, float, float, float]:
    """n, m2, m3, m4: the mean squared, cubed and fourth-power deviations (divided by n)."""
    n = len(values)
    centre = sum(values) / n
    deviations = [v - centre for v in values]
    m2 = sum(d * d for d in deviations) / n
    m3 = sum(d**3 for d in deviations) / n
    m4 = sum(d**4 for d in deviations) / n
    return n, m2, m3, m4


def skewness(values: Sequence[float]) -> float | None:
    """Moodle's skewness: the k-statistics estimator G1 = k3 / k2^(3/2), with
    k2 = n m2 / (n-1) and k3 = n^2 m3 / ((n-1)(n-2)) (the same as a spreadsheet's SKEW).
    None under 3 values or when all values are equal."""
    if len(values) < 3 or _is_constant(values):
        return None
    n, m2, m3, _ = _central_moments(values)
    k2 = n * m2 / (n - 1)
    k3 = n * n * m3 / ((n - 1) * (n - 2))
    return k3 / k2**1.5


def kurtosis(values: Sequence[float]) -> float | None:
    """Moodle's kurtosis: the excess kurtosis estimator G2 = k4 / k2^2, with
    k4 = n^2 ((n+1) m4 - 3 (n-1) m2^2) / ((n-1)(n-2)(n-3)) (a spreadsheet's KURT); 0 for a
    normal distribution. None under 4 values or when all values are equal."""
    if len(values) < 4 or _is_constant(values):
        return None
    n, m2, _, m4 = _central_moments(values)
    k2 = n * m2 / (n - 1)
    k4 = n * n * ((n + 1) * m4 - 3 * (n - 1) * m2 * m2) / ((n - 1) * (n - 2) * (n - 3))
    return k4 / (k2 * k2)


# --- test reliability -------------------------------------------------------------------------


def cronbach_alpha(*, item_variances: Sequence[float], total_variance: float | None) -> float | None:
    """Coefficient of internal consistency: alpha = p/(p-1) * (1 - sum of item variances / total
    variance), p the number of items, variances of marks (not of %). Moodle shows it as a %
    (CIC = 100 alpha); with 0/1 items it is KR-20. None under 2 items or when the totals do not
    vary. At most 1 when every attempt saw every item; may be negative."""
    p = len(item_variances)
    if p < 2 or total_variance is None or total_variance <= 0:
        return None
    return p / (p - 1) * (1 - sum(item_variances) / total_variance)


def error_ratio(alpha: float | None) -> float | None:
    """ER = 100 sqrt(1 - alpha): the share (%) of the spread of scores that is measurement
    error. None when alpha is undefined or above 1 (possible only with unseen items)."""
    if alpha is None or alpha > 1:
        return None
    return 100 * math.sqrt(1 - alpha)


def standard_error(*, error_ratio: float | None, standard_deviation: float | None) -> float | None:
    """SE = ER / 100 * SD: the standard error of measurement of one attempt's score, in the
    unit of the standard deviation (points of %)."""
    if error_ratio is None or standard_deviation is None:
        return None
    return error_ratio / 100 * standard_deviation


# --- item statistics --------------------------------------------------------------------------


def facility_index(fractions: Sequence[float]) -> float | None:
    """Mean score on the item as a % of its maximum; None when nobody saw it."""
    average = mean(fractions)
    return None if average is None else 100 * average


def _deviations(values: Sequence[float]) -> list[float]:
    centre = sum(values) / len(values)
    return [v - centre for v in values]


def _dot(xs: Iterable[float], ys: Iterable[float]) -> float:
    # Extended precision, in C: as accurate as a compensated sum of the products, three times faster.
    return math.sumprod(xs, ys)


@dataclass(frozen=True)
class _Association:
    """Sums of products of deviations of an item's marks (x) and the rest's (y): sxy, sxx, syy,
    and sxy_max, the largest sxy the same two lists could give (both sorted the same way)."""

    sxy: float
    sxx: float
    syy: float
    sxy_max: float


def _associate(
    item: Sequence[float], rest: Sequence[float], *, item_deviations: list[float] | None = None
) -> _Association | None:
    """`item_deviations`, when the caller has them (`_deviations(item)`), spare computing them
    again; the caller passes them only for an item that is not constant."""
    if len(item) != len(rest):
        raise ValueError("item and rest must have the same length")
    if len(item) < 2 or (item_deviations is None and _is_constant(item)) or _is_constant(rest):
        return None
    dx, dy = item_deviations if item_deviations is not None else _deviations(item), _deviations(rest)
    # Shifting by the mean keeps the order, so sorting the deviations sorts the marks.
    return _Association(
        sxy=_dot(dx, dy), sxx=_dot(dx, dx), syy=_dot(dy, dy), sxy_max=_dot(sorted(dx), sorted(dy))
    )


def _discrimination(association: _Association | None) -> float | None:
    if association is None:
        return None
    return 100 * association.sxy / math.sqrt(association.sxx * association.syy)


def _efficiency(association: _Association | None) -> float | None:
    if association is None or association.sxy_max <= 0:  # <= 0 only for values a hair above ZERO_SPREAD
        return None
    return 100 * association.sxy / association.sxy_max


def discrimination_index(*, item: Sequence[float], rest: Sequence[float]) -> float | None:
    """100 x the product-moment correlation between the item's marks and the marks of the rest
    of the test (each attempt's total minus this item), over the attempts that saw the item:
    100 cov(x, y) / (sd(x) sd(y)). Correlating with the rest rather than the total keeps the
    item from correlating with itself. None under 2 attempts or when either side does not vary."""
    return _discrimination(_associate(item, rest))


def discriminative_efficiency(*, item: Sequence[float], rest: Sequence[float]) -> float | None:
    """100 x cov(item, rest) / the largest covariance the same two lists of marks could have.

    That maximum is reached when the attempts are in the same order on both sides, so it is the
    covariance of the item's marks sorted with the rest's marks sorted (rearrangement
    inequality). An easy or a hard question cannot correlate strongly with the rest; the
    efficiency says how much of what it could reach it does reach. None under 2 attempts or
    when either side does not vary."""
    return _efficiency(_associate(item, rest))


def item_flags(
    *,
    facility_index: float | None,
    discrimination_index: float | None,
    discriminative_efficiency: float | None,
) -> tuple[Flag, ...]:
    """The reasons to review a question, in ``FLAGS`` order; an undefined value raises none."""
    flags: list[Flag] = []
    if discrimination_index is not None:
        if discrimination_index < 0:
            flags.append(NEGATIVE_DISCRIMINATION)
        elif discrimination_index < LOW_DISCRIMINATION_BELOW:
            flags.append(LOW_DISCRIMINATION)
    if discriminative_efficiency is not None and discriminative_efficiency < LOW_EFFICIENCY_BELOW:
        flags.append(LOW_EFFICIENCY)
    if facility_index is not None:
        if facility_index < HARD_FACILITY_BELOW:
            flags.append(TOO_HARD)
        elif facility_index > EASY_FACILITY_ABOVE:
            flags.append(TOO_EASY)
    return tuple(flags)


# --- random guess score -----------------------------------------------------------------------
#
# The mean score (fraction 0..1) a student would get by answering at random, given how Rappel
# grades each kind (quizzes/kinds/*.grade). Moodle computes it per question type
# (question_type::get_random_guess_score): the mean fraction of the choices for a single-answer
# multiple choice, 0.5 for true/false, 1 / number of choices for matching, the fraction of a "*"
# catch-all answer (else 0) for short answer, and nothing (null) for multiple-response questions.
# Rappel's kinds have simple, known grading rules, so we compute the exact expectation instead.

TRUE_FALSE_GUESS = 0.5
#: Kinds answered by typing text: a random guess never matches an accepted answer.
FREE_TEXT_KINDS = frozenset({"short", "cloze", "yaml", "command"})


def single_choice_guess(*, choices: int) -> float:
    """One right choice among ``choices``: 1/n (Moodle: the mean of the choices' fractions)."""
    return 1 / choices


def multiple_choice_guess(*, choices: int, right: int) -> float:
    """Expected score for "tick every right answer" with ``right`` right choices among
    ``choices``, graded as Rappel does: max(0, (right ticked - wrong ticked) / right).

    The form does not say how many to tick and refuses an empty answer, so the random guesser
    ticks any of the 2^n - 1 non-empty sets of choices, each equally likely. (Moodle gives no
    value for multiple-response questions; the Open University's guide assumes students are
    told how many to tick, which Rappel does not.)"""
    if not 1 <= right <= choices:
        raise ValueError("a multiple-choice question needs 1 to all of its choices right")
    wrong = choices - right
    earned = sum(
        math.comb(right, hits) * math.comb(wrong, misses) * max(0, hits - misses) / right
        for hits in range(right + 1)
        for misses in range(wrong + 1)
    )
    return earned / (2**choices - 1)


def matching_guess(*, options: int) -> float:
    """Each row picks one of ``options`` (right partners plus distractors) at random and scores
    1/rows when right: the expected score is 1/options, as in Moodle's matching question."""
    return 1 / options


def ordering_guess(*, items: int) -> float:
    """A random order puts on average one item in its place (the expected number of fixed
    points of a random permutation is 1), and Rappel scores items in place / items: 1/n."""
    return 1 / items


def random_guess_fraction(*, kind: str, spec: Mapping[str, Any]) -> float | None:
    """The random guess score (fraction 0..1) of a question from its kind name and stored spec;
    None for kinds where it is not defined (a flashcard is not graded) or unknown kinds."""
    if kind == "single":
        return single_choice_guess(choices=len(spec["choices"]))
    if kind == "multiple":
        return multiple_choice_guess(
            choices=len(spec["choices"]), right=sum(1 for c in spec["choices"] if c["correct"])
        )
    if kind == "truefalse":
        return TRUE_FALSE_GUESS
    if kind == "matching":
        return matching_guess(options=len(spec["pairs"]) + len(spec.get("distractors") or []))
    if kind == "ordering":
        return ordering_guess(items=len(spec["items"]))
    if kind in FREE_TEXT_KINDS:
        return 0.0
    return None


# --- the whole analysis -----------------------------------------------------------------------


def analyse(
    *,
    scores: Sequence[Sequence[float | None]],
    max_marks: Sequence[float] | None = None,
    keys: Sequence[Hashable] | None = None,
    random_guess_fractions: Sequence[float | None] | None = None,
) -> Analysis:
    """Test and item statistics of a score matrix (one row per attempt, one column per item).

    ``max_marks``, ``keys`` and ``random_guess_fractions`` are per column (defaults: 1, the
    column index, None). Where an attempt did not see every item (a question added to the quiz
    since), Moodle's documentation leaves room; the choices made here:

    - An item's statistics use only the attempts that saw it (its ``attempts``); its rest of the
      test is the attempt's total over the items it saw, minus the item (as Moodle's code does).
    - An attempt's score in % is its total over the maximum of the items it saw (Moodle divides
      by the quiz's maximum); an attempt that saw no item is left out of the test statistics.
    - Cronbach's alpha counts the items seen at least once and uses each item's variance over the
      attempts that saw it (an item seen once adds 0, as in Moodle). When every attempt saw every
      item this is exactly alpha; otherwise it is an approximation.
    """
    if max_marks is None:
        width = len(scores[0]) if scores else len(keys or random_guess_fractions or ())
        max_marks = [1.0] * width
    width = len(max_marks)
    if any(m <= 0 for m in max_marks):
        raise ValueError("every item's maximum mark must be positive")
    if any(len(row) != width for row in scores):
        raise ValueError(f"every row must have {width} scores, one per item")
    keys = list(range(width)) if keys is None else list(keys)
    guesses = [None] * width if random_guess_fractions is None else list(random_guess_fractions)
    if len(keys) != width or len(guesses) != width:
        raise ValueError(f"keys and random_guess_fractions must have {width} entries, one per item")

    weighted = any(m != 1 for m in max_marks)
    full_marks = sum(max_marks)
    totals: list[float] = []  # marks, for the rows that saw something
    percents: list[float] = []
    rows: list[Sequence[float | None]] = []
    for row in scores:
        if None in row:
            seen = [(f, m) for f, m in zip(row, max_marks, strict=True) if f is not None]
            if not seen:
                continue
            total = sum(f * m for f, m in seen)
            out_of = sum(m for _, m in seen)
        else:
            total = sum(map(operator.mul, row, max_marks)) if weighted else sum(row)
            out_of = full_marks
        rows.append(row)
        totals.append(total)
        percents.append(100 * total / out_of)

    items: list[ItemStats] = []
    item_variances: list[float] = []
    columns = zip(*rows, strict=True) if rows else ([] for _ in range(width))
    for index, column in enumerate(columns):
        max_mark = max_marks[index]
        if None in column:
            seen = [(f, total) for f, total in zip(column, totals, strict=True) if f is not None]
            fractions = [f for f, _ in seen]
            their_totals = [total for _, total in seen]
        else:
            fractions, their_totals = list(column), totals
        marks = fractions if max_mark == 1 else [f * max_mark for f in fractions]
        rest = list(map(operator.sub, their_totals, marks))
        # sample_variance and facility_index of the fractions, with the deviations kept for the
        # association when marks are fractions (one pass less over each column).
        seen_count = len(fractions)
        deviations = None
        if seen_count < 2:
            variance = None
        elif _is_constant(fractions):
            variance = 0.0
        else:
            deviations = _deviations(fractions)
            variance = _dot(deviations, deviations) / (seen_count - 1)
        if fractions:  # variance of the fractions; of the marks times max_mark^2
            item_variances.append((variance or 0.0) * max_mark * max_mark)
        facility = 100 * (sum(fractions) / seen_count) if seen_count else None
        if marks is not fractions:
            association = _associate(marks, rest)
        else:  # None when the item is constant or seen fewer than twice, as _associate says
            association = None if deviations is None else _associate(marks, rest, item_deviations=deviations)
        discrimination = _discrimination(association)
        efficiency = _efficiency(association)
        guess = guesses[index]
        items.append(
            ItemStats(
                key=keys[index],
                attempts=len(marks),
                facility_index=facility,
                standard_deviation=None if variance is None else 100 * math.sqrt(variance),
                random_guess_score=None if guess is None else 100 * guess,
                discrimination_index=discrimination,
                discriminative_efficiency=efficiency,
                flags=item_flags(
                    facility_index=facility,
                    discrimination_index=discrimination,
                    discriminative_efficiency=efficiency,
                ),
            )
        )

    alpha = cronbach_alpha(item_variances=item_variances, total_variance=sample_variance(totals))
    ratio = error_ratio(alpha)
    deviation = standard_deviation(percents)
    test = TestStats(
        attempts=len(percents),
        mean=mean(percents),
        median=median(percents),
        standard_deviation=deviation,
        skewness=skewness(percents),
        kurtosis=kurtosis(percents),
        cronbach_alpha=alpha,
        error_ratio=ratio,
        standard_error=standard_error(error_ratio=ratio, standard_deviation=deviation),
    )
    return Analysis(test=test, items=items)
