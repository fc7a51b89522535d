"""Trainer reports: right numbers on hand-built data, CSV that spreadsheets open, constant
query counts with 1 and 30 students, and every URL refused to the wrong people."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from classes import reports, stats
from classes.models import Assignment
from course.templatetags.rappel import pct
from quizzes import kinds
from quizzes.models import Answer, Attempt, Question, Quiz
from review import cards as review
from review.models import Card
from review.scheduling import CardState
from review.scheduling import review as fsrs_review

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def finished_attempt(
    student, quiz, *, scores: list[float], finished: dt.datetime, minutes: int = 5
) -> Attempt:
    questions = list(Question.objects.filter(quiz_items__quiz=quiz).order_by("quiz_items__position"))[
        : len(scores)
    ]
    attempt = Attempt.objects.create(
        student=student,
        quiz=quiz,
        question_ids=[q.pk for q in questions],
        seed=1,
        score=sum(scores) / len(scores),
        finished_at=finished,
    )
    Attempt.objects.filter(pk=attempt.pk).update(started_at=finished - dt.timedelta(minutes=minutes))
    for position, (question, score) in enumerate(zip(questions, scores, strict=True)):
        Answer.objects.create(
            attempt=attempt,
            question=question,
            revision=question.current_revision,
            position=position,
            response={},
            correct=score == 1.0,
            score=score,
        )
    return attempt


@pytest.fixture
def classroom(loaded_banks, trainer, user_factory, cohort_factory):
    """Two students; alpha assigned, due yesterday. Ann: 1/3 late then 3/3; Bob: nothing."""
    ann, bob = user_factory(username="ann"), user_factory(username="bob")
    cohort = cohort_factory(trainer=trainer, students=[ann, bob])
    alpha = Quiz.objects.get(slug="alpha")
    due = NOW - dt.timedelta(days=1)
    Assignment.objects.create(cohort=cohort, quiz=alpha, opens_at=due - dt.timedelta(days=2), due_at=due)
    finished_attempt(ann, alpha, scores=[1, 0, 0], finished=due + dt.timedelta(hours=1), minutes=6)
    finished_attempt(ann, alpha, scores=[1, 1, 1], finished=due + dt.timedelta(hours=2), minutes=4)
    return cohort, ann, bob, alpha


def test_overview_numbers(classroom):
    cohort, ann, bob, alpha = classroom
    data = reports.overview(cohort, now=NOW)
    cell = data.cells[(ann.pk, alpha.pk)]
    assert (cell.attempts, cell.best, cell.last) == (2, 1.0, 1.0)
    assert cell.first == pytest.approx(1 / 3)
    assert cell.time == dt.timedelta(minutes=10)
    assert cell.late and not cell.missing
    assert data.cells[(bob.pk, alpha.pk)].missing
    assert data.quiz_stats[alpha.pk] == {"done": 1, "mean": 1.0, "median": 1.0}


def test_overview_page_and_csv(classroom, trainer_client):
    cohort, ann, bob, alpha = classroom
    url = reverse("trainer:report-overview", args=[cohort.pk])
    html = trainer_client.get(url).content.decode()
    assert "100 %" in html and "33 %" in html and "en retard" in html and "manquant" in html
    response = trainer_client.get(url, {"format": "csv", "dialect": "excel-fr"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="overview-{cohort.pk}-excel-fr.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith(
        "\ufeffétudiant;alpha : meilleur %;alpha : premier %;alpha : dernier %;alpha : tentatives;"
        "alpha : minutes;alpha : état\r\n"
    )
    assert "ann;100;33,3;100;2;10;en retard\r\n" in text  # decimal commas for French Excel
    assert "bob;;;;0;;manquant" in text
    plain = trainer_client.get(url, {"format": "csv"})
    assert plain["Content-Disposition"] == f'attachment; filename="overview-{cohort.pk}.csv"'
    assert "ann,100,33.3,100,2,10,en retard\r\n" in plain.content.decode()


def test_sorting_the_overview_by_best_score(classroom, trainer_client):
    cohort, ann, bob, alpha = classroom
    html = trainer_client.get(
        reverse("trainer:report-overview", args=[cohort.pk]), {"sort": "best", "quiz": alpha.pk}
    ).content.decode()
    assert html.index(">ann<") < html.index(">bob<")


def test_heatmap_shares_and_recall_now_and_tomorrow(classroom, trainer_client):
    cohort, ann, bob, alpha = classroom
    question = Question.objects.get(uid="alpha-single-1")
    card = Card.objects.create(student=ann, question=question, due=NOW)
    state = fsrs_review(
        card_id=card.pk, state=CardState(), rating=4, now=NOW - dt.timedelta(days=2), fuzz=False
    )
    Card.objects.filter(pk=card.pk).update(**state.columns())
    card.refresh_from_db()
    students, sections, cells = reports.heatmap(cohort, at=NOW)
    alpha_section = next(s for s in sections if s.slug == "alpha")
    cell = cells[(ann.pk, alpha_section.pk)]
    assert (cell.answers, cell.correct) == (6, 4)  # 1+0+0 and 1+1+1
    from review.scheduling import retrievability

    assert cell.recall == pytest.approx(retrievability(state=review.card_state(card), now=NOW), rel=1e-9)
    tomorrow = reports.tomorrow_morning(NOW)
    _s, _sec, later = reports.heatmap(cohort, at=tomorrow)
    expected = retrievability(state=review.card_state(card), now=tomorrow)
    assert later[(ann.pk, alpha_section.pk)].recall == pytest.approx(expected, rel=1e-9)
    _s, _sec, next_week = reports.heatmap(cohort, at=NOW + dt.timedelta(days=7))
    assert next_week[(ann.pk, alpha_section.pk)].recall < cell.recall
    assert cells[(bob.pk, alpha_section.pk)].share_correct is None
    page = trainer_client.get(
        reverse("trainer:report-heatmap", args=[cohort.pk]), {"at": "tomorrow"}
    ).content.decode()
    assert "Demain 09:00" in page and "67 %" in page
    csv_text = trainer_client.get(
        reverse("trainer:report-heatmap", args=[cohort.pk]), {"format": "csv"}
    ).content.decode()
    assert "alpha : bonnes réponses %" in csv_text and "ann,66.7,,96.8," in csv_text


class HeatmapRows(HTMLParser):
    """The heatmap table's body: for each row, the student's name and each cell's classes and
    its two figures as (title, text) pairs."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: dict[str, list[dict]] = {}
        self.in_table = self.in_body = False
        self.row: list[dict] | None = None
        self.name = ""
        self.span: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table" and "heatmap" in (attributes.get("class") or "").split():
            self.in_table = True
        elif self.in_table and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.row, self.name = [], ""
        elif self.row is not None and tag == "td":
            self.row.append({"class": (attributes.get("class") or "").split(), "figures": []})
        elif self.row and tag == "span":
            self.span = [attributes.get("title") or "", ""]

    def handle_data(self, data):
        if self.span is not None:
            self.span[1] += data
        elif self.row == [] and data.strip():
            self.name += data.strip()

    def handle_endtag(self, tag):
        if tag == "span" and self.span is not None:
            self.row[-1]["figures"].append(tuple(self.span))
            self.span = None
        elif tag == "tr" and self.row is not None:
            self.rows[self.name], self.row = self.row, None
        elif tag == "table":
            self.in_table = self.in_body = False


