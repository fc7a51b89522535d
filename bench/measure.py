"""Time the key pages on a seeded database through the Django test client.

Run by bench/run.py (one process per database and scale):
    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=... python bench/measure.py --out pages.json

For each page: a few warm-up requests, then up to --repeat timed requests (at most --page-seconds
each page), each one a full request through the middleware and the view as the client sends it
(server time in process: no network, no gunicorn); then one more request under
CaptureQueriesContext for the query count. Writes use fresh state for every request (the card
the review page shows with its token, the next unanswered question of an attempt), found through
the app's URLs as a browser would: this script reaches into no view's helpers, so that rewriting
them never breaks it. The functions timed directly ("where the time goes") are looked up by name,
and those gone are listed as not timed.
Also writes the plan of the load test (bench/locustfile.py): sessions of the seeded students and
trainers, answer forms, report URLs.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.management.commands import seed_school  # noqa: E402
from bench.management.commands.seed_school import CARD_COLUMNS, answer_form, raw_insert  # noqa: E402
from classes import reports  # noqa: E402
from classes.models import Assignment, Cohort, Enrolment  # noqa: E402
from course.models import Section  # noqa: E402
from quizzes import kinds  # noqa: E402
from quizzes.models import Answer, Question, Quiz, Revision  # noqa: E402
from review import progress  # noqa: E402
from review.models import Card, ReviewSettings  # noqa: E402

HTMX = {"HTTP_HX_REQUEST": "true"}
# [R9]: every student page within 4x the one-row baseline (was 2x in [R3], [R7]).
STUDENT_TARGET = "4x"
ATTEMPT_PATH = re.compile(r"/attempts/(\d+)/$")
QUESTION_PATH = re.compile(r"/attempts/(\d+)/q/(\d+)/$")
REVISION_FIELD = re.compile(r'name="revision" value="(\d+)"')
CARD_FORM = re.compile(r'action="/review/cards/(\d+)/(?:answer|reveal|rate)/"')
TOKEN_FIELD = re.compile(r'name="token" value="([^"]+)"')


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
        self.skipped: list[dict] = []
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

    def skip(self, page: str, name: str, reason: str) -> None:
        """A component that is not timed any more, and why."""
        self.skipped.append({"page": page, "component": name, "reason": reason})
        print(f"  (not timed: {name}: {reason})", file=sys.stderr, flush=True)


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


class QuizFlow:
    """The taker's attempt at a quiz, driven through the app's URLs only (as a browser would):
    the start URL opens the running attempt or a new one, the attempt's URL redirects to its first
    unanswered question, and a finished attempt makes room for a new one."""

    def __init__(self, client: Client, slug: str) -> None:
        self.client = client
        self.start_url = reverse("quizzes:quiz-start", args=[slug])

    def unanswered(self) -> tuple[str, str]:
        """(URL, revision id) of the next unanswered question."""
        for _ in range(3):
            response = self.client.post(self.start_url)
            if response.status_code != 302:
                raise RuntimeError(f"quiz start: status {response.status_code}")
            attempt_url = response["Location"]
            response = self.client.get(attempt_url)
            location = response.get("Location", "")
            if QUESTION_PATH.search(location):
                found = REVISION_FIELD.search(self.client.get(location).content.decode())
                if found:
                    return location, found.group(1)
            # Every question answered: finish, and the next start opens a new attempt.
            pk = int(ATTEMPT_PATH.search(attempt_url).group(1))
            self.client.post(reverse("quizzes:attempt-finish", args=[pk]))
        raise RuntimeError("no unanswered question after starting a new attempt")


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
        "item_analysis_first_attempts": (
            reports.analysed_attempts(school, assessment, "first").count()
            if hasattr(reports, "analysed_attempts")
            else None
        ),
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
    flow = QuizFlow(taker_client, assessment.slug)
    question_url, _revision = flow.unanswered()
    bench.page(
        "quiz question (GET)",
        get(taker_client, question_url),
        expect=200,
        group="student",
        target=STUDENT_TARGET,
        note=f"{assessment.slug}, question {QUESTION_PATH.search(question_url).group(2)}",
    )
    bench.page(
        "student home (GET /quizzes/)",
        get(taker_client, reverse("home")),
        expect=200,
        group="student",
        target=STUDENT_TARGET,
    )
    bench.page(
        "review next card (GET /review/)",
        get(student_client, reverse("review:session")),
        expect=200,
        group="student",
        target=STUDENT_TARGET,
        note=f"bench student, {facts['bench_student_cards']} cards",
    )
    bench.page(
        "review progress (GET /review/progress/)",
        get(student_client, reverse("review:progress")),
        expect=200,
        group="student",
        target=STUDENT_TARGET,
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
    def next_answer(*, htmx: bool) -> Callable[[], HttpResponse]:
        url, revision_id = flow.unanswered()
        revision = Revision.objects.select_related("question").get(pk=revision_id)
        form = answer_form(
            kind=revision.question.kind,
            spec=revision.spec,
            right=rng.random() < 0.6,
            variant=rng.randrange(3),
        )
        data = {**form, "revision": [revision_id]}
        extra = HTMX if htmx else {}
        return form_post(taker_client, url, data, **extra)

    bench.page(
        "answer (POST, htmx: feedback card)",
        lambda: next_answer(htmx=True),
        expect=200,
        group="student",
        target=STUDENT_TARGET,
        note="fresh question each time",
    )
    bench.page(
        "answer (POST, plain: redirect)",
        lambda: next_answer(htmx=False),
        expect=302,
        group="student",
        target=STUDENT_TARGET,
    )

    session_url = reverse("review:session")

    def next_rating(*, htmx: bool) -> Callable[[], HttpResponse] | None:
        """Rate the card the review page shows, with the token of that page."""
        page = student_client.get(session_url).content.decode()
        card, token = CARD_FORM.search(page), TOKEN_FIELD.search(page)
        if card is None or token is None:
            return None
        url = reverse("review:card-rate", args=[int(card.group(1))])
        data = {"rating": str(rng.choice([1, 2, 3, 3, 3, 4])), "token": token.group(1)}
        extra = HTMX if htmx else {}
        return form_post(student_client, url, data, **extra)

    bench.page(
        "review rating (POST, plain: redirect)",
        lambda: next_rating(htmx=False),
        expect=302,
        group="student",
        target=STUDENT_TARGET,
        note="the card the review page shows, with its token",
    )
    bench.page(
        "review rating (POST, htmx: next card)",
        lambda: next_rating(htmx=True),
        expect=200,
        group="student",
        target=STUDENT_TARGET,
    )
    bench.baseline = None
    baseline("baseline (again, at the end)")
    components(bench, student=student, school=school, heat=heat, assessment=assessment)

    out = {
        "facts": facts,
        "pages": bench.results,
        "components": bench.components,
        "components_skipped": bench.skipped,
    }
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    if args.load_plan:
        args.load_plan.write_text(json.dumps(load_plan(school)))


def components(bench: Bench, *, student: User, school: Cohort, heat: Cohort, assessment: Quiz) -> None:
    """The functions behind the pages, timed one by one, to say where the time goes.

    Only entry points that outlive a rewrite of their module are timed (progress.figures and
    progress.day_figures, the trainer reports, plain ORM reads); each is looked up by name, and one
    that no longer exists, or no longer takes these arguments, is listed as skipped, not timed."""
    from classes import stats
    from review import cards as review_cards

    now = timezone.now()
    settings_for = getattr(review_cards, "settings_for", None)
    prefs = settings_for(student) if settings_for else ReviewSettings.objects.get(student=student)
    tz = prefs.time_zone

    def timed(page: str, label: str, module, name: str, call: Callable[[Callable], object]) -> None:
        function = getattr(module, name, None)
        if function is None:
            bench.skip(page, label, f"{module.__name__}.{name} no longer exists")
            return
        try:
            bench.component(page, label, lambda: call(function))
        except Exception as error:  # a changed signature, say: say so, time the rest
            bench.skip(page, label, f"{type(error).__name__}: {error}")

    page = "review progress (GET /review/progress/)"
    timed(page, "progress.figures", progress, "figures", lambda f: f(student=student, now=now, prefs=prefs))
    timed(page, "progress.day_figures", progress, "day_figures", lambda f: f(student=student, now=now, tz=tz))
    page = "item analysis"
    timed(page, "reports.item_analysis (whole)", reports, "item_analysis", lambda f: f(school, assessment))
    if hasattr(reports, "analysed_attempts"):
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
        timed(
            page,
            "stats.analyse (pure formulas)",
            stats,
            "analyse",
            lambda f: f(scores=scores, keys=[str(k) for k in keys], random_guess_fractions=[0.0] * len(keys)),
        )
    else:
        bench.skip(page, "answer fetches", "reports.analysed_attempts no longer exists")
    timed("heatmap, 16 sections", "reports.heatmap", reports, "heatmap", lambda f: f(heat, at=now))
    timed("trainer overview", "reports.overview", reports, "overview", lambda f: f(heat, now=now))


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
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(Question._meta.db_table)}")
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
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(Card._meta.db_table)}")
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


def load_plan(school: Cohort) -> dict:
    """What bench/locustfile.py needs, so that it needs no Django: a signed-in session for every
    seeded student (with the section quizzes their cohort was assigned) and trainer (with their
    cohorts' report URLs), a right and a wrong form per current revision of a graded question,
    and the current revision behind each student's card (to answer a graded card in review)."""
    takeable = {
        quiz.slug
        for quiz in Quiz.objects.filter(kind=Quiz.Kind.SECTION)
        if quiz.items.filter(question__active=True).exclude(question__kind__in=kinds.UNGRADED_KINDS).exists()
    }
    assigned: dict[int, list[str]] = {}
    all_assigned: dict[int, list[str]] = {}
    for cohort_id, slug in (
        Assignment.objects.exclude(cohort=school).order_by("pk").values_list("cohort_id", "quiz__slug")
    ):
        all_assigned.setdefault(cohort_id, []).append(slug)
        if slug in takeable:
            assigned.setdefault(cohort_id, []).append(slug)
    cohort_of = dict(
        Enrolment.objects.exclude(cohort=school).order_by("pk").values_list("student_id", "cohort_id")
    )
    forms = {}
    current = Revision.objects.filter(question__active=True, question__current_revision=F("pk"))
    for revision in current.select_related("question"):
        if not kinds.is_graded(revision.question.kind):
            continue
        forms[str(revision.pk)] = [
            answer_form(kind=revision.question.kind, spec=revision.spec, right=right)
            for right in (True, False)
        ]
    students = list(User.objects.filter(username__startswith="student").order_by("username"))
    trainers = list(User.objects.filter(username__startswith="trainer").order_by("username"))
    cards = {
        str(card): str(revision)
        for card, revision in Card.objects.filter(student__username__startswith="student").values_list(
            "pk", "question__current_revision_id"
        )
        if str(revision) in forms
    }
    engine = import_module(settings.SESSION_ENGINE)
    backend = settings.AUTHENTICATION_BACKENDS[0]

    def session(user: User) -> str:
        """A session as logging in leaves it (made here: the password hasher is not under test)."""
        store = engine.SessionStore()
        store[SESSION_KEY] = user._meta.pk.value_to_string(user)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    def reports_of(trainer: User) -> list[dict]:
        return [
            {
                "overview": reverse("trainer:report-overview", args=[pk]),
                "heatmap": reverse("trainer:report-heatmap", args=[pk]),
                "items": [reverse("trainer:report-items", args=[pk, slug]) for slug in all_assigned[pk]],
            }
            for pk in trainer.taught_cohorts.exclude(pk=school.pk).order_by("pk").values_list("pk", flat=True)
            if all_assigned.get(pk)
        ]

    fallback = sorted(takeable)
    with transaction.atomic():
        plan_students = [
            {
                "session": session(user),
                "quizzes": assigned.get(cohort_of.get(user.pk), []) or fallback,
            }
            for user in students
        ]
        plan_trainers = [
            {"session": session(user), "cohorts": cohorts}
            for user in trainers
            if (cohorts := reports_of(user))
        ]
    return {
        "cookie": settings.SESSION_COOKIE_NAME,
        "students": plan_students,
        "trainers": plan_trainers,
        "forms": forms,
        "cards": cards,
        "baseline": reverse("bench-baseline"),
    }


if __name__ == "__main__":
    main()
