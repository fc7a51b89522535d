"""Live class sessions under load, on 127.0.0.1, bounded in time and count.

    .venv/bin/python bench/live.py [--players 300] [--questions 3] [--skip-drills]

A throwaway PostgreSQL cluster (as bench/run.py starts one) and a throwaway redis-server, two
daphne processes serving `config.asgi` with the Redis channel layer, and asyncio WebSocket
clients (the `websockets` package): one projector (the trainer's socket) and N players spread
over the two processes, each a guest with a browser session of its own.

Scenarios:
1. one session of N players (300): for each question, from the trainer's "next" to each player
   having the question ("question shown -> all have it": p50, p95, max over the players, and the
   slowest question's max), and from each answer sent to the projector counting it ("answer
   sent -> counted": the k-th answer sent is counted when the projector first shows k or more,
   the projector showing what static/js/live.js would: the highest count received for the
   question, or with the old messages that carry no question the last one received; p50, p95);
   every answer a player saw acknowledged must be in the database once (lost, double), and the
   projector's final count must be the database's.
   A tenth of the players tap twice.
2. three sessions of N/3 players at once.
3. fault drills: (a) one daphne process killed (SIGKILL) mid-question: its players reconnect to
   the other, get the current state and finish; (b) Redis restarted between two questions; each
   ends with every acknowledged answer in the database once.

Writes bench/results-live.md and bench/results-live.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import Postgres, free_port, log  # noqa: E402

TARGET_MS = 250
HEARTBEAT = 15  # seconds, as the page's script
GC_PAUSE_MS = 20  # the daphne processes log the garbage collector's pauses from this long
GC_PAUSE_RE = re.compile(r"gc pause: generation 2, ([\d.]+) ms")
QUESTION_RE = re.compile(r'name="question" value="(\d+)"')
QUESTION_ID_RE = re.compile(r'data-live-question="(\d+)"')
TAP_RE = re.compile(r'name="(choice|answer|choices)" value="([^"]+)"')
OUT_MD = ROOT / "bench" / "results-live.md"
OUT_JSON = ROOT / "bench" / "results-live.json"


# --- processes ------------------------------------------------------------------------------------


class Redis:
    def __init__(self) -> None:
        if not shutil.which("redis-server"):
            raise SystemExit("redis-server is not installed: apt-get install -y redis-server")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="rappel-bench-redis."))
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
        )
        wait_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def memory(self) -> str:
        out = subprocess.run(
            ["redis-cli", "-p", str(self.port), "info", "memory"], capture_output=True, text=True
        ).stdout
        found = re.search(r"used_memory_human:(\S+)", out)
        return found.group(1) if found else "?"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class Daphne:
    def __init__(self, env: dict, logfile: Path) -> None:
        self.port = free_port()
        self.env, self.logfile = env, logfile
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "--websocket_connect_timeout",
                "30",
                "config.asgi:application",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.logfile.open("a"),
            stderr=subprocess.STDOUT,
        )
        wait_port(self.port)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
            self.kill()

    def log_mark(self) -> int:
        return self.logfile.stat().st_size if self.logfile.exists() else 0

    def gc_pauses(self, since: int) -> list[float]:
        """The collector's pauses logged since `since` (config/gcpauses.py, GC_PAUSE_LOG_MS)."""
        with self.logfile.open("rb") as log:
            log.seek(since)
            text = log.read().decode(errors="replace")
        return [float(ms) for ms in GC_PAUSE_RE.findall(text)]

    def rss_mb(self) -> float | None:
        if not self.process or self.process.poll() is not None:
            return None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        return round(kb / 1024, 1)


def gc_summary(servers: list[Daphne], marks: list[int]) -> dict:
    """The full collections of GC_PAUSE_MS or more in each daphne process since `marks`."""
    pauses = [server.gc_pauses(mark) for server, mark in zip(servers, marks, strict=True)]
    return {
        "count": [len(p) for p in pauses],
        "max": [max(p, default=0.0) for p in pauses],
        "total": [round(sum(p), 1) for p in pauses],
    }