def test_heatmap_cells_show_the_share_and_the_recall_shaded_by_level(classroom, trainer_client):
    cohort, ann, bob, alpha = classroom
    question = Question.objects.get(uid="alpha-single-1")
    state = fsrs_review(card_id=0, state=CardState(), rating=4, now=NOW - dt.timedelta(days=2), fuzz=False)
    Card.objects.create(student=ann, question=question, **state.columns())
    html = trainer_client.get(reverse("trainer:report-heatmap", args=[cohort.pk])).content.decode()
    rows = HeatmapRows(html).rows
    _students, sections, cells = reports.heatmap(cohort, at=timezone.now())
    assert list(rows) == ["ann", "bob", "Toute la classe"]
    assert all(len(row) == len(sections) for row in rows.values())
    alpha_index = next(i for i, s in enumerate(sections) if s.slug == "alpha")
    recall = cells[(ann.pk, sections[alpha_index].pk)].recall
    assert recall > 0.85  # the cell's shade follows the weaker figure, 4 right answers of 6
    assert rows["ann"][alpha_index] == {
        "class": ["heat", "heat-1"],
        "figures": [("bonnes réponses", "67 %"), ("rappel prédit", pct(recall))],
    }
    for cell in rows["bob"]:
        assert cell == {
            "class": ["heat", "heat-none"],
            "figures": [("bonnes réponses", "—"), ("rappel prédit", "—")],
        }
    # The class's row adds Bob's nothing to Ann's: the same figures, and the weakest topic named.
    assert rows["Toute la classe"][alpha_index] == rows["ann"][alpha_index]
    assert "Thème le plus faible de la classe" in html


