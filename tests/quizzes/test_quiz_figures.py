"""`attempts.quiz_figures`: a student's attempts folded into their figures on each quiz (pure)."""

from __future__ import annotations

import datetime as dt

from quizzes.attempts import QuizFigures, quiz_figures

T = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T + dt.timedelta(minutes=minutes)


def test_no_attempt_gives_no_figures():
    assert quiz_figures([]) == {}


def test_best_last_first_and_count_come_from_finished_attempts_only():
    figures = quiz_figures(
        [
            (1, 10, 0.5, at(0), at(10)),
            (1, 11, 0.9, at(20), at(30)),
            (1, 12, 0.7, at(40), at(50)),  # finished last
            (1, 13, None, at(60), None),  # open: not counted
            (2, 14, 0.2, at(0), at(5)),
        ]
    )
    assert figures[1] == QuizFigures(
        best_score=0.9,
        last_score=0.7,
        first_finished=at(10),
        last_finished=at(50),
        attempt_count=3,
        open_attempt=13,
    )
    assert figures[2] == QuizFigures(
        best_score=0.2, last_score=0.2, first_finished=at(5), last_finished=at(5), attempt_count=1
    )


def test_of_two_finished_at_once_the_last_score_is_the_one_started_first_then_the_smaller_pk():
    rows = [(1, 21, 0.4, at(5), at(30)), (1, 20, 0.6, at(0), at(30)), (1, 22, 0.8, at(0), at(30))]
    assert quiz_figures(rows)[1].last_score == 0.6
    assert quiz_figures(list(reversed(rows)))[1].last_score == 0.6  # whatever order they come in


def test_the_open_attempt_is_the_one_started_last_then_the_larger_pk():
    rows = [(1, 30, None, at(0), None), (1, 32, None, at(9), None), (1, 31, None, at(9), None)]
    assert quiz_figures(rows)[1] == QuizFigures(open_attempt=32)
    assert quiz_figures(list(reversed(rows)))[1].open_attempt == 32
