"""Item analysis formulas (quizzes/stats.py), checked on small examples computed by hand.

The arithmetic is written beside each example so that a reader can redo it. Variances are
sample variances (divided by n - 1), as in Moodle.
"""

from __future__ import annotations

import ast
import dataclasses
import itertools
import math
import random
import statistics
from pathlib import Path

import pytest

from classes import stats
from classes.stats import (
    EASY_FACILITY_ABOVE,
    HARD_FACILITY_BELOW,
    LOW_DISCRIMINATION,
    LOW_DISCRIMINATION_BELOW,
    LOW_EFFICIENCY,
    LOW_EFFICIENCY_BELOW,
    NEGATIVE_DISCRIMINATION,
    TOO_EASY,
    TOO_HARD,
    analyse,
    choice_distribution,
    cronbach_alpha,
    discrimination_index,
    discriminative_efficiency,
    error_ratio,
    item_flags,
    kurtosis,
    mean,
    median,
    random_guess_fraction,
    sample_variance,
    skewness,
    standard_deviation,
    standard_error,
)
from quizzes.kinds import matching, multiple, ordering, single, truefalse

approx = pytest.approx

# The reference matrix: 4 attempts (rows) x 3 items (columns), scores 0/1, every item max 1.
#
#          item 1  item 2  item 3   total   total %
#   A         1       1       1       3      100
#   B         1       1       0       2       66.67
#   C         1       0       0       1       33.33
#   D         0       0       0       0        0
GUTTMAN = [[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0]]


# --- the module stays pure ----------------------------------------------------------------------


def test_the_formulas_import_nothing_from_django():
    tree = ast.parse(Path(stats.__file__).read_text())
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert imported  # the walk did find the imports
    assert not [name for name in imported if name.split(".")[0] in {"django", "numpy", "quizzes", "course"}]


# --- mean, median, choice distribution ---------------------------------------------------------


def test_mean_skips_missing_values():
    # (1 + 2 + 3 + 4) / 4 = 2.5; the None (a student who has not started) is not a zero.
    assert mean([1, None, 2, 3, 4]) == 2.5


def test_median_of_an_odd_count_is_the_middle_value():
    assert median([30, 10, 20]) == 20


def test_median_of_an_even_count_is_the_mean_of_the_two_middle_values():
    # sorted 10, 20, 40, 90 -> (20 + 40) / 2 = 30
    assert median([90, 10, None, 40, 20]) == 30


def test_mean_and_median_of_nothing_are_none():
    assert mean([]) is None
    assert median([None, None]) is None


def test_choice_distribution_counts_each_choice_once_per_response():
    responses = [["a"], ["a", "c"], ["c", "c"], []]
    assert choice_distribution(responses) == {"a": 2, "c": 2}


def test_choice_distribution_lists_every_choice_in_order_with_zeros_and_then_unknown_keys():
    responses = [["c"], ["gone"], ["c", "a"]]
    distribution = choice_distribution(responses, choices=["a", "b", "c"])
    assert distribution == {"a": 1, "b": 0, "c": 2, "gone": 1}
    assert list(distribution) == ["a", "b", "c", "gone"]


def test_choice_distribution_weights_count_a_distinct_response_many_times():
    weighted = choice_distribution([["a", "c"], ["c", "c"], []], choices=["a", "b", "c"], weights=[40, 2, 7])
    assert weighted == choice_distribution([["a", "c"]] * 40 + [["c"]] * 2, choices=["a", "b", "c"])
    assert weighted == {"a": 40, "b": 0, "c": 42}


# --- moments -----------------------------------------------------------------------------------


def test_sample_variance_divides_by_n_minus_one():
    # mean 5; squared deviations 9+1+1+1+0+0+4+16 = 32; 32 / 7 = 4.571428...
    values = [2, 4, 4, 4, 5, 5, 7, 9]
    assert sample_variance(values) == approx(32 / 7)
    assert standard_deviation(values) == approx(math.sqrt(32 / 7))  # 2.138...