def test_heatmap_with_nobody_enrolled_says_so(trainer_client, trainer, cohort_factory, loaded_banks):
    cohort = cohort_factory(trainer=trainer, students=[])
    html = trainer_client.get(reverse("trainer:report-heatmap", args=[cohort.pk])).content.decode()
    assert HeatmapRows(html).rows == {"": [{"class": [], "figures": []}]}
    assert "Personne n" in html


def test_student_detail_lists_every_answer_with_its_revision(classroom, trainer_client):
    cohort, ann, bob, alpha = classroom
    html = trainer_client.get(reverse("trainer:report-student", args=[cohort.pk, ann.pk])).content.decode()
    assert html.count("alpha-single-1") == 2 and "r1" in html
    csv_text = trainer_client.get(
        reverse("trainer:report-student", args=[cohort.pk, ann.pk]), {"format": "csv"}
    ).content.decode()
    assert csv_text.count("\r\n") == 1 + 6


def choice_key(question: Question, text: str) -> str:
    return next(c["key"] for c in question.current_revision.spec["choices"] if c["text"] == text)


def test_student_detail_shows_responses_as_given_and_questions_by_prompt(classroom, trainer_client):
    cohort, ann, bob, alpha = classroom
    single = Question.objects.get(uid="alpha-single-1")
    multiple = Question.objects.get(uid="alpha-multiple-1")
    wrong = choice_key(single, "CustomResourceDefinition")
    ticked = [choice_key(multiple, "kubelet"), choice_key(multiple, "kube-scheduler")]
    Answer.objects.filter(question=single).update(response={"choice": wrong})
    Answer.objects.filter(question=multiple).update(response={"choices": ticked})
    Answer.objects.filter(question__uid="alpha-truefalse-1").update(response={"answer": False})
    url = reverse("trainer:report-student", args=[cohort.pk, ann.pk])
    html = trainer_client.get(url).content.decode()
    assert html.count('<span class="response-choice">CustomResourceDefinition</span>') == 2
    assert html.count("<li>✓ kubelet</li><li>✗ kube-scheduler</li>") == 2
    assert html.count("<strong>Faux</strong>") == 2
    assert wrong not in html and not any(key in html for key in ticked)
    assert "&#x27;choice" not in html and "{&#x27;" not in html  # no dict, not even escaped
    # each question named by its prompt, its uid beside it
    assert html.count('Quelle ressource désigne cm ? <code class="uid">alpha-single-1</code>') == 2
    text = trainer_client.get(url, {"format": "csv"}).content.decode()
    header, *rows = text.splitlines()
    assert header == (
        "\ufeffquiz,commencée le,terminée le,position,uid,révision,question,juste,score,réponse"
    )
    assert sum(row.endswith(",CustomResourceDefinition") for row in rows) == 2
    assert sum(row.endswith(",kubelet | kube-scheduler") for row in rows) == 2
    assert sum(row.endswith(",Faux") for row in rows) == 2
    assert wrong not in text and "{" not in text


