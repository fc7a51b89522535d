"""The student home's two lists, as HTML: the rows of the quizzes table and the items of the
assigned work (templates/quizzes/home.html puts them in place).

They are made here, by formatting a string per row, rather than in a template loop: Django's
engine spent some 40 µs on each row (every variable resolved, localized and escaped node by
node, every `{% if %}` evaluated), most of the page's time with seventeen quizzes; this takes a
few. Every value is escaped as `{{ }}` escapes it (`html.escape`, which Django's `escape` is),
and shown as the template showed it: dates with the `date` filter's formats, numbers localized,
labels translated in the request's language. The markup stays that of the template it replaces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from html import escape

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from course.links import slug_url
from classes.models import Assignment
from quizzes import attempts
from course.templatetags.rappel import pct
from quizzes.models import Quiz

_MUTED_DASH = '<span class="muted">—</span>'  # no score yet


def _quiz_row(*, row_class: str, url: str, name: str, badge: str, question_count: str, best: str, last: str,
              start_url: str, csrf_input: str, primary: str, action: str) -> str:
    """A row of the quizzes table, of values escaped already (an f-string: `str.format` would
    parse the markup again for every row, a third of the row's cost)."""
    return f"""
    <tr class="{row_class}">
      <th scope="row"><a href="{url}">{name}</a>
        {badge}</th>
      <td class="num">{question_count}</td>
      <td class="num">{best}</td>
      <td class="num">{last}</td>
      <td>
        <form method="post" action="{start_url}">{csrf_input}
          <button type="submit" class="button small{primary}">{action}</button>
        </form>
      </td>
    </tr>
  """


def _assigned_item(*, url: str, name: str, cohort: str, due: str, due_iso: str, due_text: str,
                   badge: str) -> str:
    """An item of the assigned work, of values escaped already."""
    return f"""
    <li><a href="{url}">{name}</a>
      <span class="hint">· {cohort} · {due} <time datetime="{due_iso}">{due_text}</time></span>
      {badge}</li>
  """


def home_lists(quizzes: Iterable[Quiz], assigned: Iterable[Assignment],
               csrf_input: SafeString) -> tuple[SafeString, SafeString]:
    """The quizzes table's rows and the assigned work's items, in the request's language."""
    detail_url, language = slug_url("quizzes:quiz-detail"), get_language()
    rows = quiz_rows(quizzes, csrf_input, detail_url, language)
    return rows, assigned_items(assigned, detail_url, language)


def quiz_rows(quizzes: Iterable[Quiz], csrf_input: SafeString, detail_url: Callable[[str], str],
              language: str | None) -> SafeString:
    """The quizzes table's rows: the quiz's title (its section's, in the request's language)
    linking to its page, an "Assessment" badge, its number of questions, the student's best and
    last scores (a muted dash for none), and a form (`csrf_input`, the hidden token) posting to
    start it, labelled Resume, Retake or Start."""
    start_url = slug_url("quizzes:quiz-start")
    resume, retake, start = escape(_("Resume")), escape(_("Retake")), escape(_("Start"))
    assessment = _badge("", _("Assessment"))
    # `{{ }}` localizes numbers: for an int, that only groups its thousands, if the setting says so.
    number = localize if settings.USE_THOUSAND_SEPARATOR else str
    rows, assessment_kind = [], Quiz.Kind.ASSESSMENT
    for quiz in quizzes:
        is_assessment = quiz.kind == assessment_kind
        rows.append(_quiz_row(
            row_class="assessment" if is_assessment else "",
            url=escape(detail_url(quiz.slug)),
            name=escape(quiz_name(quiz, language)),
            badge=assessment if is_assessment else "",
            question_count=escape(number(quiz.question_count)),
            best=_score(quiz.best_score),
            last=_score(quiz.last_score),
            start_url=escape(start_url(quiz.slug)),
            csrf_input=csrf_input,
            primary=" primary" if quiz.open_attempt else "",
            action=resume if quiz.open_attempt else retake if quiz.attempt_count else start,
        ))
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above, or markup of ours


def assigned_items(assigned: Iterable[Assignment], detail_url: Callable[[str], str],
                   language: str | None) -> SafeString:
    """The assigned work's items: the quiz's title linking to its page, the cohort, the due date,
    and a badge: done (late or not), else overdue, else not open yet (with the opening date),
    else to do."""
    due, opens = escape(_("due")), _("opens")
    done_late, done = _badge(" warn", _("done late")), _badge("", "✓ " + _("done"))
    overdue, to_do = _badge(" bad", _("overdue")), _badge(" warn", _("to do"))
    zone, now = timezone.get_current_timezone(), timezone.now()

    def local(value: datetime) -> datetime:  # as `{{ }}` shows an aware datetime
        return timezone.localtime(value, zone)

    def date_text(value: datetime) -> str:  # `value|date:"SHORT_DATETIME_FORMAT"`
        return date_format(value, "SHORT_DATETIME_FORMAT")

    items = []
    for assignment in assigned:
        due_at = local(assignment.due_at)
        if assignment.done_at is not None:
            badge = done_late if assignment.done_at > assignment.due_at else done
        elif assignment.due_at < now:
            badge = overdue
        elif assignment.opens_at > now:
            badge = _badge("", f"{opens} {date_text(local(assignment.opens_at))}")
        else:
            badge = to_do
        items.append(_assigned_item(
            url=escape(detail_url(assignment.quiz.slug)),
            name=escape(quiz_name(assignment.quiz, language)),
            cohort=escape(assignment.cohort.name),
            due=due,
            due_iso=escape(due_at.isoformat()),
            due_text=escape(date_text(due_at)),
            badge=badge,
        ))
    return mark_safe("".join(items))  # noqa: S308 - every value escaped above, or markup of ours


def quiz_name(quiz: Quiz, language: str | None) -> str:
    """The title shown for a quiz in `language`: its section's, else its own."""
    return (quiz.section.title_in(language) if quiz.section else "") or quiz.title


def _badge(kind: str, text: str) -> str:
    """A badge (`kind`: "", " warn" or " bad") saying `text`, escaped."""
    return f'<span class="badge{kind}">{escape(text)}</span>'


def _score(score: float | None) -> str:
    """A 0..1 score as the `pct` filter shows it ("83 %"), escaped, or a muted dash for None."""
    return _MUTED_DASH if score is None else escape(pct(score))


def student_home(student) -> tuple[list[Quiz], list[Assignment]]:
    """What the student's home lists: the non-empty quizzes in order, each with its
    `question_count` and the student's figures (as on the quiz page); and the work assigned to
    the student's cohorts by due date, each with its cohort, its quiz and `done_at`, when the
    student first finished that quiz."""
    quizzes, first_finished = attempts._quizzes_read(student)
    assigned = []
    rows = Assignment.objects.filter(cohort__enrolments__student=student).select_related("cohort")
    for assignment in rows.order_by("due_at", "pk"):
        if assignment.quiz_id in quizzes:  # not if the quiz was created since the first query
            assignment.quiz = quizzes[assignment.quiz_id]
            assignment.done_at = first_finished[assignment.quiz_id]
            assigned.append(assignment)
    return [quiz for quiz in quizzes.values() if quiz.question_count], assigned
