"""Time the key pages on a seeded database through the Django test client.

Run by bench/run.py (one process per database and scale):
    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=... python bench/measure.py --out pages.json

For each page: a few warm-up requests, then up to --repeat timed requests (at most --page-seconds
each page), each one a full request through the middleware and the view as the client sends it
(server time in process: no network, no gunicorn); then one more request under
CaptureQueriesContext for the query count. Writes use fresh state for every request (a fresh
review token on the next due card, the next unanswered question of an attempt).
Also writes the plan of the load test: sessions of simulated students and their answer forms.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, F  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from course.models import Section  # noqa: E402
from classes.models import Cohort  # noqa: E402
from quizzes import attempts, kinds  # noqa: E402
from review import progress, cards as review  # noqa: E402
from classes import reports  # noqa: E402
from bench.management.commands import seed_school  # noqa: E402
from bench.management.commands.seed_school import CARD_COLUMNS, answer_form, raw_insert  # noqa: E402
from quizzes.models import Answer, Attempt, Question, Quiz, Revision  # noqa: E402
from review.models import Card  # noqa: E402

HTMX = {"HTTP_HX_REQUEST": "true"}


class Rollback(Exception):
    """Raised to undo a variant's changes to the database."""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


class Bench:
    """Times pages; before each timed request it times one baseline request (paired samples), so
    a page's ratio to the baseline compares requests made at the same moment of the run."""

    def __init__(self, *, repeat: int, warmup: int, page_seconds: float) -> None:
        self.repeat, self.warmup, self.page_seconds = repeat, warmup, page_seconds
        self.results: list[dict] = []
        self.components: list[dict] = []
        self.baseline: Callable[[], HttpResponse] | None = None

    def page(
        self,
        name: str,
        prepare: Callable[[], Callable[[], HttpResponse] | None],
        *,
        expect: int,
        group: str,
        note: str = "",
        target: str = "",
        profile: bool = True,
    ) -> dict:
        """Time `prepare()()` (prepare is untimed; the callable it returns sends the request)."""
        samples: list[float] = []
        paired: list[float] = []
        error = ""
        gc.collect()
        started = time.perf_counter()
        for i in range(self.warmup + self.repeat):
            send = prepare()
            if send is None:
                error = "ran out of fresh state (no card or attempt to use)"
                break
            if self.baseline is not None and i >= self.warmup:
                t0 = time.perf_counter()
                self.baseline()
                paired.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            response = send()
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status_code != expect:
                error = f"status {response.status_code}, expected {expect}"
                break
            if i >= self.warmup:
                samples.append(elapsed)
                if time.perf_counter() - started > self.page_seconds and len(samples) >= 5:
                    break
        queries = None
        if not error:
            send = prepare()
            if send is not None:
                with CaptureQueriesContext(connection) as captured:
                    response = send()
                queries = len(captured.captured_queries)
                if response.status_code != expect:
                    error = f"status {response.status_code} in the query count run"
        result = {
            "page": name,
            "group": group,
            "n": len(samples),
            "note": note,
            "target": target,
            "median_ms": round(statistics.median(samples), 2) if samples else None,
            "p95_ms": round(percentile(samples, 0.95), 2) if samples else None,
            "min_ms": round(min(samples), 2) if samples else None,
            "mean_ms": round(statistics.fmean(samples), 2) if samples else None,
            "queries": queries,
            "error": error,
            "baseline_median_ms": round(statistics.median(paired), 2) if paired else None,
            "profile": None,
        }
        if profile and not error:
            send = prepare()
            if send is not None:
                result["profile"] = profile_request(send)
        self.results.append(result)
        shown = f"{result['median_ms']:8.2f} ms median, p95 {result['p95_ms']:8.2f}" if samples else "   -"
        print(f"  {name:<46} {shown}  q={queries}  n={len(samples)} {error}", file=sys.stderr, flush=True)
        return result

    def component(self, page: str, name: str, call: Callable[[], object], *, runs: int = 3) -> None:
        """Time one function behind a page directly (where a slow page spends its time)."""
        call()
        values = []
        for _ in range(runs):
            t0 = time.perf_counter()
            call()
            values.append((time.perf_counter() - t0) * 1000)
        self.components.append(
            {"page": page, "component": name, "median_ms": round(statistics.median(values), 2)}
        )


