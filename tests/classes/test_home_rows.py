"""The student home's rows (quizzes.home) against the template loops they replace: the same HTML
for every badge, score and button, in French and English, with names that need escaping."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from course.models import Section
from classes.models import Assignment, Cohort
from classes import home
from quizzes.models import Quiz

# The loops of templates/quizzes/home.html before the rows were made in Python, written with the
# plain filters and tags.
REFERENCE = """{% load i18n rappel %}{% translate "due" as due %}{% translate "done late" as done_late %}{% translate "done" as done %}{% translate "overdue" as overdue %}{% translate "opens" as opens %}{% translate "to do" as to_do %}
  {% for a in assigned %}
    <li><a href="{% url 'quizzes:quiz-detail' a.quiz.slug %}">{{ a.quiz.name }}</a>
      <span class="hint">· {{ a.cohort.name }} · {{ due }} <time datetime="{{ a.due_at|date:"c" }}">{{ a.due_at|date:"SHORT_DATETIME_FORMAT" }}</time></span>
      {% if a.done_at %}{% if a.done_at > a.due_at %}<span class="badge warn">{{ done_late }}</span>{% else %}<span class="badge">✓ {{ done }}</span>{% endif %}
      {% elif a.due_at < now %}<span class="badge bad">{{ overdue }}</span>
      {% elif a.opens_at > now %}<span class="badge">{{ opens }} {{ a.opens_at|date:"SHORT_DATETIME_FORMAT" }}</span>
      {% else %}<span class="badge warn">{{ to_do }}</span>{% endif %}</li>
  {% endfor %}
==={% translate "Assessment" as assessment %}
  {% for quiz in quizzes %}
    <tr class="{% if quiz.kind == "assessment" %}assessment{% endif %}">
      <th scope="row"><a href="{% url 'quizzes:quiz-detail' quiz.slug %}">{{ quiz.name }}</a>
        {% if quiz.kind == "assessment" %}<span class="badge">{{ assessment }}</span>{% endif %}</th>
      <td class="num">{{ quiz.question_count }}</td>
      <td class="num">{% if quiz.best_score is not None %}{{ quiz.best_score|pct }}{% else %}<span class="muted">—</span>{% endif %}</td>
      <td class="num">{% if quiz.last_score is not None %}{{ quiz.last_score|pct }}{% else %}<span class="muted">—</span>{% endif %}</td>
      <td>
        <form method="post" action="{% url 'quizzes:quiz-start' quiz.slug %}">{{ csrf }}
          <button type="submit" class="button small{% if quiz.open_attempt %} primary{% endif %}">{% if quiz.open_attempt %}{% translate "Resume" %}{% elif quiz.attempt_count %}{% translate "Retake" %}{% else %}{% translate "Start" %}{% endif %}</button>
        </form>
      </td>
    </tr>
  {% endfor %}"""  # noqa: E501 - the template's lines

CSRF = mark_safe('<input type="hidden" name="csrfmiddlewaretoken" value="tok">')


def make_quiz(slug, *, kind=Quiz.Kind.SECTION, section=None, title="Quiz <b>&amp;", best=None, last=None,
              count=0, open_attempt=None, questions=12) -> Quiz:
    quiz = Quiz(slug=slug, title=title, kind=kind, section=section)
    quiz.best_score, quiz.last_score, quiz.attempt_count = best, last, count
    quiz.open_attempt, quiz.question_count = open_attempt, questions
    return quiz


def make_assignment(quiz, *, opens, due, done=None) -> Assignment:
    assignment = Assignment(quiz=quiz, cohort=Cohort(name='Promo "A" <1>'), opens_at=opens, due_at=due)
    assignment.done_at = done
    return assignment


@pytest.mark.parametrize("language", ["fr", "en"])
def test_rows_are_those_of_the_template_loops(language):
    now = timezone.now()
    day = dt.timedelta(days=1)
    section = Section(slug="s", title="Les <listes>", title_en="Lists & co")
    quizzes = [
        make_quiz("alpha", section=section, best=0.834, last=0.0, count=2),
        make_quiz("beta", best=1.0, last=0.5, count=1, open_attempt=7),
        make_quiz("gamma", open_attempt=3, questions=1234),
        make_quiz("final", kind=Quiz.Kind.ASSESSMENT, title="Évaluation finale"),
        make_quiz("untitled", section=Section(slug="u", title="", title_en=""), title="Own title"),
    ]
    assigned = [
        make_assignment(quizzes[0], opens=now - 3 * day, due=now - day, done=now - 2 * day),  # done
        make_assignment(quizzes[1], opens=now - 3 * day, due=now - 2 * day, done=now - day),  # done late
        make_assignment(quizzes[2], opens=now - 3 * day, due=now - day),  # overdue
        make_assignment(quizzes[3], opens=now + day, due=now + 2 * day),  # not open yet
        make_assignment(quizzes[4], opens=now - day, due=now + day),  # to do
    ]
    request = RequestFactory().get("/")
    with translation.override(language):
        for quiz in quizzes:
            quiz.name = (quiz.section.display_title if quiz.section else "") or quiz.title
        reference = engines["django"].from_string(REFERENCE).render(
            {"quizzes": quizzes, "assigned": assigned, "now": now, "csrf": CSRF}, request
        )
        expected_items, expected_rows = reference.split("===")
        rows, items = home.home_lists(quizzes, assigned, CSRF)
    # The template left a line break before </li> after every badge but "to do"'s.
    assert "\n  " + items + "\n" == re.sub(r"\s+</li>", "</li>", expected_items)
    assert "\n  " + rows == expected_rows
    for badge in ("badge warn", "badge bad", "✓", "badge\">"):
        assert badge in items
    if language == "fr":  # every label translated (the catalogue has them all)
        assert "&lt;listes&gt;" in rows
        assert all(label in rows for label in ("Évaluation", "Recommencer", "Commencer", "Reprendre"))
        labels = ("échéance", "✓ fait", "fait en retard", "en retard", "ouvre le", "à faire")
        assert all(label in items for label in labels)
    else:
        assert "Lists &amp; co" in rows
    assert "Quiz &lt;b&gt;&amp;amp;" in rows and "Promo &quot;A&quot; &lt;1&gt;" in items


def test_no_rows_for_nothing():
    assert home.home_lists([], [], CSRF) == ("", "")


@pytest.mark.django_db
def test_the_home_forms_share_one_token_that_starts_a_quiz(loaded_banks, student):
    from django.test import Client
    from django.urls import reverse

    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    html = client.get(reverse("home")).content.decode()
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    tokens |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', html))
    assert len(tokens) == 1 and html.count("csrfmiddlewaretoken") > 3
    start = reverse("quizzes:quiz-start", args=["alpha"])
    assert f'action="{start}"' in html
    assert client.post(start, {"csrfmiddlewaretoken": tokens.pop()}).status_code == 302
