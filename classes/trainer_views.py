"""Trainer pages: their classes, rosters, assignments and the reports, each with a CSV export.

Every view goes through `classes.access`: a trainer reaches only the cohorts they teach (404
otherwise), a student gets 403 on every trainer page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from classes import access, cohorts, reports, stats
from classes.forms import AssignmentForm, CohortForm
from classes.spreadsheet import csv_response, wants_csv
from course.inputs import strict_id
from course.models import Course
from quizzes import kinds
from quizzes.models import Quiz
from review.charts import day_chart


def trainer_required(view: Callable) -> Callable:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not access.is_trainer(request.user):
            raise PermissionDenied(_("This page is for trainers."))
        return view(request, *args, **kwargs)

    return wrapper


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


@require_GET
@trainer_required
def cohort_list(request: HttpRequest) -> HttpResponse:
    taught = (
        access.trainer_cohorts(request.user)
        .select_related("course")
        .prefetch_related("trainers")
        .annotate(student_count=Count("enrolments", distinct=True))
    )
    return render(request, "classes/cohort_list.html", {"cohorts": taught})


@require_http_methods(["GET", "POST"])
@trainer_required
def cohort_create(request: HttpRequest) -> HttpResponse:
    form = CohortForm(request.POST or None)
    course = Course.objects.order_by("pk").first()
    if request.method == "POST" and form.is_valid() and course is not None:
        cohort = cohorts.cohort_create(trainer=request.user, course=course, **form.cleaned_data)
        messages.success(request, _("Class created. Share its code: %(code)s") % {"code": cohort.join_code})
        return redirect(cohort)
    return render(request, "classes/cohort_form.html", {"form": form}, status=400 if form.errors else 200)


def _assignment_form(cohort, data=None) -> AssignmentForm:
    quizzes = Quiz.objects.filter(items__isnull=False).distinct().order_by("position", "slug")
    return AssignmentForm(data, quizzes=quizzes)


@require_GET
@trainer_required
def cohort_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = access.cohort_for_trainer(request.user, pk)
    return render(
        request, "classes/cohort_detail.html", _detail_context(request, cohort, _assignment_form(cohort))
    )


def _detail_context(request: HttpRequest, cohort, form) -> dict:
    return {
        "cohort": cohort,
        "students": reports.cohort_students(cohort),
        "assignments": cohort.assignments.select_related("quiz", "quiz__section"),
        "trainers": cohort.trainers.all(),
        "join_url": request.build_absolute_uri(reverse("join-code", args=[cohort.join_code])),
        "form": form,
        "now": timezone.now(),
    }


@require_POST
@trainer_required
def assignment_add(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = access.cohort_for_trainer(request.user, pk)
    form = _assignment_form(cohort, request.POST)
    if not form.is_valid():
        return render(
            request, "classes/cohort_detail.html", _detail_context(request, cohort, form), status=400
        )
    cohorts.assignment_set(cohort=cohort, **form.cleaned_data)
    messages.success(request, _("Quiz assigned."))
    return redirect(cohort)


@require_POST
@trainer_required
def assignment_answer_key(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    """Release an assigned quiz's answer key to the class before they finish it, or withhold it."""
    cohort = access.cohort_for_trainer(request.user, pk)
    released = request.POST.get("released") == "1"
    assignment = cohorts.assignment_release_key(cohort=cohort, assignment_id=assignment_id, released=released)
    title = assignment.quiz.title
    if released:
        messages.success(request, _("The class may now download the answers of %(quiz)s.") % {"quiz": title})
    else:
        messages.success(
            request, _("Students get the answers of %(quiz)s once they have finished it.") % {"quiz": title}
        )
    return redirect(cohort)


@require_http_methods(["GET", "POST"])
@trainer_required
def student_remove(request: HttpRequest, pk: int, student_id: int) -> HttpResponse:
    """GET asks for confirmation (a page whose button posts back here); POST removes."""
    cohort = access.cohort_for_trainer(request.user, pk)
    student = access.student_of_cohort(cohort, student_id)
    if request.method == "GET":
        return render(request, "classes/student_remove.html", {"cohort": cohort, "student": student})
    cohorts.enrolment_remove(cohort=cohort, student_id=student.pk)
    messages.success(request, _("%(name)s was removed from the class.") % {"name": student.get_username()})
    return redirect(cohort)


