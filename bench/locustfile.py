"""Locust scenario for Rappel: signed-in students and trainers using the app, against 127.0.0.1.

It runs in its own virtualenv (bench/.venv-locust: gevent patches the standard library) and needs
no Django: bench/measure.py writes the plan it reads (session cookies made server-side for seeded
students and trainers, each student's assigned quizzes, a right and a wrong form per question
revision, the revision behind each card, the trainers' report URLs). bench/run.py starts it;
by hand, once gunicorn serves a seeded database:

    bench/.venv-locust/bin/locust -f bench/locustfile.py --headless -H http://127.0.0.1:PORT \\
        -u 8 -r 8 -t 20s --plan bench/out/load-plan-sqlite-0.1.json --think 0 --csv bench/out/try

Every Locust user stands for its own share of the seeded students (disjoint: two users on one
student would answer the same attempt; one student each when there are as many users as
students) and goes from activity to activity, each one a student's of its share, picked by
weight: take a whole quiz (open it, then each question and its answer with htmx, finish,
result), review cards (the queue, then per card the answer or the reveal and the rating, each
with the token of the page before), open the home page, open the progress page, or, now and then,
as a trainer, open one of their cohorts' reports (overview, item analysis of an assigned quiz,
heatmap). Every page a person looks at is one *action*; `--think` seconds (mean; uniform between
half and one and a half times) pass between actions, 0 for a capacity run. Actions are counted
by kind and written to --actions-out at the end, so that requests per action come from the run.

Bounded: Locust's --run-time, plus --max-requests here (the run quits when reached); the host
must be 127.0.0.1.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import urllib.parse
from collections import Counter
from http.cookiejar import Cookie

import gevent
from locust import FastHttpUser, events, task
from locust.contrib.fasthttp import FastHttpSession
from locust.exception import StopUser

ATTEMPT = re.compile(r"/quizzes/attempts/(\d+)/$")
QUESTION = re.compile(r"/quizzes/attempts/(\d+)/q/(\d+)/$")
REVISION = re.compile(r'name="revision" value="(\d+)"')
CARD_FORM = re.compile(r'action="(/review/cards/(\d+)/(answer|reveal|rate)/)"')
TOKEN = re.compile(r'name="token" value="([^"]+)"')
FLASHCARD_RATINGS = (1, 2, 3, 3, 3, 4)
HTMX = {"HX-Request": "true"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

PLAN: dict = {}
ACTIONS: Counter = Counter()
STATE = {"next_student": 0, "requests": 0, "turned_away": 0, "max_requests": 0}


@events.init_command_line_parser.add_listener
def _arguments(parser) -> None:
    parser.add_argument("--plan", default="", help="the load plan bench/measure.py wrote (JSON)")
    parser.add_argument("--think", type=float, default=0.0, help="mean think time between actions, s")
    parser.add_argument("--max-requests", type=int, default=200_000, help="quit after this many requests")
    parser.add_argument("--actions-out", default="", help="write the action counts here (JSON) at the end")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the simulated people")


@events.init.add_listener
def _load_plan(environment, **_kwargs) -> None:
    options = environment.parsed_options
    if options is None:  # imported by a tool, not run
        return
    host = urllib.parse.urlsplit(options.host or "").hostname
    if host != "127.0.0.1":  # the session cookies are set for 127.0.0.1
        raise SystemExit(f"bench/locustfile.py only loads 127.0.0.1, not {options.host!r}")
    if not options.plan:
        raise SystemExit("bench/locustfile.py needs --plan (written by bench/measure.py --load-plan)")
    with open(options.plan, encoding="utf-8") as handle:
        PLAN.update(json.load(handle))
    STATE["max_requests"] = options.max_requests
    random.seed(options.seed)


RUNNER: dict = {}


@events.test_start.add_listener
def _remember_runner(environment, **_kwargs) -> None:
    RUNNER["runner"] = environment.runner


@events.request.add_listener
def _count(**_kwargs) -> None:
    STATE["requests"] += 1
    if STATE["requests"] == STATE["max_requests"] and RUNNER.get("runner") is not None:
        gevent.spawn(RUNNER["runner"].quit)  # not from this user's greenlet, which quit() kills


@events.quitting.add_listener
def _write_actions(environment, **_kwargs) -> None:
    path = environment.parsed_options.actions_out if environment.parsed_options else ""
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "actions": dict(ACTIONS),
                    "requests_seen": STATE["requests"],
                    "students_in_plan": len(PLAN.get("students", [])),
                    "users_turned_away": STATE["turned_away"],
                    "think_seconds": environment.parsed_options.think,
                },
                handle,
                indent=1,
            )


def _cookie(name: str, value: str) -> Cookie:
    return Cookie(
        0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, True, None, None, {}
    )


class SignedIn(FastHttpUser):
    """Seeded students, signed in (their session cookie), with the CSRF cookie a page would set."""

    abstract = True
    network_timeout = 60.0
    connection_timeout = 30.0
    max_retries = 0

    def wait_time(self) -> float:
        think = self.environment.parsed_options.think
        return self.rng.uniform(0.5 * think, 1.5 * think) if think > 0 else 0.0

    def on_start(self) -> None:
        index = STATE["next_student"]  # greenlets: no other user runs between these two lines
        STATE["next_student"] += 1
        students = PLAN["students"]
        if index >= len(students):
            STATE["turned_away"] += 1
            raise StopUser  # more users than seeded students: never share one
        self.rng = random.Random(self.environment.parsed_options.seed * 100_003 + index)
        # The students this user stands for: its own share, disjoint from every other user's (one
        # each when there are as many users as students). An activity is one student's.
        users = max(1, self.environment.runner.target_user_count or 1)
        self.pool = students[index::users]
        self.csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
        self.trainer_client: FastHttpSession | None = None
        self.trainer = PLAN["trainers"][index % len(PLAN["trainers"])]
        self._become(self.pool[0])
        think = self.environment.parsed_options.think
        if think > 0:  # arrive at random moments, not all at once
            self._sleep(self.rng.uniform(0, think))

    def _become(self, student: dict) -> None:
        self.student = student
        self._sign_in(self.client, student["session"])

    def _next_student(self) -> None:
        if len(self.pool) > 1:
            self._become(self.rng.choice(self.pool))

    # --- plumbing ---------------------------------------------------------------------------------

    def _sleep(self, seconds: float) -> None:
        gevent.sleep(seconds)

    def _sign_in(self, client: FastHttpSession, session: str) -> None:
        client.cookiejar.set_cookie(_cookie(PLAN["cookie"], session))
        client.cookiejar.set_cookie(_cookie("csrftoken", self.csrf))

    def _headers(self, *, htmx: bool = False, form: bool = False) -> dict:
        headers = {"X-CSRFToken": self.csrf}
        if htmx:
            headers.update(HTMX)
        if form:
            headers.update(FORM)
        return headers

    def _think(self) -> None:
        """Between two actions of one activity (Locust waits after the last one by itself)."""
        self._sleep(self.wait_time())

    def _call(
        self,
        name: str,
        method: str,
        path: str,
        *,
        form: dict | None = None,
        htmx: bool = False,
        expect: int = 200,
        client: FastHttpSession | None = None,
        check=None,
    ):
        """One request; a status other than `expect`, or a page `check` refuses, is a failure.
        Returns the response, or None after a failure (the activity then stops)."""
        client = client or self.client
        body = urllib.parse.urlencode(form or {}, doseq=True) if method == "POST" else None
        with client.request(
            method,
            path,
            name=name,
            data=body,
            headers=self._headers(htmx=htmx, form=method == "POST"),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != expect:
                response.failure(f"status {response.status_code}, expected {expect}")
                return None
            problem = check(response) if check else None
            if problem:
                response.failure(problem)
                return None
            response.success()
            return response


class Person(SignedIn):
    """A student going from activity to activity (and, for the trainer activity, a trainer of one
    of the cohorts)."""

    # --- student activities -------------------------------------------------------------------------

    @task(12)
    def take_quiz(self) -> None:
        """Open a quiz (start or resume: two redirects), answer every question, finish, result."""
        self._next_student()
        slug = self.rng.choice(self.student["quizzes"])
        ACTIONS["quiz: open"] += 1
        response = self._call(
            "quiz: start (POST)",
            "POST",
            f"/quizzes/{slug}/start/",
            expect=302,
            check=lambda r: None if ATTEMPT.search(_location(r)) else "no attempt in Location",
        )
        if response is None:
            return
        attempt = _location(response)
        response = self._call("quiz: resume (GET)", "GET", attempt, expect=302)
        if response is None:
            return
        found = QUESTION.search(_location(response))
        if found is None:  # already answered: to the result
            self._finish(attempt)
            return
        pk, number = found.group(1), int(found.group(2))
        while True:
            url = f"/quizzes/attempts/{pk}/q/{number}/"
            page = self._call("quiz: question (GET)", "GET", url, check=_has(REVISION, "no answer form"))
            if page is None:
                return
            revision = REVISION.search(page.text).group(1)
            right, wrong = PLAN["forms"][revision]
            self._think()
            ACTIONS["quiz: answer"] += 1
            form = {**(right if self.rng.random() < 0.65 else wrong), "revision": revision}
            card = self._call("quiz: answer (POST htmx)", "POST", url, form=form, htmx=True)
            if card is None:
                return
            self._think()
            if f"/quizzes/attempts/{pk}/finish/" in card.text:
                self._finish(f"/quizzes/attempts/{pk}/")
                return
            ACTIONS["quiz: next question"] += 1
            number += 1

    def _finish(self, attempt: str) -> None:
        ACTIONS["quiz: finish and result"] += 1
        response = self._call(
            "quiz: finish (POST htmx)",
            "POST",
            f"{attempt}finish/",
            htmx=True,
            check=lambda r: None if r.headers.get("HX-Redirect") else "no HX-Redirect",
        )
        if response is not None:
            self._call("quiz: result (GET)", "GET", response.headers["HX-Redirect"])

    @task(12)
    def review(self) -> None:
        """The review queue, then a few cards: answer (graded kinds) or reveal, then rate."""
        self._next_student()
        ACTIONS["review: queue"] += 1
        page = self._call("review: queue (GET)", "GET", "/review/")
        cards = self.rng.randint(5, 15)
        while page is not None and cards > 0:
            form, token = CARD_FORM.search(page.text), TOKEN.search(page.text)
            if form is None or token is None:
                return  # nothing due: the "all done" page
            url, card, step = form.groups()
            self._think()
            if step == "answer":
                revision = PLAN["cards"].get(card)
                if revision is None or revision not in PLAN["forms"]:
                    return
                right = self.rng.random() < 0.7
                answer = PLAN["forms"][revision][0 if right else 1]
                ACTIONS["review: answer"] += 1
                page = self._call(
                    "review: answer (POST htmx)",
                    "POST",
                    url,
                    form={**answer, "token": token.group(1)},
                    htmx=True,
                    check=_has(TOKEN, "no rating form"),
                )
                rating = (3 if self.rng.random() < 0.8 else 4) if right else 1
            elif step == "reveal":
                ACTIONS["review: reveal"] += 1
                page = self._call(
                    "review: reveal (POST htmx)",
                    "POST",
                    url,
                    form={"token": token.group(1)},
                    htmx=True,
                    check=_has(TOKEN, "no rating form"),
                )
                rating = self.rng.choice(FLASHCARD_RATINGS)
            else:  # a rating form already (not the page the app shows first, but accepted)
                rating = self.rng.choice(FLASHCARD_RATINGS)
            if page is None:
                return
            back = CARD_FORM.search(page.text)
            if back is None or back.group(3) != "rate":
                return
            self._think()
            ACTIONS["review: rate"] += 1
            page = self._call(
                "review: rate (POST htmx)",
                "POST",
                back.group(1),
                form={"rating": str(rating), "token": TOKEN.search(page.text).group(1)},
                htmx=True,
            )
            cards -= 1

    @task(3)
    def home(self) -> None:
        self._next_student()
        ACTIONS["home"] += 1
        self._call("home (GET /quizzes/)", "GET", "/quizzes/")

    @task(3)
    def progress(self) -> None:
        self._next_student()
        ACTIONS["progress"] += 1
        self._call("progress (GET /review/progress/)", "GET", "/review/progress/")

    # --- a trainer, now and then --------------------------------------------------------------------

    @task(1)
    def trainer_reports(self) -> None:
        """A trainer of one cohort: its overview, the item analysis of one assigned quiz, the heatmap."""
        if self.trainer_client is None:
            self.trainer_client = FastHttpSession(
                base_url=self.host,
                request_event=self.environment.events.request,
                user=self,
                network_timeout=self.network_timeout,
                connection_timeout=self.connection_timeout,
                max_retries=0,
            )
            self._sign_in(self.trainer_client, self.trainer["session"])
        cohort = self.rng.choice(self.trainer["cohorts"])
        pages = [
            ("trainer: overview (GET)", cohort["overview"]),
            ("trainer: item analysis (GET)", self.rng.choice(cohort["items"])),
            ("trainer: heatmap (GET)", cohort["heatmap"]),
        ]
        for n, (name, url) in enumerate(pages):
            if n:
                self._think()
            ACTIONS[name.split(" (")[0]] += 1
            if self._call(name, "GET", url, client=self.trainer_client) is None:
                return


def _location(response) -> str:
    location = response.headers.get("Location") or ""
    return urllib.parse.urlsplit(location).path


def _has(pattern: re.Pattern, problem: str):
    return lambda response: None if pattern.search(response.text or "") else problem


class Baseline(SignedIn):
    """The one-row baseline view, as fast as it answers: what gunicorn, the middleware and this
    machine allow (run it alone: `locust ... Baseline`; `locust ... Person` for the mix)."""

    @task
    def baseline(self) -> None:
        ACTIONS["baseline"] += 1
        self._call("baseline (GET)", "GET", PLAN["baseline"])