def test_standard_deviation_is_zero_when_all_values_are_equal_even_after_rounding():
    assert standard_deviation([0.7, 0.7, 0.7]) == 0.0
    # 0.1 + 0.2 is 0.30000000000000004 in floating point: still "all equal".
    assert sample_variance([0.1 + 0.2, 0.3, 0.3]) == 0.0


def test_standard_deviation_needs_two_values():
    assert standard_deviation([42.0]) is None
    assert standard_deviation([]) is None


def test_skewness_uses_the_k_statistics_estimator():
    # [0, 0, 0, 1]: n = 4, mean 0.25, deviations -0.25 x3, 0.75
    # m2 = (3 x 0.0625 + 0.5625) / 4 = 0.1875       m3 = (3 x -0.015625 + 0.421875) / 4 = 0.09375
    # k2 = 4/3 x 0.1875 = 0.25                       k3 = 16 / (3 x 2) x 0.09375 = 0.25
    # skewness = k3 / k2^1.5 = 0.25 / 0.125 = 2      (the biased m3 / m2^1.5 would be 1.1547)
    assert skewness([0, 0, 0, 1]) == approx(2.0)
    assert skewness([0, 0, 0, 100]) == approx(2.0)  # no unit: same for scores in %


def test_skewness_has_the_sign_of_the_tail():
    # A tail to the right (one high score) is positive, a tail to the left negative.
    assert skewness([0, 0, 0, 1]) > 0
    assert skewness([1, 1, 1, 0]) == approx(-2.0)


def test_kurtosis_uses_the_k_statistics_estimator():
    # [0, 0, 0, 1]: m2 = 0.1875, m4 = (3 x 0.00390625 + 0.31640625) / 4 = 0.08203125
    # k4 = n^2 ((n+1) m4 - 3 (n-1) m2^2) / ((n-1)(n-2)(n-3))
    #    = 16 (5 x 0.08203125 - 9 x 0.03515625) / 6 = 16 x 0.09375 / 6 = 0.25
    # kurtosis = k4 / k2^2 = 0.25 / 0.0625 = 4       (the biased m4 / m2^2 - 3 would be -0.667)
    assert kurtosis([0, 0, 0, 1]) == approx(4.0)
    # [0, 1, 2, 3]: mean 1.5, m2 = (2.25+0.25+0.25+2.25)/4 = 1.25, m4 = (5.0625x2 + 0.0625x2)/4 = 2.5625
    # k4 = 16 (5 x 2.5625 - 9 x 1.5625) / 6 = 16 x -1.25 / 6 = -3.333; k2 = 5/3; k4 / k2^2 = -1.2
    assert kurtosis([0, 1, 2, 3]) == approx(-1.2)
    assert skewness([0, 1, 2, 3]) == approx(0.0, abs=1e-12)


def test_skewness_and_kurtosis_need_enough_values_that_differ():
    assert skewness([1, 2]) is None
    assert skewness([5, 5, 5]) is None
    assert kurtosis([1, 2, 3]) is None
    assert kurtosis([5, 5, 5, 5]) is None
    assert skewness([1, 2, 4]) is not None


# --- reliability -------------------------------------------------------------------------------


def test_cronbach_alpha_from_item_and_total_variances():
    # GUTTMAN: item variances 1/4, 1/3, 1/4 (sum 5/6); totals 3, 2, 1, 0 have variance 5/3.
    # alpha = 3/2 x (1 - (5/6) / (5/3)) = 3/2 x 1/2 = 0.75
    assert cronbach_alpha(item_variances=[1 / 4, 1 / 3, 1 / 4], total_variance=5 / 3) == approx(0.75)


def test_cronbach_alpha_is_undefined_for_one_item_or_a_constant_total():
    assert cronbach_alpha(item_variances=[0.25], total_variance=1.0) is None
    assert cronbach_alpha(item_variances=[0.0, 0.0], total_variance=0.0) is None
    assert cronbach_alpha(item_variances=[0.25, 0.25], total_variance=None) is None


