"""A bounded load generator: simulated signed-in students taking quizzes and reviewing cards.

Talks HTTP to 127.0.0.1 only, stops by itself at a deadline or after a maximum number of
requests, and needs no Django (bench/measure.py writes the plan: session cookies, and a right and
a wrong form for each question revision). Each virtual student is a thread with no think time
(closed loop): the figures are what two gunicorn workers sustain, and the latency under that load.
"""

from __future__ import annotations

import http.client
import random
import re
import secrets
import statistics
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

CARD = re.compile(r"/review/cards/(\d+)/(?:answer|reveal|rate)/")
TOKEN = re.compile(r'name="token" value="([^"]+)"')
REVISION = re.compile(r'name="revision" value="(\d+)"')
ATTEMPT = re.compile(r"/quizzes/attempts/(\d+)/")
QUESTION = re.compile(r"/q/(\d+)/")
RATINGS = (1, 2, 3, 3, 3, 4)


class Stop(Exception):
    """Deadline or request budget reached."""


class Failed(Exception):
    """An unexpected status or a connection error (already recorded)."""


@dataclass
class Recorder:
    deadline: float
    max_requests: int
    samples: list[tuple[str, float, int]] = field(default_factory=list)  # label, ms, status
    errors: Counter = field(default_factory=Counter)
    pages: list[str] = field(default_factory=list)  # unexpected pages, for a look afterwards
    lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self) -> None:
        if time.monotonic() >= self.deadline or len(self.samples) >= self.max_requests:
            raise Stop

    def add(self, label: str, ms: float, status: int, ok: bool, reason: str = "") -> None:
        with self.lock:
            self.samples.append((label, ms, status))
            if not ok:
                self.errors[f"{label}: {reason or status}"] += 1