def profile_request(send: Callable[[], HttpResponse], top: int = 5) -> dict:
    """Where one request spends its time (under cProfile, so as shares): SQL (executing and
    fetching), template rendering, and the project's functions with the most cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    send()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(tt for _cc, _nc, tt, _ct, _callers in stats.values()) or 1e-9
    sql = template = 0.0
    own = []
    root = str(ROOT) + os.sep
    for (filename, _line, function), (_cc, _nc, _tt, ct, _callers) in stats.items():
        if (
            filename.endswith(os.path.join("django", "db", "backends", "utils.py"))
            and function
            in {
                "_execute",
                "_executemany",
            }
            or function.startswith("<method 'fetch")
            or (function in {"fetchmany", "fetchall", "fetchone"} and "psycopg" in filename)
        ):
            sql += ct
        elif (
            filename.endswith(os.path.join("django", "template", "backends", "django.py"))
            and function == "render"
        ):
            template += ct
        elif (
            filename.startswith(root)
            and not filename.startswith(root + "bench")
            and ".venv" not in filename
            and function not in {"wrapper", "<lambda>", "<module>", "<genexpr>", "<listcomp>"}
        ):
            own.append((ct, f"{os.path.relpath(filename, ROOT)}:{function}"))
    own.sort(reverse=True)
    share = lambda value: round(100 * min(value, total) / total)  # noqa: E731
    return {
        "sql_pct": share(sql),
        "template_pct": share(template),
        "top": [{"function": name, "pct": share(ct)} for ct, name in own[:top]],
    }


def form_post(client: Client, url: str, data: dict, **extra) -> Callable[[], HttpResponse]:
    """What sends a form the way browsers and htmx do (URL-encoded), not as the test client's
    default multipart body, which costs the server more to parse."""
    body = urlencode(data, doseq=True)
    return lambda: client.post(url, body, content_type="application/x-www-form-urlencoded", **extra)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--load-plan", type=Path, help="also write the load test's plan here")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--page-seconds", type=float, default=15.0)
    parser.add_argument("--scale", type=float, default=1.0, help="the scale the database was seeded at")
    args = parser.parse_args()
    rng = random.Random(7)
    bench = Bench(repeat=args.repeat, warmup=args.warmup, page_seconds=args.page_seconds)

    student = User.objects.get(username=seed_school.BENCH_STUDENT)
    trainer = User.objects.get(username=seed_school.BENCH_TRAINER)
    heat = Cohort.objects.get(name=seed_school.HEATMAP_COHORT)
    school = Cohort.objects.get(name=seed_school.SCHOOL_COHORT)
    assessment = school.assignments.select_related("quiz").get().quiz
    taker = User.objects.filter(enrolments__cohort=heat).order_by("username").first()
    facts = {
        "bench_student_cards": Card.objects.filter(student=student).count(),
        "bench_student_due_now": Card.objects.filter(
            student=student, last_review__isnull=False, due__lte=timezone.now()
        ).count(),
        "heatmap_cohort_students": heat.enrolments.count(),
        "heatmap_cohort_cards": Card.objects.filter(student__enrolments__cohort=heat).count(),
        "cards_total": Card.objects.count(),
        "sections": Section.objects.filter(course=heat.course).count(),
        "item_analysis_quiz": assessment.slug,
        "item_analysis_questions": assessment.items.count(),
        "item_analysis_first_attempts": reports.analysed_attempts(school, assessment, "first").count(),
        "database": connection.vendor,
    }
    print(f"  facts: {facts}", file=sys.stderr, flush=True)

    student_client, trainer_client, taker_client = logged_in(student), logged_in(trainer), logged_in(taker)
    baseline_url = reverse("bench-baseline")

    def get(client: Client, url: str, **extra) -> Callable[[], Callable[[], HttpResponse]]:
        return lambda: lambda: client.get(url, **extra)

    def baseline(label: str) -> dict:
        return bench.page(
            label,
            get(student_client, baseline_url),
            expect=200,
            group="baseline",
            note="reads one row by an index, writes one row",
        )

    baseline("baseline")
    bench.baseline = lambda: student_client.get(baseline_url)

    # --- student pages -------------------------------------------------------------------------
    attempt = attempts.attempt_start(student=taker, quiz=assessment)
    position = attempts.answered_count(attempt)
    question_url = reverse("quizzes:attempt-question", args=[attempt.pk, position + 1])
    bench.page(
        "quiz question (GET)",
        get(taker_client, question_url),
        expect=200,
        group="student",
        target="2x",
        note=f"{assessment.slug}, question {position + 1}",
    )
    bench.page(
        "student home (GET /quizzes/)",
        get(taker_client, reverse("home")),
        expect=200,
        group="student",
        target="2x",
    )
    bench.page(
        "review next card (GET /review/)",
        get(student_client, reverse("review:session")),
        expect=200,
        group="student",
        target="2x",
        note=f"bench student, {facts['bench_student_cards']} cards",
    )
    bench.page(
        "review progress (GET /review/progress/)",
        get(student_client, reverse("review:progress")),
        expect=200,
        group="student",
        target="2x",
    )

    # --- trainer reports (read only) -------------------------------------------------------------
    overview_url = reverse("trainer:report-overview", args=[heat.pk])
    items_url = reverse("trainer:report-items", args=[school.pk, assessment.slug])
    heatmap_url = reverse("trainer:report-heatmap", args=[heat.pk])
    bench.page(
        "trainer overview",
        get(trainer_client, overview_url),
        expect=200,
        group="report",
        note=f"{facts['heatmap_cohort_students']} students",
    )
    bench.page(
        "item analysis",
        get(trainer_client, items_url),
        expect=200,
        group="report",
        target="300ms",
        note=f"{facts['item_analysis_questions']} questions, "
        f"{facts['item_analysis_first_attempts']} first attempts",
    )
    bench.page(
        "heatmap, 16 sections",
        get(trainer_client, heatmap_url),
        expect=200,
        group="report",
        target="200ms",
        note=f"{facts['heatmap_cohort_students']} students, "
        f"{facts['heatmap_cohort_cards']} cards in the class",
    )
    bench.page(
        "CSV export: overview",
        get(trainer_client, overview_url, data={"format": "csv"}),
        expect=200,
        group="report",
    )
    bench.page(
        "CSV export: item analysis",
        get(trainer_client, items_url, data={"format": "csv"}),
        expect=200,
        group="report",
    )
    heatmap_variants(bench, trainer_client, heat, heatmap_url, scale=args.scale, rng=rng)

    # --- writes ------------------------------------------------------------------------------------
    state = {"attempt": attempt}

    def next_answer(*, htmx: bool) -> Callable[[], HttpResponse]:
        current = Attempt.objects.get(pk=state["attempt"].pk)
        done = attempts.answered_count(current)
        if done >= current.total:
            attempts.attempt_finish(attempt=current)
            current = attempts.attempt_start(student=taker, quiz=assessment)
            done = 0
        state["attempt"] = current
        question = Question.objects.select_related("current_revision").get(pk=current.question_ids[done])
        form = answer_form(
            kind=question.kind,
            spec=question.current_revision.spec,
            right=rng.random() < 0.6,
            variant=rng.randrange(3),
        )
        data = {**form, "revision": [str(question.current_revision_id)]}
        url = reverse("quizzes:attempt-question", args=[current.pk, done + 1])
        extra = HTMX if htmx else {}
        return form_post(taker_client, url, data, **extra)

    bench.page(
        "answer (POST, htmx: feedback card)",
        lambda: next_answer(htmx=True),
        expect=200,
        group="student",
        target="2x",
        note="fresh question each time",
    )
    bench.page(
        "answer (POST, plain: redirect)",
        lambda: next_answer(htmx=False),
        expect=302,
        group="student",
        target="2x",
    )

    def next_rating(*, htmx: bool) -> Callable[[], HttpResponse] | None:
        now = timezone.now()
        queue = review.next_card(student=student, now=now)
        if queue.card is None:
            return None
        token = review.card_token(queue.card, shown_at=now - timezone.timedelta(seconds=9))
        url = reverse("review:card-rate", args=[queue.card.pk])
        data = {"rating": str(rng.choice([1, 2, 3, 3, 3, 4])), "token": token}
        extra = HTMX if htmx else {}
        return form_post(student_client, url, data, **extra)

    bench.page(
        "review rating (POST, plain: redirect)",
        lambda: next_rating(htmx=False),
        expect=302,
        group="student",
        target="2x",
        note="fresh token on the next due card",
    )
    bench.page(
        "review rating (POST, htmx: next card)",
        lambda: next_rating(htmx=True),
        expect=200,
        group="student",
        target="2x",
    )
    bench.baseline = None
    baseline("baseline (again, at the end)")
    components(bench, student=student, school=school, heat=heat, assessment=assessment)

    out = {"facts": facts, "pages": bench.results, "components": bench.components}
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    if args.load_plan:
        args.load_plan.write_text(json.dumps(load_plan(heat, student), indent=1))


def components(bench: Bench, *, student: User, school: Cohort, heat: Cohort, assessment: Quiz) -> None:
    """The functions behind the pages, timed one by one, to say where the time goes."""
    from classes import stats

    now = timezone.now()
    prefs = review.settings_for(student)
    tz = prefs.time_zone
    page = "review progress (GET /review/progress/)"
    bench.component(
        page,
        "progress.figures (from the snapshot)",
        lambda: progress.figures(student=student, now=now, prefs=prefs),
    )
    bench.component(
        page,
        "progress.card_progress (a rebuild's pass over the cards)",
        lambda: progress.card_progress(
            student=student, now=now, tz=tz, desired_retention=prefs.desired_retention
        ),
    )
    bench.component(page, "progress.day_figures", lambda: progress.day_figures(student=student, now=now, tz=tz))
    bench.component(
        "review next card (GET /review/)",
        "review.next_card",
        lambda: review.next_card(student=student, now=now, prefs=prefs),
    )
    page = "item analysis"
    bench.component(page, "reports.item_analysis (whole)", lambda: reports.item_analysis(school, assessment))
    rows = reports.analysed_attempts(school, assessment, "first")
    bench.component(
        page,
        "fetch answers with responses (JSON decoded)",
        lambda: list(
            Answer.objects.filter(attempt__in=rows).values_list(
                "attempt_id", "question_id", "score", "response"
            )
        ),
    )
    bench.component(
        page,
        "fetch the score matrix (attempt, question, score)",
        lambda: list(
            Answer.objects.filter(attempt__in=rows).values_list("attempt_id", "question_id", "score")
        ),
    )
    matrix: dict[int, dict[int, float]] = {}
    for attempt_id, question_id, score in Answer.objects.filter(attempt__in=rows).values_list(
        "attempt_id", "question_id", "score"
    ):
        matrix.setdefault(attempt_id, {})[question_id] = score
    keys = sorted({q for row in matrix.values() for q in row})
    scores = [[row.get(k) for k in keys] for row in matrix.values()]
    bench.component(
        page,
        "stats.analyse (pure formulas)",
        lambda: stats.analyse(
            scores=scores, keys=[str(k) for k in keys], random_guess_fractions=[0.0] * len(keys)
        ),
    )
    bench.component("heatmap, 16 sections", "reports.heatmap", lambda: reports.heatmap(heat, at=now))
    bench.component("trainer overview", "reports.overview", lambda: reports.overview(heat, now=now))


def heatmap_variants(
    bench: Bench, client: Client, cohort: Cohort, url: str, *, scale: float, rng: random.Random
) -> None:
    """The [R5] case, 40 students x 24 sections: the course has 16, so 8 are added for the bench
    and the questions spread over the 24 (each question stays in one section), then, denser, the
    class's students get 2,500 cards each (100,000 at scale 1.0) with states copied from seeded
    cards (scheduler output). Both inside a transaction that is rolled back."""
    sections = list(Section.objects.filter(course=cohort.course).order_by("position"))
    students = list(User.objects.filter(enrolments__cohort=cohort).values_list("pk", flat=True))
    try:
        with transaction.atomic():
            top = sections[-1].position
            for n in range(1, 24 - len(sections) + 1):
                sections.append(
                    Section.objects.create(
                        course=cohort.course,
                        slug=f"bench-extra-{n}",
                        position=top + n,
                        title=f"Section ajoutée {n}",
                    )
                )
            ids = list(Question.objects.order_by("pk").values_list("pk", flat=True))
            for index, section in enumerate(sections):
                Question.objects.filter(pk__in=ids[index :: len(sections)]).update(section=section)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE quizzes_question")
            existing = Card.objects.filter(student__enrolments__cohort=cohort).count()
            bench.page(
                "heatmap, 24 sections",
                get_page(client, url),
                expect=200,
                group="report",
                target="200ms",
                note=f"{len(students)} students, {existing} cards in the class (8 sections added)",
            )
            per_student = round(2500 * scale)
            needed = per_student - len(ids)
            if needed > 0:  # Card is unique per (student, question): more questions for more cards
                Question.objects.bulk_create(
                    Question(
                        uid=f"bench-dense-{n}",
                        section=sections[n % len(sections)],
                        kind="single",
                        tags=["bench-dense"],
                        position=5000 + n,
                    )
                    for n in range(needed)
                )
                ids = list(Question.objects.order_by("pk").values_list("pk", flat=True))
            states = list(
                Card.objects.filter(last_review__isnull=False)
                .order_by("?")
                .values_list("state", "step", "stability", "difficulty", "due", "last_review")[:5000]
            )
            have = set(Card.objects.filter(student_id__in=students).values_list("student_id", "question_id"))
            times = seed_school.Times(connection.vendor)
            rows = []
            for pk in students:
                for question in rng.sample(ids, per_student):
                    if (pk, question) in have:
                        continue
                    s, step, stability, difficulty, due, last = rng.choice(states)
                    rows.append(
                        (
                            pk,
                            question,
                            s,
                            step,
                            stability,
                            difficulty,
                            times.db(int(due.timestamp())),
                            times.db(int(last.timestamp())),
                            1,
                            1,
                            times.db(int(last.timestamp())),
                        )
                    )
            raw_insert(
                Card,
                CARD_COLUMNS,
                rows,
            )
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE quizzes_card")
            dense = Card.objects.filter(student__enrolments__cohort=cohort).count()
            bench.page(
                "heatmap, 24 sections, dense class",
                get_page(client, url),
                expect=200,
                group="report",
                target="200ms",
                note=f"{len(students)} students, {dense} cards in the class",
            )
            raise Rollback
    except Rollback:
        pass


def get_page(client: Client, url: str) -> Callable[[], Callable[[], HttpResponse]]:
    return lambda: lambda: client.get(url)


def load_plan(heat: Cohort, bench_student: User) -> dict:
    """Sessions for the load test's simulated students, and a right and a wrong form per question."""
    quizzes = {}
    for quiz in Quiz.objects.filter(kind=Quiz.Kind.SECTION).order_by("position"):
        n = quiz.items.filter(question__active=True).exclude(question__kind__in=kinds.UNGRADED_KINDS).count()
        if n:
            quizzes[quiz.slug] = n
    forms = {}
    current = Revision.objects.filter(question__active=True, question__current_revision=F("pk"))
    for revision in current.select_related("question"):
        if not kinds.is_graded(revision.question.kind):
            continue
        forms[str(revision.pk)] = [
            answer_form(kind=revision.question.kind, spec=revision.spec, right=right)
            for right in (True, False)
        ]
    now = timezone.now()
    reviewers = [bench_student] + list(
        User.objects.filter(
            username__startswith="student", cards__last_review__isnull=False, cards__due__lte=now
        )
        .annotate(due=Count("cards"))
        .order_by("-due")[:60]
    )
    # Quiz takers: other students (two threads never share one: a shared attempt would skip
    # questions), outside the measured class first.
    others = User.objects.filter(username__startswith="student").exclude(pk__in=[u.pk for u in reviewers])
    takers = list(others.exclude(enrolments__cohort=heat).order_by("username")[:40])
    takers += list(others.filter(enrolments__cohort=heat).order_by("username")[: 40 - len(takers)])
    cookie = settings.SESSION_COOKIE_NAME

    def session(user: User) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies[cookie].value

    return {
        "cookie": cookie,
        "quizzes": quizzes,
        "forms": forms,
        "takers": [session(u) for u in takers],
        "reviewers": [session(u) for u in reviewers],
        "baseline": reverse("bench-baseline"),
    }


if __name__ == "__main__":
    main()