def test_error_ratio_and_standard_error():
    # ER = 100 sqrt(1 - 0.75) = 50; SE = 50 / 100 x 40 = 20
    assert error_ratio(0.75) == approx(50.0)
    assert error_ratio(0.0) == approx(100.0)
    assert standard_error(error_ratio=50.0, standard_deviation=40.0) == approx(20.0)


def test_error_ratio_is_undefined_without_alpha_or_above_one():
    assert error_ratio(None) is None
    assert error_ratio(1.2) is None
    assert standard_error(error_ratio=None, standard_deviation=40.0) is None
    assert standard_error(error_ratio=50.0, standard_deviation=None) is None


# --- discrimination ----------------------------------------------------------------------------


def test_discrimination_index_is_the_correlation_with_the_rest_in_percent():
    # item [1, 0, 1, 0] (mean 0.5), rest [3, 2, 1, 0] (mean 1.5)
    # deviations x: .5 -.5 .5 -.5     y: 1.5 .5 -.5 -1.5
    # sxy = .75 - .25 - .25 + .75 = 1;  sxx = 1;  syy = 2.25 + .25 + .25 + 2.25 = 5
    # DI = 100 x 1 / sqrt(1 x 5) = 44.72%
    assert discrimination_index(item=[1, 0, 1, 0], rest=[3, 2, 1, 0]) == approx(100 / math.sqrt(5))


def test_discriminative_efficiency_compares_with_the_best_order():
    # Same lists. Sorted: x 0 0 1 1 (deviations -.5 -.5 .5 .5), y 0 1 2 3 (-1.5 -.5 .5 1.5)
    # best sxy = .75 + .25 + .25 + .75 = 2; actual sxy = 1 -> DE = 100 x 1 / 2 = 50%
    assert discriminative_efficiency(item=[1, 0, 1, 0], rest=[3, 2, 1, 0]) == approx(50.0)


def test_an_item_in_the_same_order_as_the_rest_is_fully_efficient():
    assert discriminative_efficiency(item=[0, 1, 1, 1], rest=[0, 0, 1, 2]) == approx(100.0)


def test_discrimination_is_undefined_when_either_side_does_not_vary():
    assert discrimination_index(item=[1, 1, 1], rest=[0, 1, 2]) is None
    assert discrimination_index(item=[0, 1, 1], rest=[2, 2, 2]) is None
    assert discriminative_efficiency(item=[1, 1, 1], rest=[0, 1, 2]) is None
    assert discriminative_efficiency(item=[0, 1, 1], rest=[2, 2, 2]) is None
    assert discrimination_index(item=[1], rest=[3]) is None


def test_item_and_rest_must_pair_up():
    with pytest.raises(ValueError):
        discrimination_index(item=[1, 0], rest=[1, 0, 1])


# --- the whole analysis on the reference matrix ------------------------------------------------


def test_test_statistics_of_the_reference_matrix():
    test = analyse(scores=GUTTMAN).test
    assert test.attempts == 4
    assert test.mean == approx(50.0)  # (100 + 66.67 + 33.33 + 0) / 4
    assert test.median == approx(50.0)  # (66.67 + 33.33) / 2
    # totals in % deviate by 50, 16.67, -16.67, -50: squares 2500 + 277.8 + 277.8 + 2500 = 5555.6
    # / 3 = 1851.85 -> SD = 43.03%  (= 100 x sqrt(5/3) / 3)
    assert test.standard_deviation == approx(100 * math.sqrt(5 / 3) / 3)
    assert test.skewness == approx(0.0, abs=1e-12)  # symmetric
    assert test.kurtosis == approx(-1.2)  # as for [0, 1, 2, 3] above
    assert test.cronbach_alpha == approx(0.75)  # worked out in test_cronbach_alpha_...
    assert test.error_ratio == approx(50.0)  # 100 sqrt(1 - 0.75)
    assert test.standard_error == approx(0.5 * 100 * math.sqrt(5 / 3) / 3)  # 21.52