def test_student_detail_shows_a_tampered_response_as_not_readable(classroom, trainer_client):
    cohort, ann, *_ = classroom
    Answer.objects.filter(question__uid="alpha-single-1").update(response={"choice": "0000000000"})
    Answer.objects.filter(question__uid="alpha-multiple-1").update(response=["not", "a", "mapping"])
    Answer.objects.filter(question__uid="alpha-truefalse-1").update(response={"answer": True})
    url = reverse("trainer:report-student", args=[cohort.pk, ann.pk])
    html = trainer_client.get(url).content.decode()
    assert html.count(str(kinds.UNREADABLE)) == 4 and "0000000000" not in html
    text = trainer_client.get(url, {"format": "csv"}).content.decode()
    assert text.count(str(kinds.UNREADABLE)) == 4


def test_student_detail_query_count_does_not_grow_with_the_answers(
    loaded_banks, trainer, trainer_client, user_factory, cohort_factory, django_assert_num_queries
):
    alpha = Quiz.objects.get(slug="alpha")
    student = user_factory()
    cohort = cohort_factory(trainer=trainer, students=[student])
    url = reverse("trainer:report-student", args=[cohort.pk, student.pk])
    for attempts in (1, 6):
        while Attempt.objects.filter(student=student).count() < attempts:
            finished_attempt(student, alpha, scores=[1, 0, 1], finished=NOW - dt.timedelta(hours=1))
        # session, user, trainer's group, cohort (+course), student; attempts (+quiz, section),
        # their answers, the answers' questions, their revisions (each response is rendered
        # from these); attempts and reviews per day; sections, answers and cards by section
        with django_assert_num_queries(14):
            assert trainer_client.get(url).status_code == 200


def test_activity_and_errata(classroom, trainer_client):
    cohort, *_ = classroom
    days = reports.activity(cohort, since=NOW - dt.timedelta(days=29))
    assert sum(d["attempts"] for d in days) == 2
    html = trainer_client.get(reverse("trainer:report-errata", args=[cohort.pk])).content.decode()
    assert "cm est juste." in html and "alpha-single-1" in html


SVG = "{http://www.w3.org/2000/svg}"


def charts_of(html: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)]


def test_activity_charts_label_every_week_and_give_every_value(classroom, trainer_client):
    cohort, *_ = classroom
    days = reports.activity(cohort, since=timezone.now() - dt.timedelta(days=29))
    html = trainer_client.get(reverse("trainer:report-activity", args=[cohort.pk])).content.decode()
    attempts_chart, reviews_chart = charts_of(html)
    titles = [chart.find(f"{SVG}title") for chart in (attempts_chart, reviews_chart)]
    assert [t.text for t in titles] == ["Tentatives de quiz par jour", "Révisions par jour"]
    assert [chart.get("aria-labelledby") for chart in (attempts_chart, reviews_chart)] == [
        t.get("id") for t in titles
    ]
    assert titles[0].get("id") != titles[1].get("id")
    assert attempts_chart.get("role") == "img"
    expected = [(d["day"].strftime("%d/%m"), d["attempts"]) for d in days]
    assert len(expected) == 30
    # each bar has a tooltip with its full date and value
    groups = [g for g in attempts_chart.iter(f"{SVG}g") if g.get("class") == "bar-group"]
    tooltips = [g.find(f"{SVG}title").text for g in groups]
    assert len(tooltips) == 30
    assert all(t.endswith(f" : {n}") for t, (_l, n) in zip(tooltips, expected, strict=True))
    assert tooltips[-1].startswith(date_format(days[-1]["day"], "l j F"))
    # weekly labels, counted back from today, which stays labelled
    labels = [t.text for t in attempts_chart.iter(f"{SVG}text") if t.get("class") == "label"]
    assert labels == [label for label, _n in expected][::-1][::7][::-1]
    # the values in a table that the chart points to
    table_id = attempts_chart.get("aria-describedby")
    rows = re.search(rf'<table class="table" id="{table_id}">(.*?)</table>', html, flags=re.DOTALL).group(1)
    cells = re.findall(r'<td class="num">(\d+)</td>', rows)
    assert cells == [str(n) for _l, n in expected]
    bars = list(attempts_chart.iter(f"{SVG}rect"))
    xs, heights = [float(b.get("x")) for b in bars], [float(b.get("height")) for b in bars]
    assert xs == sorted(xs) and len(set(xs)) == len(bars)
    peak = max(n for _l, n in expected)
    assert peak > 0 and heights == [pytest.approx(max(heights) * n / peak, abs=0.1) for _l, n in expected]
    assert all(
        float(b.get("y")) + h == pytest.approx(float(bars[0].get("y")) + heights[0], abs=0.1)
        for b, h in zip(bars, heights, strict=True)
    )  # every bar stands on the same baseline