class Student:
    def __init__(self, *, port: int, cookie: str, session: str, recorder: Recorder) -> None:
        self.port, self.recorder = port, recorder
        csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
        self.headers = {"Cookie": f"{cookie}={session}; csrftoken={csrf}", "X-CSRFToken": csrf}

    def unexpected(self, what: str, page: str) -> None:
        self.recorder.add(what, 0.0, 200, False, "unexpected page")
        self.recorder.pages.append(page)
        raise Failed

    def call(
        self,
        label: str,
        method: str,
        path: str,
        form: dict | None = None,
        *,
        htmx: bool = False,
        expect: tuple[int, ...] = (200,),
    ) -> tuple[http.client.HTTPResponse, str]:
        self.recorder.admit()
        headers = dict(self.headers)
        body = None
        if method == "POST":
            body = urllib.parse.urlencode(form or {}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if htmx:
            headers["HX-Request"] = "true"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        start = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except OSError as error:
            self.recorder.add(label, (time.perf_counter() - start) * 1000, 0, False, type(error).__name__)
            raise Failed from error
        finally:
            connection.close()
        ok = response.status in expect
        self.recorder.add(label, (time.perf_counter() - start) * 1000, response.status, ok)
        if not ok:
            raise Failed
        return response, text


def take_quizzes(student: Student, plan: dict, rng: random.Random) -> None:
    quizzes = plan["quizzes"]
    while True:
        slug = rng.choice(sorted(quizzes))
        response, _ = student.call("quiz start (POST)", "POST", f"/quizzes/{slug}/start/", expect=(302,))
        pk = ATTEMPT.search(response.getheader("Location", "")).group(1)
        response, _ = student.call("attempt resume (GET)", "GET", f"/quizzes/attempts/{pk}/", expect=(302,))
        found = QUESTION.search(response.getheader("Location", ""))
        number = int(found.group(1)) if found else quizzes[slug] + 1
        while number <= quizzes[slug]:
            url = f"/quizzes/attempts/{pk}/q/{number}/"
            _, page = student.call("quiz question (GET)", "GET", url)
            found = REVISION.search(page)
            if found is None:  # not the form the flow expects: count it, keep the page to look at
                student.unexpected(f"quiz question {url}: no answer form", page)
            revision = found.group(1)
            right, wrong = plan["forms"][revision]
            form = {**(right if rng.random() < 0.6 else wrong), "revision": revision}
            student.call("answer (POST htmx)", "POST", url, form, htmx=True)
            number += 1
        student.call("finish (POST htmx)", "POST", f"/quizzes/attempts/{pk}/finish/", htmx=True)
        student.call("result (GET)", "GET", f"/quizzes/attempts/{pk}/result/")


def review_cards(students: list[Student], rng: random.Random, plan: dict) -> None:
    """Review with one student until their queue is empty, then the next one; when every queue is
    empty, take quizzes."""
    for student in students:
        _, page = student.call("review next card (GET)", "GET", "/review/")
        while True:
            card, token = CARD.search(page), TOKEN.search(page)
            if card is None or token is None:
                break
            form = {"rating": str(rng.choice(RATINGS)), "token": token.group(1)}
            _, page = student.call(
                "review rating (POST htmx)", "POST", f"/review/cards/{card.group(1)}/rate/", form, htmx=True
            )
    take_quizzes(students[0], plan, rng)


def hit_baseline(student: Student, path: str) -> None:
    while True:
        student.call("baseline (GET)", "GET", path)


def _worker(target, *args) -> None:
    """Run a flow until the deadline; after an error (recorded), start the flow again."""
    while True:
        try:
            target(*args)
            return
        except Stop:
            return
        except Failed:
            time.sleep(0.05)


def summarise(recorder: Recorder, seconds: float) -> dict:
    ms = [m for _label, m, _status in recorder.samples]
    per_label: dict[str, list[float]] = {}
    for label, m, _status in recorder.samples:
        per_label.setdefault(label, []).append(m)

    def pct(values: list[float], share: float) -> float:
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {
        "unexpected_pages": recorder.pages[:3],
        "seconds": round(seconds, 1),
        "requests": len(ms),
        "requests_per_second": round(len(ms) / seconds, 1) if seconds else None,
        "p50_ms": round(statistics.median(ms), 1) if ms else None,
        "p95_ms": pct(ms, 0.95) if ms else None,
        "errors": sum(recorder.errors.values()),
        "error_kinds": dict(recorder.errors),
        "statuses": dict(Counter(status for _l, _m, status in recorder.samples)),
        "per_request": {
            label: {"n": len(v), "p50_ms": round(statistics.median(v), 1), "p95_ms": pct(v, 0.95)}
            for label, v in sorted(per_label.items())
        },
    }


def run(
    *,
    port: int,
    plan: dict,
    seconds: float,
    users: int = 6,
    max_requests: int = 200_000,
    baseline: bool = False,
    seed: int = 1,
) -> dict:
    """Run `users` virtual students against 127.0.0.1:`port` for `seconds` (or `max_requests`).
    Half take quizzes, half review; with `baseline`, all of them hit the baseline view instead."""
    recorder = Recorder(deadline=time.monotonic() + seconds, max_requests=max_requests)
    cookie = plan["cookie"]
    threads = []
    reviewers = plan["reviewers"]
    for n in range(users):
        rng = random.Random(seed * 100 + n)
        if baseline:
            student = Student(
                port=port, cookie=cookie, session=reviewers[n % len(reviewers)], recorder=recorder
            )
            args = (hit_baseline, student, plan["baseline"])
        elif n % 2 == 0:
            student = Student(
                port=port, cookie=cookie, session=plan["takers"][n % len(plan["takers"])], recorder=recorder
            )
            args = (take_quizzes, student, plan, rng)
        else:
            mine = [
                Student(port=port, cookie=cookie, session=s, recorder=recorder)
                for s in reviewers[n // 2 :: max(1, users // 2)]
            ]
            args = (review_cards, mine, rng, plan)
        threads.append(threading.Thread(target=_worker, args=args, daemon=True))
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return summarise(recorder, time.monotonic() - start)