def test_item_statistics_of_the_reference_matrix():
    first, second, third = analyse(scores=GUTTMAN).items
    assert [i.key for i in (first, second, third)] == [0, 1, 2]
    assert [i.attempts for i in (first, second, third)] == [4, 4, 4]
    # facility: 3/4, 2/4, 1/4
    assert [first.facility_index, second.facility_index, third.facility_index] == approx([75, 50, 25])
    # item 1 [1,1,1,0]: mean .75, squared deviations .0625 x3 + .5625 = .75, / 3 = .25 -> SD 50%
    # item 2 [1,1,0,0]: squared deviations .25 x4 = 1, / 3 -> SD sqrt(1/3) = 57.74%
    assert first.standard_deviation == approx(50.0)
    assert second.standard_deviation == approx(100 * math.sqrt(1 / 3))
    assert third.standard_deviation == approx(50.0)
    # item 1: rest = total - item = [2, 1, 0, 0] (mean .75)
    #   x deviations .25 .25 .25 -.75; y deviations 1.25 .25 -.75 -.75
    #   sxy = .3125 + .0625 - .1875 + .5625 = .75; sxx = .75; syy = 1.5625+.0625+.5625+.5625 = 2.75
    #   DI = 100 x .75 / sqrt(.75 x 2.75) = 52.22%   (with the total instead of the rest: 77.46%)
    assert first.discrimination_index == approx(100 * 0.75 / math.sqrt(0.75 * 2.75))
    # item 2: rest [2, 1, 1, 0] (mean 1): x deviations .5 .5 -.5 -.5, y 1 0 0 -1
    #   sxy = .5 + .5 = 1; sxx = 1; syy = 2 -> DI = 100 / sqrt 2 = 70.71%
    assert second.discrimination_index == approx(100 / math.sqrt(2))
    # item 3: rest [2, 2, 1, 0], the mirror image of item 1 -> 52.22%
    assert third.discrimination_index == approx(first.discrimination_index)
    # Each item orders the attempts as its rest does: efficiency 100%.
    assert [first.discriminative_efficiency, second.discriminative_efficiency] == approx([100, 100])
    assert all(item.flags == () for item in (first, second, third))


def test_maximum_marks_weight_the_rest_and_alpha_but_not_the_facility():
    # GUTTMAN with item 2 out of 2 marks: marks A 1+2+1 = 4, B 1+2+0 = 3, C 1, D 0 (out of 4)
    analysis = analyse(scores=GUTTMAN, max_marks=[1, 2, 1])
    first, second, _ = analysis.items
    assert second.facility_index == approx(50.0)
    assert second.standard_deviation == approx(100 * math.sqrt(1 / 3))  # % of its maximum
    # item 1: rest [3, 2, 0, 0] (mean 1.25), deviations 1.75 .75 -1.25 -1.25
    #   sxy = .25x1.75 + .25x.75 + .25x-1.25 + -.75x-1.25 = .4375+.1875-.3125+.9375 = 1.25
    #   syy = 3.0625 + .5625 + 1.5625 + 1.5625 = 6.75; sxx = .75
    #   DI = 100 x 1.25 / sqrt(.75 x 6.75) = 100 x 1.25 / 2.25 = 55.56%
    assert first.discrimination_index == approx(500 / 9)
    # item 2: marks [2, 2, 0, 0], rest = total - mark = [2, 1, 1, 0], as unweighted: 70.71%
    #   (subtracting the fraction instead of the mark would give rest [3, 2, 1, 0] and 89.44%)
    assert second.discrimination_index == approx(100 / math.sqrt(2))
    # alpha: mark variances 1/4, 4 x 1/3, 1/4 (sum 11/6); totals 4, 3, 1, 0: variance 10/3
    #   alpha = 3/2 x (1 - (11/6) / (10/3)) = 3/2 x 9/20 = 27/40
    assert analysis.test.cronbach_alpha == approx(27 / 40)
    assert analysis.test.mean == approx(50.0)  # (100 + 75 + 25 + 0) / 4


