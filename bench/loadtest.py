"""The load test of bench/run.py: Locust (bench/locustfile.py), headless, against gunicorn on 127.0.0.1.

Locust runs in its own virtualenv, bench/.venv-locust (gevent patches the standard library; it
never shares an interpreter with Django), made here from bench/requirements-locust.txt when it is
missing or older than that file. Each Locust run is a subprocess bounded three ways: Locust's
--run-time, the locustfile's --max-requests, and a timeout on the subprocess. The figures come
from Locust's CSV files (<prefix>_stats.csv, _failures.csv, _exceptions.csv) and the action counts
the locustfile writes.

One load test (`run`):
1. warm-up, not recorded: a few seconds of the mix, so that both workers have compiled their
   templates and filled their caches;
2. capacity: the mix with no think time at growing user counts (each Locust user then stands
   for a share of the students, one at a time, clicking without pause, so that throughput is what
   the server gives), until a step misses the p95 target or has an error;
3. the sustainable rate: the highest throughput among the capacity steps whose p95 is under the
   target and that had no error; from it, students at once with `think` seconds between actions
   (Little's law: N = action rate x (think time + response time of an action));
4. a check: that many students (at most the seeded ones), each thinking `think` seconds between
   actions (uniform, half to one and a half times), arriving at random moments; statistics reset
   once they are all spawned. Little's law at the best step's rate is a ceiling (the server is
   then as busy as in that step, and queueing pushes p95 up): while a check misses the p95
   target, it runs again with a quarter fewer students, three times at most; the students
   active at once are those of the check that held;
5. the baseline view alone, at the capacity step's user count: what gunicorn and the middleware
   allow on this machine at this moment (it moves with whatever else runs).
"""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "bench" / ".venv-locust"
REQUIREMENTS = ROOT / "bench" / "requirements-locust.txt"
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
LOCUST = VENV / "bin" / "locust"
STAMP = VENV / ".installed"