def wait_port(port: int, timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


# --- data (Django ORM, outside the event loop) ----------------------------------------------------


def django_setup(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed_quiz():
    from course.models import Course, Section
    from quizzes.banks import bank_load
    from quizzes.models import Question, Quiz, QuizItem

    course, _ = Course.objects.get_or_create(slug="bench", defaults={"title": "Bench"})
    for position, slug in enumerate(("alpha", "beta"), start=1):
        Section.objects.get_or_create(
            course=course, slug=slug, defaults={"position": position, "title": slug, "notes": slug}
        )
    banks = ROOT / "tests" / "banks" / "data"
    bank_load([banks / "alpha.yaml", banks / "beta.yaml"])
    quiz, created = Quiz.objects.get_or_create(
        slug="live-bench", defaults={"title": "Live bench", "kind": Quiz.Kind.ASSESSMENT}
    )
    if created:
        uids = ["alpha-single-1", "alpha-truefalse-1", "alpha-multiple-1", "alpha-single-1"]
        for position, uid in enumerate(dict.fromkeys(uids)):
            QuizItem.objects.create(quiz=quiz, question=Question.objects.get(uid=uid), position=position)
    return quiz


def browser_session(data: dict) -> str:
    from django.conf import settings
    from django.contrib.sessions.backends.cached_db import SessionStore

    store = SessionStore()
    for key, value in data.items():
        store[key] = value
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def seed_session(quiz, players: int, label: str) -> dict:
    """A session in its lobby, its trainer's cookie, and `players` guests with theirs."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User

    from live import sessions

    trainer, created = User.objects.get_or_create(username=f"bench-trainer-{label}")
    if created:
        trainer.set_unusable_password()
        trainer.save()
        trainer.groups.add(Group.objects.get_or_create(name="trainers")[0])
    session = sessions.session_start(trainer=trainer, quiz=quiz, seconds=120)
    trainer_cookie = browser_session(
        {
            SESSION_KEY: str(trainer.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: trainer.get_session_auth_hash(),
        }
    )
    cookies, pks = [], []
    for n in range(players):
        player = sessions.player_join(session=session, nickname=f"{label}-{n:03d}")
        cookies.append(browser_session({sessions.GUEST_KEY: {str(session.pk): player.pk}}))
        pks.append(player.pk)
    return {"pk": session.pk, "trainer_cookie": trainer_cookie, "player_cookies": cookies, "player_pks": pks}


def recorded_answers(session_pk: int) -> dict[int, set[int]]:
    """question pk -> the players with an answer in the database (one row each, by constraint)."""
    from live.models import LiveAnswer

    rows: dict[int, list[int]] = {}
    for question, player in LiveAnswer.objects.filter(session_question__session_id=session_pk).values_list(
        "session_question_id", "player_id"
    ):
        rows.setdefault(question, []).append(player)
    doubles = sum(len(players) - len(set(players)) for players in rows.values())
    assert doubles == 0
    return {question: set(players) for question, players in rows.items()}


# --- clients --------------------------------------------------------------------------------------


@dataclass
class Player:
    index: int
    cookie: str
    ports: list[int]
    session_pk: int
    double_tap: bool
    got_question: dict[int, float] = field(default_factory=dict)  # version -> when it arrived
    sent: dict[int, float] = field(default_factory=dict)  # question pk -> when the answer was sent
    acked: set[int] = field(default_factory=set)  # questions whose answer came back acknowledged
    acked_at: dict[int, float] = field(default_factory=dict)  # question pk -> when, the first time
    player_pk: int | None = None
    seen: int = -1  # the newest version of the session this phone has shown
    reconnects: int = 0
    current: int | None = None


class Heartbeat:
    """static/js/live.js's heartbeat: a ping every HEARTBEAT seconds from the page's load, kept
    across reconnects (the page stays). A room's pages load at different moments, so each client
    starts at its own point of the period: pings all due at the same instant would be a burst no
    class makes."""

    def __init__(self, first_in: float) -> None:
        self.due = time.perf_counter() + first_in

    def wait(self) -> float:
        return self.due - time.perf_counter()

    def beat(self) -> None:
        while self.due <= time.perf_counter():
            self.due += HEARTBEAT


async def listen(socket, stop: asyncio.Event, handle, heartbeat: Heartbeat) -> None:
    """Hand each message of `socket` to `handle` until `stop` (or the task is cancelled), with the
    page's heartbeat. The wait for a message ends when it comes or a ping is due: clients waking
    every half second to look (600 wake-ups a second for 300 players) took CPU from the servers
    on the same machine."""
    while not stop.is_set():
        due = heartbeat.wait()
        if due <= 0:
            heartbeat.beat()
            await socket.send(json.dumps({"action": "ping"}))
            continue
        try:
            raw = await asyncio.wait_for(socket.recv(), timeout=due)
        except TimeoutError:
            continue
        await handle(json.loads(raw))


async def play(player: Player, stop: asyncio.Event, rng: random.Random) -> None:
    import websockets

    port_index = player.index % len(player.ports)
    heartbeat = Heartbeat(first_in=rng.uniform(0, HEARTBEAT))
    while not stop.is_set():
        port = player.ports[port_index]
        url = f"ws://127.0.0.1:{port}/ws/live/{player.session_pk}/play/"
        try:
            async with websockets.connect(
                url,
                additional_headers={"Cookie": player.cookie},
                origin=f"http://127.0.0.1:{port}",
                open_timeout=20,
                ping_interval=None,  # the bench measures the server, not its own pongs
            ) as socket:
                await listen(socket, stop, lambda message: on_state(player, socket, message, rng), heartbeat)
        except (OSError, websockets.WebSocketException, TimeoutError):
            if stop.is_set():
                return
            player.reconnects += 1
            port_index = (port_index + 1) % len(player.ports)  # the other process
            await asyncio.sleep(0.1 + rng.random() * 0.3)


async def on_state(player: Player, socket, message: dict, rng: random.Random) -> None:
    if "html" not in message:
        return
    player.seen = max(player.seen, message["version"])
    html = message["html"]
    if message["phase"] != "open":
        return
    player.got_question.setdefault(message["version"], time.perf_counter())
    found = QUESTION_RE.search(html)
    if "live-waiting" in html:
        if player.current is not None:
            player.acked.add(player.current)
            player.acked_at.setdefault(player.current, time.perf_counter())
        return
    if not found:
        return
    question = int(found.group(1))
    player.current = question
    if question in player.acked:
        return
    # Not answered yet, or a reconnect while the answer was on its way: send it (it counts once).
    taps = TAP_RE.findall(html)
    if not taps:
        return
    name, value = rng.choice(taps)
    await asyncio.sleep(rng.uniform(0.2, 2.5))  # thinking
    payload = json.dumps({"action": "answer", "question": question, "form": {name: [value]}})
    player.sent.setdefault(question, time.perf_counter())
    await socket.send(payload)
    if player.double_tap:
        await socket.send(payload)


@dataclass
class Projector:
    cookie: str
    port: int
    session_pk: int
    counts: list[tuple[float, int]] = field(default_factory=list)  # (when, count the page shows)
    question: int | None = None  # the open question, as the projector's last full state says
    states: asyncio.Queue = field(default_factory=asyncio.Queue)
    socket: object = None
    reconnects: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        import websockets

        heartbeat = Heartbeat(first_in=HEARTBEAT)
        while not stop.is_set():
            url = f"ws://127.0.0.1:{self.port}/ws/live/{self.session_pk}/screen/"
            try:
                async with websockets.connect(
                    url,
                    additional_headers={"Cookie": self.cookie},
                    origin=f"http://127.0.0.1:{self.port}",
                    ping_interval=None,
                ) as socket:
                    self.socket = socket
                    await listen(socket, stop, self.received, heartbeat)
            except (OSError, websockets.WebSocketException, TimeoutError):
                self.socket = None
                self.reconnects += 1
                await asyncio.sleep(0.2)  # the projector's page reconnects as well

    async def received(self, message: dict) -> None:
        if "answered" in message and "html" not in message:
            self.counted(message)
        else:
            await self.states.put(message)

    def counted(self, message: dict) -> None:
        """What the page shows after a count message: with a question in it, the highest count
        of that question (and nothing for another question); without, the last received."""
        shown = message["answered"]
        if "question" in message:
            if self.question is not None and message["question"] != self.question:
                return
            if self.counts:
                shown = max(shown, self.counts[-1][1])
        self.counts.append((time.perf_counter(), shown))

    async def send(self, action: str) -> float:
        while self.socket is None:
            await asyncio.sleep(0.01)
        started = time.perf_counter()
        try:
            await self.socket.send(json.dumps({"action": action}))
        except Exception:  # cut meanwhile: send again once it is back
            self.socket = None
            return await self.send(action)
        return started

    async def wait_phase(self, phase: str, timeout: float = 30) -> dict:
        deadline = time.perf_counter() + timeout
        while True:
            message = await asyncio.wait_for(
                self.states.get(), timeout=max(deadline - time.perf_counter(), 0.01)
            )
            if message["phase"] == phase:
                return message


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


async def wait_until(condition, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


async def run_session(
    *,
    seeded: dict,
    ports: list[int],
    questions: int,
    rng: random.Random,
    on_question=None,
    between_questions=None,
) -> dict:
    """Play one session to its last question; the figures of each question."""
    stop = asyncio.Event()
    projector = Projector(seeded["trainer_cookie"], ports[0], seeded["pk"])
    players = [
        Player(n, cookie, ports, seeded["pk"], double_tap=(n % 10 == 0), player_pk=pk)
        for n, (cookie, pk) in enumerate(zip(seeded["player_cookies"], seeded["player_pks"], strict=True))
    ]
    tasks = [asyncio.create_task(projector.run(stop))]
    tasks += [asyncio.create_task(play(player, stop, random.Random(rng.random()))) for player in players]
    lobby = await projector.wait_phase("lobby")
    # Each question starts from a quiet room, as in class: every phone shows the lobby or the last
    # reveal (a trainer talks over it for a while), then half a second.
    shown_version = lobby["version"]
    figures = []
    for number in range(questions):
        await wait_until(lambda v=shown_version: all(p.seen >= v for p in players), 30)
        await asyncio.sleep(0.5)
        if between_questions and number:
            await between_questions(number)
        projector.counts.clear()
        sent_before = {p.index: dict(p.sent) for p in players}
        started = await projector.send("next")
        opened = await projector.wait_phase("open")
        version = opened["version"]
        found = QUESTION_ID_RE.search(opened["html"])
        projector.question = int(found.group(1)) if found else None
        everyone = await wait_until(lambda v=version: all(v in p.got_question for p in players), 20)
        shown = [p.got_question[version] - started for p in players if version in p.got_question]
        if on_question:
            await on_question(number, players)
        answered = await wait_until(
            lambda before=sent_before: all(len(p.acked) > len(before[p.index]) for p in players), 30
        )
        sends = sorted(t for p in players for q, t in p.sent.items() if q not in sent_before[p.index])
        # The last counts on their way to the projector: until it shows every answer (or 10 s).
        expected = len(sends)
        await wait_until(lambda n=expected: bool(projector.counts) and projector.counts[-1][1] >= n, 10)
        await asyncio.sleep(0.3)
        current = [p.current for p in players if p.current is not None]
        question_pk = max(set(current), key=current.count) if current else None
        latency = []
        for k, sent in enumerate(sends, start=1):
            counted = next((t for t, shown in projector.counts if shown >= k), None)
            if counted is not None:
                latency.append(counted - sent)
        acked = [
            p.acked_at[q] - t
            for p in players
            for q, t in p.sent.items()
            if q not in sent_before[p.index] and q in p.acked_at
        ]
        shown_count = projector.counts[-1][1] if projector.counts else 0
        await projector.send("reveal")
        shown_version = (await projector.wait_phase("reveal"))["version"]
        figures.append(
            {
                "question": number + 1,
                "question_pk": question_pk,
                "everyone_got_it": everyone,
                "everyone_answered": answered,
                "shown_p50_ms": ms(percentile(shown, 0.5)),
                "shown_p95_ms": ms(percentile(shown, 0.95)),
                "shown_max_ms": ms(max(shown) if shown else None),
                "counted_p50_ms": ms(percentile(latency, 0.5)),
                "counted_p95_ms": ms(percentile(latency, 0.95)),
                "acknowledged_p50_ms": ms(percentile(acked, 0.5)),
                "acknowledged_p95_ms": ms(percentile(acked, 0.95)),
                "answers_sent": len(sends),
                "projector_count": shown_count,
            }
        )
    await wait_until(lambda v=shown_version: all(p.seen >= v for p in players), 30)
    stop.set()
    for task in tasks:  # each may wait for a message until its next heartbeat
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"questions": figures, "players": players, "session": seeded["pk"]}


def check_answers(result: dict) -> dict:
    """Every answer a player saw acknowledged is in the database, once (a unique constraint), and
    no projector count went above the database's count for its question."""
    recorded = recorded_answers(result["session"])
    acknowledged = lost = 0
    for player in result["players"]:
        for question in player.acked:
            acknowledged += 1
            lost += player.player_pk not in recorded.get(question, set())
    over = sum(
        max(figures["projector_count"] - len(recorded.get(figures["question_pk"], set())), 0)
        for figures in result["questions"]
    )
    short = sum(
        abs(len(recorded.get(figures["question_pk"], set())) - figures["projector_count"])
        for figures in result["questions"]
    )
    return {
        "projector_off_by": short,
        "acknowledged": acknowledged,
        "in_database": sum(len(players) for players in recorded.values()),
        "lost": lost,
        "double_counted": over,
        "reconnects": sum(p.reconnects for p in result["players"]),
    }


# --- scenarios ------------------------------------------------------------------------------------


def guarded(play) -> dict:
    """Run a scenario; its figures, or what went wrong (the run goes on to the next one)."""
    try:
        result = play()
    except Exception as error:  # noqa: BLE001 (the results say what failed)
        log(f"failed: {error!r}")
        return {"error": repr(error)}
    return {**summarise(result), **check_answers(result)}


def summarise(result: dict) -> dict:
    questions = result["questions"]
    return {
        "shown_p95_ms": max(q["shown_p95_ms"] or 0 for q in questions),
        "shown_max_ms": max(q["shown_max_ms"] or 0 for q in questions),
        "counted_p95_ms": max(q["counted_p95_ms"] or 0 for q in questions),
        "acknowledged_p95_ms": max(q["acknowledged_p95_ms"] or 0 for q in questions),
        "questions": questions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--players", type=int, default=300)
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--pg-port", type=int, default=0, help="PostgreSQL port (default: a free one)")
    parser.add_argument("--skip-drills", action="store_true")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    postgres, redis, servers = Postgres(), Redis(), []
    if args.pg_port:
        postgres.port = args.pg_port
    logs = Path(tempfile.mkdtemp(prefix="rappel-bench-live."))
    results: dict = {"players": args.players, "questions": args.questions, "load_before": os.getloadavg()}
    try:
        postgres.start()
        redis.start()
        database_url = postgres.create("rappel_live")
        env = {
            **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis.url,
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key-bench-only",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SSL_REDIRECT": "0",
            "CONN_MAX_AGE": "60",
            "LOG_LEVEL": "WARNING",
            "GC_PAUSE_LOG_MS": str(GC_PAUSE_MS),
            "PYTHONPATH": str(ROOT),
        }
        django_setup(env)
        quiz = seed_quiz()
        servers = [Daphne(env, logs / f"daphne-{n}.log") for n in range(2)]
        for server in servers:
            server.start()
        ports = [server.port for server in servers]
        log(f"daphne on {ports}, Redis on {redis.port}, PostgreSQL on {postgres.port}; logs in {logs}")

        # 1. One session of N players.
        seeded = seed_session(quiz, args.players, "one")
        log(f"scenario 1: one session, {args.players} players, {args.questions} questions")
        marks = [server.log_mark() for server in servers]
        results["one_session"] = guarded(
            lambda: asyncio.run(run_session(seeded=seeded, ports=ports, questions=args.questions, rng=rng))
        )
        results["memory"] = {
            "daphne_rss_mb": [server.rss_mb() for server in servers],
            "redis_used_memory": redis.memory(),
        }
        results["gc_pauses_ms"] = gc_summary(servers, marks)
        log(json.dumps({k: v for k, v in results["one_session"].items() if k != "questions"}))

        # 2. Three sessions of N/3 at once.
        log(f"scenario 2: three sessions of {args.players // 3} players at once")
        three_seeded = [seed_session(quiz, args.players // 3, f"three{n}") for n in range(3)]

        async def three():
            return await asyncio.gather(
                *(
                    run_session(
                        seeded=s, ports=ports, questions=args.questions, rng=random.Random(rng.random())
                    )
                    for s in three_seeded
                )
            )

        marks = [server.log_mark() for server in servers]
        try:
            three_results = asyncio.run(three())
            results["three_sessions"] = [{**summarise(r), **check_answers(r)} for r in three_results]
        except Exception as error:  # noqa: BLE001 (the figures say what failed)
            log(f"scenario 2 failed: {error!r}")
            results["three_sessions_error"] = repr(error)
        results["memory_after_three"] = {
            "daphne_rss_mb": [server.rss_mb() for server in servers],
            "redis_used_memory": redis.memory(),
        }
        results["gc_pauses_ms_three"] = gc_summary(servers, marks)

        if not args.skip_drills:
            # 3a. Kill one ASGI process mid-question.
            log("drill: kill one daphne process mid-question")
            drill_players = max(args.players // 3, 30)
            seeded = seed_session(quiz, drill_players, "kill")
            killed = {"done": False}

            async def kill_mid_question(number, players):
                if number == 1 and not killed["done"]:
                    await wait_until(lambda: sum(bool(p.acked) for p in players) > len(players) // 2, 10)
                    servers[1].kill()
                    killed["done"] = True

            results["drill_kill"] = guarded(
                lambda: asyncio.run(
                    run_session(
                        seeded=seeded,
                        ports=ports,
                        questions=args.questions,
                        rng=rng,
                        on_question=kill_mid_question,
                    )
                )
            )
            servers[1].start()  # back for the next drill, on its port

            # 3b. Restart Redis between two questions.
            log("drill: restart Redis between questions")
            seeded = seed_session(quiz, drill_players, "redis")

            async def restart_redis(number):
                if number == 1:
                    redis.stop()
                    redis.start()
                    # The sockets cut by it reconnect; the others join their groups again at their
                    # next heartbeat: the trainer talks for one heartbeat before the next question.
                    await asyncio.sleep(HEARTBEAT + 1)

            results["drill_redis"] = guarded(
                lambda: asyncio.run(
                    run_session(
                        seeded=seeded,
                        ports=ports,
                        questions=args.questions,
                        rng=rng,
                        between_questions=restart_redis,
                    )
                )
            )
    finally:
        for server in servers:
            server.stop()
        redis.stop()
        postgres.stop()
    results["load_after"] = os.getloadavg()
    write(results)


def write(results: dict) -> None:
    OUT_JSON.write_text(json.dumps(results, indent=2, default=str) + "\n")
    lines = [
        "# Live sessions under load (bench/live.py)",
        "",
        f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, 127.0.0.1: 2 daphne processes "
        "(config.asgi), Redis channel layer, PostgreSQL; asyncio WebSocket clients (websockets).",
        f"Target: p95 < {TARGET_MS} ms for both latencies; 0 answers lost or double-counted.",
        f"Machine: {os.cpu_count()} cores; load average (1, 5, 15 min) {results.get('load_before')} before, "
        f"{results.get('load_after')} after (other jobs share the machine).",
        "",
        "| scenario | question shown → player has it, p95 (max) | answer sent → counted on projector, p95 "
        "| answer sent → acknowledged on the phone, p95 "
        "| acknowledged / in DB | lost | double | projector's final count off by | reconnects |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def row(name: str, figures: dict) -> str:
        if "error" in figures:
            return f"| {name} | failed: {figures['error']} | | | | | | | |"
        return (
            f"| {name} | {figures['shown_p95_ms']} ms ({figures['shown_max_ms']} ms) "
            f"| {figures['counted_p95_ms']} ms | {figures['acknowledged_p95_ms']} ms "
            f"| {figures['acknowledged']} / {figures['in_database']} "
            f"| {figures['lost']} | {figures['double_counted']} | {figures.get('projector_off_by')} "
            f"| {figures['reconnects']} |"
        )

    if "one_session" in results:
        lines.append(row(f"1 session × {results['players']}", results["one_session"]))
    for n, figures in enumerate(results.get("three_sessions", []), start=1):
        lines.append(row(f"3 sessions at once: #{n} × {results['players'] // 3}", figures))
    if "drill_kill" in results:
        lines.append(row("drill: one daphne killed mid-question", results["drill_kill"]))
    if "drill_redis" in results:
        lines.append(row("drill: Redis restarted between questions", results["drill_redis"]))
    lines += [
        "",
        f"Memory after scenario 1: {results.get('memory')};",
        f"after scenario 2: {results.get('memory_after_three')}.",
        "",
        f"Full garbage collections of {GC_PAUSE_MS} ms or more in each daphne process (count, longest, "
        f"total ms; config/gcpauses.py): scenario 1 {results.get('gc_pauses_ms')}; "
        f"scenario 2 {results.get('gc_pauses_ms_three')}.",
    ]
    lines += [
        "",
        "Per question (scenario 1):",
        "",
        "```",
        json.dumps(results.get("one_session", {}).get("questions"), indent=1),
        "```",
        "",
    ]
    OUT_MD.write_text("\n".join(lines))
    log(f"wrote {OUT_MD.relative_to(ROOT)} and {OUT_JSON.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