def test_a_question_that_good_students_miss_discriminates_negatively_and_is_flagged():
    #        item 1  item 2  item 3   total
    #   A       1       1       0       2
    #   B       1       0       0       1
    #   C       0       1       1       2
    #   D       0       0       1       1
    analysis = analyse(scores=[[1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 1]])
    first, second, third = analysis.items
    # item 1: rest [1, 0, 2, 1] (mean 1): x deviations .5 .5 -.5 -.5, y 0 -1 1 0
    #   sxy = -.5 - .5 = -1; sxx = 1; syy = 2 -> DI = -70.71%
    #   sorted: x -.5 -.5 .5 .5 with y -1 0 0 1 -> best sxy = 1 -> DE = -100%
    assert first.discrimination_index == approx(-100 / math.sqrt(2))
    assert first.discriminative_efficiency == approx(-100.0)
    assert first.flags == (NEGATIVE_DISCRIMINATION, LOW_EFFICIENCY)
    assert third.discrimination_index == approx(-100 / math.sqrt(2))
    # item 2: rest [1, 1, 1, 1] does not vary: nothing to correlate with.
    assert second.discrimination_index is None
    assert second.discriminative_efficiency is None
    assert second.flags == ()
    # Item variances 1/3 each (sum 1); totals 2, 1, 2, 1: variance 1/3.
    # alpha = 3/2 x (1 - 1 / (1/3)) = -3; ER = 100 sqrt(1 + 3) = 200
    assert analysis.test.cronbach_alpha == approx(-3.0)
    assert analysis.test.error_ratio == approx(200.0)


# --- edge cases ----------------------------------------------------------------------------------


def test_items_an_attempt_did_not_see_are_left_out_of_that_item():
    #        item 1  item 2  item 3   total / seen max
    #   A       1       1       -       2 / 2 = 100%
    #   B       1       0       1       2 / 3 =  66.67%
    #   C       0       0       0       0 / 3 =   0%
    #   D       0       1       1       2 / 3 =  66.67%
    #   E       -       -       -       (saw nothing: left out)
    scores = [[1, 1, None], [1, 0, 1], [0, 0, 0], [0, 1, 1], [None, None, None]]
    analysis = analyse(scores=scores)
    first, _, third = analysis.items
    assert analysis.test.attempts == 4
    assert analysis.test.mean == approx((100 + 200 / 3 + 0 + 200 / 3) / 4)  # 58.33
    assert analysis.test.median == approx(200 / 3)
    # item 3, seen by B, C, D: scores [1, 0, 1], rest [1, 0, 1] -> correlation 1
    assert third.attempts == 3
    assert third.facility_index == approx(200 / 3)
    assert third.discrimination_index == approx(100.0)
    assert third.discriminative_efficiency == approx(100.0)
    # item 1: scores [1, 1, 0, 0], rest [1, 1, 0, 2] (mean 1): x deviations .5 .5 -.5 -.5,
    #   y 0 0 -1 1 -> sxy = .5 - .5 = 0: no discrimination at all, and flagged for it.
    assert first.discrimination_index == approx(0.0, abs=1e-12)
    assert first.flags == (LOW_DISCRIMINATION, LOW_EFFICIENCY)


def test_a_question_nobody_saw_has_no_statistics_and_does_not_change_alpha():
    with_unseen = analyse(scores=[row + [None] for row in GUTTMAN], keys=["a", "b", "c", "new"])
    unseen = with_unseen.items[3]
    assert (unseen.key, unseen.attempts) == ("new", 0)
    assert [getattr(unseen, column) for column in stats.ITEM_COLUMNS[1:]] == [None] * 5
    assert unseen.flags == ()
    assert with_unseen.test.cronbach_alpha == approx(0.75)  # p stays 3, not 4


def test_a_single_attempt_gives_only_means_and_facilities():
    analysis = analyse(scores=[[1, 0.5]])
    test = analysis.test
    assert (test.attempts, test.mean, test.median) == (1, approx(75.0), approx(75.0))
    assert [test.standard_deviation, test.skewness, test.kurtosis] == [None, None, None]
    assert [test.cronbach_alpha, test.error_ratio, test.standard_error] == [None, None, None]
    first, second = analysis.items
    assert (first.facility_index, second.facility_index) == (approx(100.0), approx(50.0))
    assert [first.standard_deviation, first.discrimination_index, first.discriminative_efficiency] == [
        None,
        None,
        None,
    ]