@require_POST
@trainer_required
def trainer_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Share the class with another trainer (a member of the trainers group)."""
    cohort = access.cohort_for_trainer(request.user, pk)
    username = (request.POST.get("username") or "").strip()
    colleague = User.objects.filter(username=username, groups__name=access.TRAINERS).first()
    if colleague is None:
        messages.error(request, _("No trainer has the username %(name)s.") % {"name": username or "—"})
        return redirect(cohort)
    cohort.trainers.add(colleague)
    messages.success(request, _("%(name)s now teaches this class too.") % {"name": colleague.get_username()})
    return redirect(cohort)


# --- reports -------------------------------------------------------------------------------------


SORTS = {"name", "best", "attempts"}

#: The item analysis CSV's column titles, one per `stats.ITEM_COLUMNS` name.
ITEM_COLUMN_LABELS = {
    "attempts": gettext_lazy("attempts"),
    "facility_index": gettext_lazy("facility index %"),
    "standard_deviation": gettext_lazy("standard deviation %"),
    "random_guess_score": gettext_lazy("random guess score %"),
    "discrimination_index": gettext_lazy("discrimination index %"),
    "discriminative_efficiency": gettext_lazy("discriminative efficiency %"),
}


def _status(cell: reports.Cell) -> str:
    """The overview CSV's status column, in the reader's language (the page's own words)."""
    if cell.missing:
        return _("missing")
    if cell.late:
        return _("late")
    if cell.not_started:
        return _("not started")
    return _("done") if cell.attempts else _("in progress")


def _column(quiz_or_section: str, column: str) -> str:
    """A column of one quiz or section: its slug (a code, kept as is) and the figure's name."""
    return _("%(name)s: %(column)s") % {"name": quiz_or_section, "column": column}


@require_GET
@trainer_required
def report_overview(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = access.cohort_for_trainer(request.user, pk)
    data = reports.overview(cohort, now=timezone.now())
    if wants_csv(request):
        columns = (_("best %"), _("first %"), _("last %"), _("attempts"), _("minutes"), _("status"))
        header = [_("student")]
        for a in data.assignments:
            header += [_column(a.quiz.slug, column) for column in columns]
        rows = []
        for student in data.students:
            row = [student.get_username()]
            for cell in data.row(student):
                minutes = round(cell.time.total_seconds() / 60, 1) if cell.time else None
                row += [
                    _pct(cell.best),
                    _pct(cell.first),
                    _pct(cell.last),
                    cell.attempts,
                    minutes,
                    _status(cell),
                ]
            rows.append(row)
        return csv_response(request, f"overview-{cohort.pk}.csv", header, rows)
    sort = request.GET.get("sort", "name")
    quiz_id = strict_id(request.GET.get("quiz", ""))
    students = data.students
    if sort in {"best", "attempts"} and quiz_id is not None:

        def sort_key(student):  # highest first, students without a value last
            value = getattr(data.cells.get((student.pk, quiz_id)), sort, None)
            return (value is None, -(value or 0))

        students = sorted(students, key=sort_key)
    table = [(student, data.row(student)) for student in students]
    return render(
        request,
        "classes/report_overview.html",
        {"cohort": cohort, "data": data, "table": table, "sort": sort},
    )


@require_GET
@trainer_required
def report_heatmap(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = access.cohort_for_trainer(request.user, pk)
    now = timezone.now()
    tomorrow = request.GET.get("at") == "tomorrow"
    at = reports.tomorrow_morning(now) if tomorrow else now
    students, sections, cells = reports.heatmap(cohort, at=at)
    if wants_csv(request):
        header = (
            [_("student")]
            + [_column(s.slug, _("right answers %")) for s in sections]
            + [_column(s.slug, _("predicted recall %")) for s in sections]
        )
        rows = [
            [st.get_username()]
            + [_pct(cells[(st.pk, s.pk)].share_correct) for s in sections]
            + [_pct(cells[(st.pk, s.pk)].recall) for s in sections]
            for st in students
        ]
        return csv_response(
            request, f"heatmap-{cohort.pk}{'-tomorrow' if tomorrow else ''}.csv", header, rows
        )
    table = [(st, [cells[(st.pk, s.pk)] for s in sections]) for st in students]
    class_row = [reports.class_cell([row[i] for _st, row in table]) for i in range(len(sections))]
    weakest = reports.class_weakest(list(zip(sections, class_row, strict=True)))
    return render(
        request,
        "classes/report_heatmap.html",
        {
            "cohort": cohort,
            "sections": sections,
            "table": table,
            "class_row": class_row,
            "weakest": weakest,
            "tomorrow": tomorrow,
            "at": at,
        },
    )


@require_GET
@trainer_required
def report_student(request: HttpRequest, pk: int, student_id: int) -> HttpResponse:
    cohort = access.cohort_for_trainer(request.user, pk)
    student = access.student_of_cohort(cohort, student_id)
    attempts = list(reports.student_attempts(student))
    if wants_csv(request):
        rows = [
            [
                a.quiz.slug,
                a.started_at,
                a.finished_at,
                answer.position + 1,
                answer.question.uid,
                answer.revision.number,
                answer.revision.prompt,
                answer.correct,
                answer.score,
                kinds.response_text(
                    kind=answer.question.kind, spec=answer.revision.spec, response=answer.response
                ),
            ]
            for a in attempts
            for answer in a.answers.all()
        ]
        header = [
            _("quiz"),
            _("started at"),
            _("finished at"),
            _("position"),
            _("uid"),
            _("revision"),
            _("question"),
            _("right"),
            _("score"),
            _("response"),
        ]
        return csv_response(request, f"student-{cohort.pk}-{student.pk}.csv", header, rows)
    now = timezone.now()
    days = reports.activity(cohort, since=now - dt.timedelta(days=29), student=student)
    _students, sections, cells = reports.heatmap(cohort, at=now, student=student)
    row = [(s, cells[(student.pk, s.pk)]) for s in sections]
    studied = [(section, cell) for section, cell in row if cell.answers or cell.cards]
    weakest = sorted(studied, key=lambda pair: pair[1].weakness)[:3]
    chart = day_chart(
        [(d["day"], d["reviews"]) for d in days], title=_("Reviews per day"), value_heading=_("Reviews")
    )
    return render(
        request,
        "classes/report_student.html",
        {
            "cohort": cohort,
            "student": student,
            "attempts": attempts,
            "chart": chart,
            "weakest": weakest,
        },
    )


@require_GET
@trainer_required
def report_activity(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = access.cohort_for_trainer(request.user, pk)
    since = timezone.now() - dt.timedelta(days=29)
    days = reports.activity(cohort, since=since)
    if wants_csv(request):
        return csv_response(
            request,
            f"activity-{cohort.pk}.csv",
            [_("day"), _("quiz attempts"), _("reviews")],
            [[d["day"], d["attempts"], d["reviews"]] for d in days],
        )
    charts = {
        "attempts": day_chart(
            [(d["day"], d["attempts"]) for d in days],
            title=_("Quiz attempts per day"),
            value_heading=_("Quiz attempts"),
        ),
        "reviews": day_chart(
            [(d["day"], d["reviews"]) for d in days], title=_("Reviews per day"), value_heading=_("Reviews")
        ),
    }
    return render(request, "classes/report_activity.html", {"cohort": cohort, "days": days, "charts": charts})


@require_GET
@trainer_required
def report_errata(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = access.cohort_for_trainer(request.user, pk)
    questions = list(reports.errata(cohort.course))
    if wants_csv(request):
        rows = [
            [q.section.slug, q.uid, q.erratum["claim"], q.erratum["fact"], q.erratum["source"]]
            for q in questions
        ]
        return csv_response(
            request,
            f"errata-{cohort.pk}.csv",
            [_("section"), _("uid"), _("claim"), _("fact"), _("source")],
            rows,
        )
    return render(request, "classes/report_errata.html", {"cohort": cohort, "questions": questions})


@dataclass(frozen=True)
class Figure:
    """One quiz-level statistic as the item analysis shows it: its name, its value in the unit
    Moodle shows it in, and what it means (with Moodle's guidance, where it gives some). `help`
    is a msgid whose `%` signs are doubled: translated first, then formatted (`help_text`)."""

    code: str
    label: str
    unit: str  # "%" or ""
    places: int
    help: str
    scale: float = 1.0  # Cronbach's alpha is computed as a coefficient and shown as a %

    def value(self, test: stats.TestStats) -> float | None:
        value = getattr(test, self.code)
        return None if value is None else value * self.scale

    def help_text(self) -> str:
        return _guided(self.help)

    def heading(self) -> str:
        """Its name with its unit, as the CSV's other columns say theirs ("facility index %")."""
        return f"{self.label} {self.unit}" if self.unit else str(self.label)


#: Moodle's guidance ("Quiz statistics calculations", "Quiz report statistics"), quoted by the help.
GUIDANCE = {
    "alpha_good": 75,
    "error_ratio_max": 50,
    "facility_low": 5,
    "facility_high": 95,
    "discrimination_good": 30,
    "discrimination_weak": stats.LOW_DISCRIMINATION_BELOW,
    "efficiency_low": stats.LOW_EFFICIENCY_BELOW,
}


def _guided(text) -> str:
    """A help msgid (its `%` doubled) translated, then given the figures of Moodle's guidance."""
    return str(text) % GUIDANCE


TEST_FIGURES = (
    Figure(
        "attempts",
        gettext_lazy("Attempts analysed"),
        "",
        0,
        gettext_lazy("Each student's first, last or every finished attempt, as chosen above."),
    ),
    Figure("mean", gettext_lazy("Mean score"), "%", 2, gettext_lazy("In %% of the maximum grade.")),
    Figure(
        "median",
        gettext_lazy("Median score"),
        "%",
        2,
        gettext_lazy("Half the attempts scored more, half less; in %% of the maximum grade."),
    ),
    Figure(
        "standard_deviation",
        gettext_lazy("Standard deviation"),
        "%",
        2,
        gettext_lazy(
            "How spread the scores are, in %% of the maximum grade: about two thirds of the class lies "
            "within one standard deviation of the mean."
        ),
    ),
    Figure(
        "skewness",
        gettext_lazy("Skewness"),
        "",
        2,
        gettext_lazy(
            "Asymmetry of the scores (no unit): negative when most scored high with a tail of low "
            "scores. Between -1 and 1 is usual."
        ),
    ),
    Figure(
        "kurtosis",
        gettext_lazy("Kurtosis"),
        "",
        2,
        gettext_lazy(
            "Shape of the scores (no unit): 0 for a bell curve, negative when they are spread flat, "
            "positive when bunched with a few far off."
        ),
    ),
    Figure(
        "cronbach_alpha",
        gettext_lazy("Coefficient of internal consistency (Cronbach's alpha)"),
        "%",
        2,
        gettext_lazy(
            "Do the questions measure the same thing? %(alpha_good)s %% or more is good for a class "
            "test; a short quiz, or a class that all scored alike, gets less."
        ),
        100.0,
    ),
    Figure(
        "error_ratio",
        gettext_lazy("Error ratio"),
        "%",
        2,
        gettext_lazy(
            "The share of the spread of scores due to chance rather than to what the students know. "
            "Under %(error_ratio_max)s %% is acceptable."
        ),
    ),
    Figure(
        "standard_error",
        gettext_lazy("Standard error"),
        "%",
        2,
        gettext_lazy(
            "How far one attempt's score may be from the student's true level, by chance, in %% of "
            "the maximum grade: the true level is likely within two standard errors of the score."
        ),
    ),
)

#: What each column of the question table means (msgids with `%` doubled, as `Figure.help`).
ITEM_HELP = {
    "facility_index": gettext_lazy(
        "Mean score on the question, in %%. Between %(facility_low)s and %(facility_high)s %% is usable; "
        "near 50 %% separates the class best."
    ),
    "standard_deviation": gettext_lazy("Spread of the scores on the question, in %% of its maximum."),
    "random_guess_score": gettext_lazy("What answering at random would score, in %%."),
    "discrimination_index": gettext_lazy(
        "Do those who did well on the rest of the quiz do well here? In %%: %(discrimination_good)s %% or "
        "more is good, under %(discrimination_weak)g %% weak; negative means check the key."
    ),
    "discriminative_efficiency": gettext_lazy(
        "The discrimination index as a share of the most the question's facility allows, in %%: "
        "under %(efficiency_low)g %% is dubious (Moodle)."
    ),
}


def _test_rows(test: stats.TestStats) -> list[tuple[Figure, float | None]]:
    return [(figure, figure.value(test)) for figure in TEST_FIGURES]


@require_GET
@trainer_required
def report_items(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    cohort = access.cohort_for_trainer(request.user, pk)
    quiz = get_object_or_404(Quiz.objects.select_related("section"), slug=slug)
    which = request.GET.get("attempts", "first")
    if which not in reports.ATTEMPT_CHOICES:
        which = "first"
    test, items = reports.item_analysis(cohort, quiz, which=which)
    if wants_csv(request):
        header = [
            _("uid"),
            _("question"),
            *[ITEM_COLUMN_LABELS[c] for c in stats.ITEM_COLUMNS],
            _("flags"),
        ]
        rows = [
            [
                row.question.uid,
                row.question.current_revision.prompt,
                *[getattr(row.stats, column) for column in stats.ITEM_COLUMNS],
                row.too_few_text or " | ".join(row.reasons),
            ]
            for row in items
        ]
        # The quiz-level figures follow, under the page's own headings, in the units it shows.
        rows += [[], [_("Statistic"), _("Value")]]
        rows += [[figure.heading(), value] for figure, value in _test_rows(test)]
        return csv_response(request, f"items-{cohort.pk}-{quiz.slug}-{which}.csv", header, rows)
    # The most telling first: a negative discrimination (a wrong key, often) before a low one,
    # before a question that is only too easy or too hard.
    flagged = sorted(
        (row for row in items if row.reasons),
        key=lambda row: (
            min(stats.FLAGS.index(f) for f in row.stats.flags),
            row.stats.discrimination_index or 0,
        ),
    )
    return render(
        request,
        "classes/report_items.html",
        {
            "cohort": cohort,
            "quiz": quiz,
            "test": test,
            "figures": _test_rows(test),
            "items": items,
            "flagged": flagged,
            "item_help": {name: _guided(text) for name, text in ITEM_HELP.items()},
            "min_attempts": stats.MIN_ATTEMPTS_TO_JUDGE,
            "which": which,
            "can_edit": request.user.has_perm("quizzes.change_question"),
        },
    )