P95_TARGET_MS = 50
RATE_TARGET = 150  # requests per second
WARMUP_SECONDS = 5


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ensure_venv() -> Path:
    """bench/.venv-locust with the pinned Locust; (re)made when missing or older than the pin."""
    fresh = STAMP.exists() and LOCUST.exists() and STAMP.stat().st_mtime >= REQUIREMENTS.stat().st_mtime
    if not fresh:
        log(f"installing Locust into {VENV.relative_to(ROOT)} from {REQUIREMENTS.relative_to(ROOT)}")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True, timeout=300)
        subprocess.run(
            [
                str(VENV / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                str(REQUIREMENTS),
            ],
            check=True,
            timeout=900,
        )
        STAMP.touch()
    return LOCUST


def version() -> str:
    done = subprocess.run([str(LOCUST), "--version"], capture_output=True, text=True, timeout=60)
    return done.stdout.split(" from ")[0].strip() or "locust ?"


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def read_stats(prefix: Path) -> dict:
    """Locust's CSV output: per request name and aggregated; failures and exceptions."""
    rows = {}
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = {
                "method": row["Type"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "avg_ms": round(_number(row["Average Response Time"]) or 0, 1),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "max_ms": round(_number(row["Max Response Time"]) or 0, 1),
                "rps": round(_number(row["Requests/s"]) or 0, 1),
            }
    failures = []
    with open(f"{prefix}_failures.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            failures.append(
                {
                    "request": f"{row['Method']} {row['Name']}",
                    "error": row["Error"],
                    "count": int(row["Occurrences"]),
                }
            )
    exceptions = []
    path = Path(f"{prefix}_exceptions.csv")
    if path.exists():
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                exceptions.append({"count": int(row["Count"]), "message": row["Message"][:300]})
    total = rows.pop("Aggregated", None) or {
        "requests": 0,
        "failures": 0,
        "avg_ms": None,
        "p50_ms": None,
        "p95_ms": None,
        "p99_ms": None,
        "max_ms": None,
        "rps": 0.0,
    }
    return {"total": total, "per_request": rows, "failures": failures, "exceptions": exceptions}


def locust(
    *,
    port: int,
    plan: Path,
    label: str,
    users: int,
    seconds: int,
    think: float = 0.0,
    user_class: str = "Person",
    spawn_rate: float | None = None,
    reset_stats: bool = False,
    max_requests: int = 200_000,
    out: Path,
) -> dict:
    """One headless Locust run; its figures (see read_stats) and the action counts."""
    prefix = out / f"locust-{label}"
    actions_file = out / f"locust-{label}-actions.json"
    for stale in out.glob(f"locust-{label}_*.csv"):
        stale.unlink()
    actions_file.unlink(missing_ok=True)
    command = [
        str(LOCUST),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "--users",
        str(users),
        "--spawn-rate",
        f"{spawn_rate or min(users, 100):g}",
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "0",
        "--csv",
        str(prefix),
        "--only-summary",
        "--exit-code-on-error",
        "0",
        "--loglevel",
        "WARNING",
        "--plan",
        str(plan),
        "--think",
        f"{think:g}",
        "--max-requests",
        str(max_requests),
        "--actions-out",
        str(actions_file),
        *(["--reset-stats"] if reset_stats else []),
        user_class,
    ]
    # Nothing of Django's environment: the locustfile reads only its plan.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "PYTHONPATH", "DATABASE_URL"}
    }
    started = time.monotonic()
    with open(f"{prefix}.log", "w", encoding="utf-8") as output:
        done = subprocess.run(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, timeout=seconds + 120
        )
    if done.returncode != 0 or not Path(f"{prefix}_stats.csv").exists():
        raise RuntimeError(f"locust {label} exited with {done.returncode}: see {prefix}.log")
    result = read_stats(prefix)
    actions = json.loads(actions_file.read_text()) if actions_file.exists() else {}
    counted = sum(actions.get("actions", {}).values())
    result.update(
        {
            "label": label,
            "user_class": user_class,
            "users": users,
            "think_seconds": think,
            "seconds": seconds,
            "wall_seconds": round(time.monotonic() - started, 1),
            "actions": actions.get("actions", {}),
            "users_turned_away": actions.get("users_turned_away", 0),
            # Both counted over the whole run (statistics may have been reset after the ramp-up).
            "requests_per_action": round(actions["requests_seen"] / counted, 2) if counted else None,
            "errors": result["total"]["failures"] + sum(e["count"] for e in result["exceptions"]),
            "csv": str(prefix.relative_to(ROOT)) + "_stats.csv",
        }
    )
    total = result["total"]
    log(
        f"  {label}: {users} users, think {think:g} s: {total['rps']} req/s, p50 {total['p50_ms']} ms, "
        f"p95 {total['p95_ms']} ms, {result['errors']} errors ({total['requests']} requests)"
    )
    return result


def _fits(step: dict) -> bool:
    return step["errors"] == 0 and (step["total"]["p95_ms"] or 1e9) < P95_TARGET_MS


def students_at_once(step: dict, think: float) -> dict:
    """Little's law: students at once = actions per second x (think time + response time of one
    action), an action being one page a student looks at (requests_per_action requests)."""
    rate = step["total"]["rps"]
    per_action = step["requests_per_action"] or 1.0
    response = per_action * (step["total"]["avg_ms"] or 0) / 1000
    actions_per_second = rate / per_action
    return {
        "students": math.floor(actions_per_second * (think + response)),
        "requests_per_second": rate,
        "requests_per_action": per_action,
        "actions_per_second": round(actions_per_second, 1),
        "think_seconds": think,
        "response_seconds_per_action": round(response, 3),
        "from_step": step["label"],
    }


def run(
    *,
    port: int,
    plan: Path,
    out: Path,
    label: str,
    seconds: float,
    users: list[int],
    think: float = 5.0,
    max_requests: int = 200_000,
) -> dict:
    """The whole load test (see the module's docstring) against gunicorn on 127.0.0.1:`port`."""
    step_seconds = max(10, round(seconds / 4))
    students_planned = len(json.loads(plan.read_text())["students"])
    common = {"port": port, "plan": plan, "out": out, "max_requests": max_requests}
    log(f"load test (Locust): warm-up {WARMUP_SECONDS} s")
    warmup = locust(label=f"{label}-warmup", users=max(users), seconds=WARMUP_SECONDS, **common)
    steps = []
    for n in sorted(users):
        if n > students_planned:
            break
        steps.append(locust(label=f"{label}-capacity-{n}", users=n, seconds=step_seconds, **common))
        if not _fits(steps[-1]):  # more users only queue longer: stop climbing
            break
    fit = [s for s in steps if _fits(s)]
    best = max(fit, key=lambda s: s["total"]["rps"], default=None)
    derived = students_at_once(best, think) if best else None
    check, checks = None, []
    if derived and derived["students"] > 0:
        # Little's law at the sustainable rate is a ceiling: at that many students the server is
        # as busy as in its best capacity step, and queueing pushes p95 up. Check it, and while a
        # check misses the target, check again with a quarter fewer students (three times at most).
        people = min(derived["students"], students_planned)
        for _try in range(4):
            log(f"  {derived['students']} students derived; checking with {people}, think {think:g} s")
            check = locust(
                label=f"{label}-think-{people}",
                users=people,
                seconds=max(15, step_seconds),
                think=think,
                reset_stats=True,
                **common,
            )
            check["capped_by_seeded_students"] = people < derived["students"]
            checks.append(check)
            if _fits(check) or people < 10:
                break
            people = math.floor(people * 0.75)
    baseline = locust(
        label=f"{label}-baseline",
        users=best["users"] if best else min(users),
        seconds=max(5, round(step_seconds / 2)),
        user_class="Baseline",
        **common,
    )
    return {
        "tool": version(),
        "warmup": warmup,
        "workers": 2,
        "targets": {"requests_per_second": RATE_TARGET, "p95_ms": P95_TARGET_MS, "errors": 0},
        "capacity": steps,
        "at_target": best["label"] if best else None,
        "students_at_once": derived,
        "check": check,  # the last check: the one that held, if any did
        "checks": checks,
        "students_held": check["users"] if check and _fits(check) else None,
        "baseline": baseline,
        "errors": sum(s["errors"] for s in [warmup, *steps, *([check] if check else []), baseline]),
    }