def test_no_attempt_at_all():
    analysis = analyse(scores=[], keys=["q1", "q2"])
    assert analysis.test.attempts == 0
    assert analysis.test.mean is None
    assert [(item.key, item.attempts, item.facility_index) for item in analysis.items] == [
        ("q1", 0, None),
        ("q2", 0, None),
    ]


def test_two_attempts_have_a_spread_but_no_shape():
    test = analyse(scores=[[1, 1], [0, 1]]).test
    # totals 100% and 50%: SD = sqrt(2 x 25^2 / 1) = 35.36
    assert test.standard_deviation == approx(math.sqrt(2) * 25)
    assert test.skewness is None
    assert test.kurtosis is None


def test_everybody_scoring_the_same_gives_none_not_nan():
    analysis = analyse(scores=[[1, 1], [1, 1], [1, 1]])
    test = analysis.test
    assert test.standard_deviation == 0.0
    undefined = [test.skewness, test.kurtosis, test.cronbach_alpha, test.error_ratio, test.standard_error]
    assert undefined == [None] * 5
    for item in analysis.items:
        assert item.standard_deviation == 0.0
        assert item.discrimination_index is None
        assert item.discriminative_efficiency is None
        assert item.flags == (TOO_EASY,)


def test_totals_equal_up_to_rounding_count_as_equal():
    # 0.1 + 0.2 and 0.2 + 0.1 and 0.3 + 0.0 are all 0.3, give or take a rounding error.
    test = analyse(scores=[[0.1, 0.2], [0.2, 0.1], [0.3, 0.0]]).test
    assert test.standard_deviation == 0.0
    assert test.cronbach_alpha is None


def test_the_matrix_must_be_rectangular_and_marks_positive():
    with pytest.raises(ValueError):
        analyse(scores=[[1, 0], [1]])
    with pytest.raises(ValueError):
        analyse(scores=[[1, 0]], max_marks=[1, 0])
    with pytest.raises(ValueError):
        analyse(scores=[[1, 0]], keys=["only-one"])


# --- flags ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facility", "discrimination", "efficiency", "expected"),
    [
        (50, 40, 60, ()),
        (50, -0.1, 60, (NEGATIVE_DISCRIMINATION,)),
        (50, 0.0, 60, (LOW_DISCRIMINATION,)),
        (50, 19.99, 60, (LOW_DISCRIMINATION,)),
        (50, 20.0, 60, ()),
        (50, 40, 14.99, (LOW_EFFICIENCY,)),
        (50, 40, 15.0, ()),
        (9.99, 40, 60, (TOO_HARD,)),
        (10.0, 40, 60, ()),
        (90.0, 40, 60, ()),
        (90.01, 40, 60, (TOO_EASY,)),
        (95, -5, 3, (NEGATIVE_DISCRIMINATION, LOW_EFFICIENCY, TOO_EASY)),
        (None, None, None, ()),
    ],
)
def test_item_flags_and_their_thresholds(facility, discrimination, efficiency, expected):
    flags = item_flags(
        facility_index=facility, discrimination_index=discrimination, discriminative_efficiency=efficiency
    )
    assert flags == expected


def test_flag_reasons_quote_the_thresholds_and_codes_are_unique():
    assert f"{LOW_DISCRIMINATION_BELOW:g}%" in LOW_DISCRIMINATION.reason_text()
    assert f"{LOW_EFFICIENCY_BELOW:g}%" in LOW_EFFICIENCY.reason_text()
    assert f"{HARD_FACILITY_BELOW:g}%" in TOO_HARD.reason_text()
    assert f"{EASY_FACILITY_ABOVE:g}%" in TOO_EASY.reason_text()
    # Translated before the threshold is filled in: the translation's own "%" signs survive.
    assert TOO_EASY.reason_text(lambda message: "Facilité > %(limit)s %%") == "Facilité > 90 %"
    assert NEGATIVE_DISCRIMINATION.reason_text().startswith("Negative discrimination")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], []),
        ([5.0], [0]),
        ([1.0, 3.0, 2.0], [2, 0, 1]),
        # ten attempts: four on top, three in the middle, three at the bottom
        ([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]),
        ([0, 1, 2, 3, 4, 5], [2, 2, 1, 1, 0, 0]),
    ],
)
def test_thirds_rank_by_score_highest_first(values, expected):
    assert stats.thirds(values) == expected
    assert len({flag.code for flag in stats.FLAGS}) == len(stats.FLAGS) == 5