def test_csv_cells_that_look_like_formulas_are_neutralised(classroom, trainer_client, user_factory):
    cohort, *_ = classroom
    cohort.enrolments.create(student=user_factory(username="=cmd"))
    text = trainer_client.get(
        reverse("trainer:report-overview", args=[cohort.pk]), {"format": "csv"}
    ).content.decode()
    assert "\r\n'=cmd," in text


# --- permissions: every URL, every role ---------------------------------------------------------


def trainer_urls(cohort, student) -> list[str]:
    return [
        reverse("trainer:cohort-detail", args=[cohort.pk]),
        reverse("trainer:report-overview", args=[cohort.pk]),
        reverse("trainer:report-overview", args=[cohort.pk]) + "?format=csv",
        reverse("trainer:report-heatmap", args=[cohort.pk]),
        reverse("trainer:report-heatmap", args=[cohort.pk]) + "?format=csv",
        reverse("trainer:report-activity", args=[cohort.pk]),
        reverse("trainer:report-activity", args=[cohort.pk]) + "?format=csv",
        reverse("trainer:report-errata", args=[cohort.pk]),
        reverse("trainer:report-errata", args=[cohort.pk]) + "?format=csv",
        reverse("trainer:report-student", args=[cohort.pk, student.pk]),
        reverse("trainer:report-student", args=[cohort.pk, student.pk]) + "?format=csv",
        reverse("trainer:report-items", args=[cohort.pk, "alpha"]),
        reverse("trainer:report-items", args=[cohort.pk, "alpha"]) + "?format=csv",
    ]


def test_a_trainer_of_another_class_gets_404_everywhere(classroom, user_factory, client):
    cohort, ann, *_ = classroom
    client.force_login(user_factory(username="other-trainer", groups=("trainers",)))
    for url in trainer_urls(cohort, ann):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("trainer:student-remove", args=[cohort.pk, ann.pk])).status_code == 404
    assert client.post(reverse("trainer:assignment-add", args=[cohort.pk]), {}).status_code == 404
    assert (
        client.post(
            reverse("trainer:trainer-add", args=[cohort.pk]), {"username": "other-trainer"}
        ).status_code
        == 404
    )
    assert cohort.enrolments.count() == 2


def test_a_student_of_another_class_is_404_even_for_the_right_trainer(
    classroom, trainer_client, user_factory
):
    cohort, *_ = classroom
    outsider = user_factory(username="outsider")
    assert (
        trainer_client.get(reverse("trainer:report-student", args=[cohort.pk, outsider.pk])).status_code
        == 404
    )


def test_students_get_403_on_every_trainer_page(classroom, client):
    cohort, ann, *_ = classroom
    client.force_login(ann)
    for url in [*trainer_urls(cohort, ann), reverse("trainer:cohort-list"), reverse("trainer:cohort-create")]:
        assert client.get(url).status_code == 403, url


def test_anonymous_users_are_sent_to_login(classroom, client):
    cohort, ann, *_ = classroom
    for url in trainer_urls(cohort, ann):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_the_trainer_sees_only_their_classes(classroom, trainer_client, user_factory, cohort_factory):
    cohort, *_ = classroom
    cohort_factory(trainer=user_factory(username="t2", groups=("trainers",)), name="Autre promo")
    html = trainer_client.get(reverse("trainer:cohort-list")).content.decode()
    assert cohort.name in html and "Autre promo" not in html