# --- result shape --------------------------------------------------------------------------------


def test_item_columns_are_the_csv_columns_and_attributes_of_the_result():
    assert stats.ITEM_COLUMNS == (
        "attempts",
        "facility_index",
        "standard_deviation",
        "random_guess_score",
        "discrimination_index",
        "discriminative_efficiency",
    )
    item_fields = {f.name for f in dataclasses.fields(stats.ItemStats)}
    assert set(stats.ITEM_COLUMNS) <= item_fields


def test_keys_and_random_guess_scores_are_carried_per_column():
    items = analyse(scores=GUTTMAN, keys=["q1", "q2", "q3"], random_guess_fractions=[0.25, None, 0.5]).items
    assert [item.key for item in items] == ["q1", "q2", "q3"]
    assert [item.random_guess_score for item in items] == [approx(25.0), None, approx(50.0)]


# --- random guess score ------------------------------------------------------------------------


def test_random_guess_scores_of_simple_kinds():
    assert stats.single_choice_guess(choices=4) == approx(0.25)
    assert stats.matching_guess(options=5) == approx(0.2)
    assert stats.ordering_guess(items=3) == approx(1 / 3)
    assert stats.TRUE_FALSE_GUESS == 0.5


@pytest.mark.parametrize(
    ("choices", "right", "expected"),
    [
        # 1 right R, 1 wrong W: {R} scores 1, {W} 0, {R, W} (1 - 1) / 1 = 0 -> 1/3
        (2, 1, 1 / 3),
        # R1 R2 W: {R1} .5, {R2} .5, {W} 0, {R1,R2} 1, {R1,W} 0, {R2,W} 0, {R1,R2,W} .5 -> 2.5 / 7
        (3, 2, 2.5 / 7),
        # 1 right among 4: only {R} alone scores (1), among 15 non-empty sets -> 1/15
        (4, 1, 1 / 15),
        # all 3 right: sets score (ticked / 3): (3 x 1 + 3 x 2 + 1 x 3) / 3 = 4 over 7 sets -> 4/7
        (3, 3, 4 / 7),
    ],
)
def test_multiple_choice_guess_averages_every_non_empty_set_of_ticks(choices, right, expected):
    assert stats.multiple_choice_guess(choices=choices, right=right) == approx(expected)


def test_multiple_choice_guess_needs_a_right_choice():
    with pytest.raises(ValueError):
        stats.multiple_choice_guess(choices=3, right=0)


def _average(scores: list[float]) -> float:
    return sum(scores) / len(scores)


def test_guess_scores_match_rappel_graders_over_every_possible_answer():
    """Each kind's formula is checked against its real grader, on every answer the form allows."""
    uid = "test-stats-guess"
    one = single.build_spec({"choices": [{"text": "a", "correct": True}, "b", "c"]}, uid=uid)
    keys = [c["key"] for c in one["choices"]]
    graded = [single.grade(spec=one, response={"choice": key}).score for key in keys]
    assert random_guess_fraction(kind="single", spec=one) == approx(_average(graded))  # 1/3

    many = multiple.build_spec(
        {"choices": [{"text": "a", "correct": True}, {"text": "b", "correct": True}, "c", "d", "e"]}, uid=uid
    )
    keys = [c["key"] for c in many["choices"]]
    subsets = [s for size in range(1, len(keys) + 1) for s in itertools.combinations(keys, size)]
    graded = [multiple.grade(spec=many, response={"choices": list(s)}).score for s in subsets]
    assert random_guess_fraction(kind="multiple", spec=many) == approx(_average(graded), abs=1e-4)

    tf = truefalse.build_spec({"answer": False}, uid=uid)
    graded = [truefalse.grade(spec=tf, response={"answer": a}).score for a in (True, False)]
    assert random_guess_fraction(kind="truefalse", spec=tf) == approx(_average(graded))

    pairs = matching.build_spec(
        {
            "pairs": [{"left": "a", "right": "1"}, {"left": "b", "right": "2"}, {"left": "c", "right": "3"}],
            "distractors": ["4"],
        },
        uid=uid,
    )
    options = [p["right_key"] for p in pairs["pairs"]] + [d["key"] for d in pairs["distractors"]]
    lefts = [p["key"] for p in pairs["pairs"]]
    graded = [
        matching.grade(spec=pairs, response={"pairs": dict(zip(lefts, picks, strict=True))}).score
        for picks in itertools.product(options, repeat=len(lefts))
    ]
    assert random_guess_fraction(kind="matching", spec=pairs) == approx(_average(graded), abs=1e-4)  # 1/4

    order = ordering.build_spec({"items": ["a", "b", "c", "d"]}, uid=uid)
    keys = [item["key"] for item in order["items"]]
    graded = [
        ordering.grade(spec=order, response={"order": list(p)}).score for p in itertools.permutations(keys)
    ]
    assert random_guess_fraction(kind="ordering", spec=order) == approx(_average(graded))  # 1/4


def test_free_text_kinds_guess_nothing_and_flashcards_have_no_guess_score():
    for kind in ("short", "cloze", "yaml", "command"):
        assert random_guess_fraction(kind=kind, spec={}) == 0.0
    assert random_guess_fraction(kind="flashcard", spec={}) is None
    assert random_guess_fraction(kind="no-such-kind", spec={}) is None


# --- properties on random data -------------------------------------------------------------------


def _kr20(matrix: list[list[int]]) -> float:
    """Kuder-Richardson 20, the textbook way: k/(k-1) (1 - sum p q / population variance)."""
    k = len(matrix[0])
    n = len(matrix)
    p = [sum(row[i] for row in matrix) / n for i in range(k)]
    totals = [sum(row) for row in matrix]
    return k / (k - 1) * (1 - sum(pi * (1 - pi) for pi in p) / statistics.pvariance(totals))


def _random_matrices(count: int, *, seed: int = 20):
    rng = random.Random(seed)
    made = 0
    while made < count:
        attempts, items = rng.randint(3, 40), rng.randint(2, 12)
        ability = [rng.random() for _ in range(attempts)]
        matrix = [[int(rng.random() < 0.3 + 0.6 * a) for _ in range(items)] for a in ability]
        if len({sum(row) for row in matrix}) > 1:  # totals that vary
            made += 1
            yield matrix


def test_alpha_equals_kr20_on_right_or_wrong_items():
    for matrix in _random_matrices(200):
        assert analyse(scores=matrix).test.cronbach_alpha == approx(_kr20(matrix), rel=1e-9, abs=1e-12)


def test_discrimination_matches_an_independent_correlation_and_efficiency_bounds_it():
    for matrix in _random_matrices(100, seed=7):
        totals = [sum(row) for row in matrix]
        for index, item in enumerate(analyse(scores=matrix).items):
            column = [row[index] for row in matrix]
            rest = [total - x for total, x in zip(totals, column, strict=True)]
            if len(set(column)) < 2 or len(set(rest)) < 2:
                assert item.discrimination_index is None
                continue
            assert item.discrimination_index == approx(100 * statistics.correlation(column, rest))
            assert item.standard_deviation == approx(100 * statistics.stdev(column))
            # 0 < best covariance <= sd x sd (Cauchy-Schwarz), so the efficiency has the sign of
            # the index and is at least as large; a positive one is at most 100%.
            di, de = item.discrimination_index, item.discriminative_efficiency
            assert abs(de) >= abs(di) - 1e-9
            assert (di >= 0 and de <= 100 + 1e-9) or (di < 0 and de < 0)