# --- query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["report-overview", "report-heatmap", "report-activity", "report-errata"])
def test_report_query_counts_do_not_grow_with_the_class(
    loaded_banks, trainer, trainer_client, user_factory, cohort_factory, django_assert_max_num_queries, name
):
    alpha = Quiz.objects.get(slug="alpha")
    counts = []
    for size in (1, 30):
        students = [user_factory() for _ in range(size)]
        cohort = cohort_factory(trainer=trainer, students=students, name=f"size {size}")
        Assignment.objects.create(cohort=cohort, quiz=alpha, opens_at=NOW - dt.timedelta(days=1), due_at=NOW)
        for student in students:
            finished_attempt(student, alpha, scores=[1, 0, 1], finished=NOW - dt.timedelta(hours=1))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        url = reverse(f"trainer:{name}", args=[cohort.pk])
        with CaptureQueriesContext(connection) as ctx:
            assert trainer_client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


# --- item analysis --------------------------------------------------------------------------------


def test_item_analysis_uses_first_last_or_all_attempts(classroom, trainer_client, user_factory):
    from classes import stats

    cohort, ann, bob, alpha = classroom
    finished_attempt(bob, alpha, scores=[0, 0, 1], finished=NOW - dt.timedelta(hours=3))
    test, items = reports.item_analysis(cohort, alpha, which="first")
    expected = stats.analyse(scores=[[1, 0, 0], [0, 0, 1]])
    assert test.attempts == 2 and test.mean == pytest.approx(expected.test.mean)
    assert [i.stats.facility_index for i in items] == [e.facility_index for e in expected.items]
    assert items[0].question.uid == "alpha-single-1" and items[0].stats.random_guess_score == pytest.approx(
        100 / 3
    )
    last, _items = reports.item_analysis(cohort, alpha, which="last")
    assert last.mean == pytest.approx(stats.analyse(scores=[[1, 1, 1], [0, 0, 1]]).test.mean)
    every, _items = reports.item_analysis(cohort, alpha, which="all")
    assert every.attempts == 3


def test_item_analysis_counts_the_choices_picked(classroom, trainer_client):
    cohort, ann, bob, alpha = classroom
    question = Question.objects.get(uid="alpha-single-1")
    right = next(c["key"] for c in question.current_revision.spec["choices"] if c["correct"])
    for answer in Answer.objects.filter(question=question):  # saved, so that `picked` follows
        answer.response = {"choice": right}
        answer.save()
    _test, items = reports.item_analysis(cohort, alpha, which="all")
    counts = {c["text"]: c["count"] for c in items[0].choices}
    assert counts == {"ConfigMap": 2, "CustomResourceDefinition": 0, "ClusterRole": 0}
    multiple = Question.objects.get(uid="alpha-multiple-1")
    kubelet, cri, scheduler, _etcd = (c["key"] for c in multiple.current_revision.spec["choices"])
    first, second = Answer.objects.filter(question=multiple).order_by("pk")
    first.response, second.response = {"choices": [kubelet, cri]}, {"choices": [scheduler, kubelet]}
    first.save()
    second.save()
    _test, items = reports.item_analysis(cohort, alpha, which="all")
    ticked = {c["text"]: c["count"] for item in items if item.question == multiple for c in item.choices}
    assert ticked == {"kubelet": 2, "un runtime CRI": 1, "kube-scheduler": 1, "etcd": 0}
    url = reverse("trainer:report-items", args=[cohort.pk, "alpha"])
    html = trainer_client.get(url, {"attempts": "all"}).content.decode()
    assert "Indice de facilité" in html
    # Questions are named by their prompt; the uid follows, secondary.
    assert (
        '<span class="prompt">Quelle ressource désigne cm ?</span> <code class="uid">alpha-single-1</code>'
        in html
    )
    # Two attempts: too few to judge, said instead of flags.
    assert html.count("n = 2 : trop peu de tentatives pour juger") == 3
    assert 'class="flag"' not in html
    text = trainer_client.get(url, {"format": "csv"}).content.decode()
    assert text.startswith(
        "\ufeffuid,question,tentatives,indice de facilité %,écart type %,score au hasard %,"
        "indice de discrimination %,efficacité discriminante %"
    )
    assert trainer_client.get(url, {"attempts": "bogus"}).status_code == 200


def test_item_analysis_permissions_and_unknown_quiz(classroom, trainer_client, user_factory, client):
    cohort, ann, *_ = classroom
    url = reverse("trainer:report-items", args=[cohort.pk, "alpha"])
    assert trainer_client.get(reverse("trainer:report-items", args=[cohort.pk, "nope"])).status_code == 404
    client.force_login(user_factory(username="t3", groups=("trainers",)))
    assert client.get(url).status_code == 404
    client.force_login(ann)
    assert client.get(url).status_code == 403


def test_item_analysis_query_count_does_not_grow(
    loaded_banks, trainer, trainer_client, user_factory, cohort_factory
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    alpha = Quiz.objects.get(slug="alpha")
    counts = []
    for size in (1, 30):
        students = [user_factory() for _ in range(size)]
        cohort = cohort_factory(trainer=trainer, students=students, name=f"n{size}")
        for student in students:
            finished_attempt(student, alpha, scores=[1, 0, 1], finished=NOW - dt.timedelta(hours=2))
            finished_attempt(student, alpha, scores=[1, 1, 1], finished=NOW - dt.timedelta(hours=1))
        with CaptureQueriesContext(connection) as ctx:
            trainer_client.get(reverse("trainer:report-items", args=[cohort.pk, "alpha"]))
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_item_analysis_flags_a_wrong_key_until_the_question_is_regraded(
    loaded_banks, trainer, user_factory, cohort_factory
):
    from quizzes.regrade import answers_regrade
    from tests.quizzes.helpers import set_key, take_quiz

    question = Question.objects.get(uid="alpha-single-1")
    set_key(question, "ClusterRole")  # the key is wrong: ConfigMap is right
    strong = [user_factory(username=f"strong{n}") for n in range(4)]
    middle = [user_factory(username=f"middle{n}") for n in range(2)]
    weak = [user_factory(username=f"weak{n}") for n in range(4)]
    cohort = cohort_factory(trainer=trainer, students=strong + middle + weak)
    alpha = Quiz.objects.get(slug="alpha")
    for student in strong:
        take_quiz(student, "alpha", pick="ConfigMap", others_right=True)
    for student in middle:
        take_quiz(student, "alpha", pick="ConfigMap", others_right=False)
    for student in weak:
        take_quiz(student, "alpha", pick="ClusterRole", others_right=False)

    def single_choice_row():
        _test, items = reports.item_analysis(cohort, alpha, which="all")
        return next(item for item in items if item.question == question)

    # Those who did well on the rest did worse here: the report says to check the expected answer.
    assert stats.NEGATIVE_DISCRIMINATION in single_choice_row().stats.flags
    set_key(question, "ConfigMap")  # fixed, but the past answers keep the wrong key's scores
    assert stats.NEGATIVE_DISCRIMINATION in single_choice_row().stats.flags

    answers_regrade(question=question, user=None, dry_run=False)
    row = single_choice_row()
    assert row.stats.flags == ()
    assert row.stats.facility_index == pytest.approx(60.0)
    # the ✓ is beside the choice picked by exactly those the scores count right
    ticked = {c["text"]: (c["count"], c["correct"]) for c in row.choices}
    assert ticked == {
        "ConfigMap": (6, True),
        "CustomResourceDefinition": (0, False),
        "ClusterRole": (4, False),
    }
    right = Answer.objects.filter(question=question, correct=True).count()
    assert right == sum(count for count, correct in ticked.values() if correct)


def test_the_weakest_topic_is_not_named_on_two_answers():
    """Two wrong answers of two make 0 %, a share that says little: that topic is judged on its
    predicted recall until the class has given MIN_ANSWERS_TO_RANK answers there."""
    few = reports.HeatCell(answers=2, correct=0, cards=8, recall=0.95)
    many = reports.HeatCell(answers=reports.MIN_ANSWERS_TO_RANK, correct=6, cards=8, recall=0.9)
    assert reports.class_weakest([("k3s", few), ("resources", many)])[0] == "resources"
    enough = reports.HeatCell(answers=reports.MIN_ANSWERS_TO_RANK, correct=0, cards=8, recall=0.95)
    assert reports.class_weakest([("k3s", enough), ("resources", many)])[0] == "k3s"
    assert (
        reports.class_weakest([("k3s", reports.HeatCell(answers=1, correct=0, cards=0, recall=None))]) is None
    )
