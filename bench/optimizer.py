"""The FSRS optimizer at school scale: time, peak memory and the figures it reaches.

    .venv/bin/python bench/optimizer.py [--db sqlite|postgres|both] [--scale 1.0] [--pg-port N]

For each database: a fresh one (a SQLite file under bench/out/, or a database in a throwaway
PostgreSQL cluster as bench/run.py starts one), seeded with `manage.py seed_school`; then
`manage.py optimize_fsrs` under /usr/bin/time -v (wall time, CPU, peak resident memory of the
whole process, fsrs-rs-python's Rust side included); then this script's `--report` step, in the
same settings, reads the parameter sets it wrote and recomputes the course's held-out log loss
without fsrs-rs's `evaluate` (`review.optimizer.held_out_log_loss`). Writes
bench/results-optimizer.json and bench/results-optimizer.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
PY = sys.executable
RESULTS_JSON = ROOT / "bench" / "results-optimizer.json"
RESULTS_MD = ROOT / "bench" / "results-optimizer.md"


def log(message: str) -> None:
    print(f"[bench-optimizer {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed(command: list[str], env: dict) -> tuple[str, dict]:
    """Run `command` under /usr/bin/time -v: its stdout and {wall_s, user_s, system_s, peak_mb}."""
    done = subprocess.run(
        ["/usr/bin/time", "-v", *command], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    figures = {}
    patterns = {
        "user_s": r"User time \(seconds\): ([\d.]+)",
        "system_s": r"System time \(seconds\): ([\d.]+)",
        "peak_mb": r"Maximum resident set size \(kbytes\): (\d+)",
        "wall": r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)",
    }
    for key, pattern in patterns.items():
        found = re.search(pattern, done.stderr)
        figures[key] = found.group(1) if found else None
    parts = [float(p) for p in (figures.pop("wall") or "0").split(":")]
    wall = sum(p * 60**i for i, p in enumerate(reversed(parts)))
    return done.stdout, {
        "wall_s": round(wall, 1),
        "user_s": float(figures["user_s"] or 0),
        "system_s": float(figures["system_s"] or 0),
        "peak_mb": round(int(figures["peak_mb"] or 0) / 1024),
        "log": [line for line in done.stderr.splitlines() if not line.startswith(("\t", "class "))][:6],
    }


def one_run(db: str, scale: float, seed: int, postgres) -> dict:
    from bench.run import fresh_database

    label = f"{db}-{scale:g}"
    env = fresh_database(
        f"optimizer-{label}" if db == "sqlite" else f"optimizer_{label}", db=db, postgres=postgres
    )
    log(f"{label}: seeding")
    start = time.perf_counter()
    seeded = subprocess.run(
        [PY, "manage.py", "seed_school", "--scale", str(scale), "--seed", str(seed)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seed_seconds = round(time.perf_counter() - start, 1)
    reviews = json.loads(seeded.stdout.strip().splitlines()[-1])["reviews"]
    log(f"{label}: seeded {reviews} reviews in {seed_seconds} s; optimizing")
    load_before = os.getloadavg()
    stdout, figures = timed([PY, "manage.py", "optimize_fsrs"], env)
    load_after = os.getloadavg()
    summary = json.loads(stdout.strip().splitlines()[-1])
    log(f"{label}: optimized in {figures['wall_s']} s, peak {figures['peak_mb']} MB; reporting")
    report = subprocess.run(
        [PY, "bench/optimizer.py", "--report"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return {
        "db": db,
        "scale": scale,
        "reviews": reviews,
        "seed_seconds": seed_seconds,
        "optimize": figures,
        "summary": summary,
        "load": [round(x, 1) for x in (*load_before, *load_after)],
        **json.loads(report.stdout),
    }


def report() -> dict:
    """In the seeded and optimized database: the sets' figures, and the course's held-out log
    loss computed here (plain mean) with the defaults and with weights trained on the earlier
    reviews."""
    import django

    django.setup()
    from review import optimizer
    from review.models import ParameterSet

    def figures(sets) -> dict:
        sets = list(sets)
        judged = [s for s in sets if s.log_loss_after is not None]
        better = [
            s
            for s in judged
            if s.log_loss_after < s.log_loss_before
            and (s.log_loss_fallback is None or s.log_loss_after < s.log_loss_fallback)
        ]
        median = {}
        for key in ("log_loss_before", "log_loss_after", "rmse_before", "rmse_after", "log_loss_fallback"):
            values = [getattr(s, key) for s in judged if getattr(s, key) is not None]
            median[key] = round(statistics.median(values), 4) if values else None
        return {"sets": len(sets), "better": len(better), "median": median}

    course = ParameterSet.objects.get(scope="course")
    start = time.perf_counter()
    histories = optimizer.read_histories()
    weights = optimizer.train(optimizer.split(histories).train)
    before, count = optimizer.held_out_log_loss(optimizer.DEFAULT_WEIGHTS, histories)
    after, _count = optimizer.held_out_log_loss(weights, histories)
    return {
        "course": {
            "reviews": course.reviews,
            "held_out": course.held_out,
            "log_loss": [round(course.log_loss_before, 4), round(course.log_loss_after, 4)],
            "rmse": [round(course.rmse_before, 4), round(course.rmse_after, 4)],
            "plain_log_loss": [round(before, 4), round(after, 4)],
            "plain_count": count,
            "plain_seconds": round(time.perf_counter() - start, 1),
            "weights": course.weights,
        },
        "cohorts": figures(ParameterSet.objects.filter(scope="cohort")),
        "students": figures(ParameterSet.objects.filter(scope="student")),
    }


def markdown(results: dict) -> str:
    machine = results["machine"]
    lines = [
        "# The FSRS optimizer at school scale",
        "",
        f"Measured {results['when']} on {machine['cpus']} CPUs ({machine['platform']}), Python "
        f"{machine['python']}, {results['engine']}. **Under load**: the machine is shared with 6 other "
        "helpers' builds and tests (load averages before/after each run below), so times are upper "
        "bounds; peak memory is not affected.",
        "",
        "Reproduce: `make bench-optimizer` (or `.venv/bin/python bench/optimizer.py --db both --scale 1`).",
        "Each run: a fresh database seeded by `seed_school` (its students remember through an FSRS memory "
        "of their own, `seed_school.true_weights`), then `manage.py optimize_fsrs` timed by "
        "`/usr/bin/time -v` "
        "(peak = maximum resident memory of the whole process).",
        "",
        "| database | reviews | seed (s) | optimize wall (s) | CPU user+sys (s) | peak memory (MB) "
        "| load 1-min before → after |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for run in results["runs"]:
        o = run["optimize"]
        lines.append(
            f"| {run['db']} | {run['reviews']:,} | {run['seed_seconds']} | {o['wall_s']} | "
            f"{o['user_s'] + o['system_s']:.1f} | {o['peak_mb']} | {run['load'][0]} → {run['load'][3]} |"
        )
    lines += [
        "",
        "Prediction of the held-out reviews (the latest 20 % of each student's reviews, by review day; "
        "the sets are trained on the earlier ones). Log loss and RMSE (over bins) as fsrs-rs-python's "
        "`evaluate` computes them (Anki's figures: its log loss weighs the items); *plain log loss*: the "
        "plain mean recomputed here from the forgetting curve (`review.optimizer.held_out_log_loss`). "
        "*Fallback set*: the set a class or student would have otherwise (the course's; the class's or "
        "the course's), trained on the same earlier reviews; a set is used only if it beats the defaults "
        "and its fallback.",
        "",
        "| database | set | held-out reviews | log loss defaults → trained | RMSE defaults → trained "
        "| log loss of the fallback set | plain log loss |",
        "|---|---|---:|---|---|---|---|",
    ]
    for run in results["runs"]:
        c = run["course"]
        lines.append(
            f"| {run['db']} | course | {c['held_out']:,} | {c['log_loss'][0]} → {c['log_loss'][1]} | "
            f"{c['rmse'][0]} → {c['rmse'][1]} | | {c['plain_log_loss'][0]} → {c['plain_log_loss'][1]} |"
        )
        for scope in ("cohorts", "students"):
            f = run[scope]
            m = f["median"]
            lines.append(
                f"| {run['db']} | {scope}: {f['sets']} sets, {f['better']} used (beat both) "
                "| (medians) | "
                f"{m['log_loss_before']} → {m['log_loss_after']} | {m['rmse_before']} → {m['rmse_after']} "
                f"| {m['log_loss_fallback']} | |"
            )
    lines += ["", "Students scheduled by each kind of set after the run:", ""]
    for run in results["runs"]:
        lines.append(f"- {run['db']}: {json.dumps(run['summary']['students_scheduled_by'])}")
    lines += [
        "",
        "Course weights trained (SQLite run):",
        "",
        f"`{results['runs'][0]['course']['weights']}`",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pg-port", type=int, default=0, help="port of the throwaway cluster (default: free)"
    )
    parser.add_argument("--report", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.report:
        print(json.dumps(report()))
        return
    from bench.run import Postgres

    OUT.mkdir(parents=True, exist_ok=True)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    postgres = None
    runs = []
    try:
        if "postgres" in dbs:
            postgres = Postgres()
            if args.pg_port:
                postgres.port = args.pg_port
            postgres.start()
        for db in dbs:
            runs.append(one_run(db, args.scale, args.seed, postgres))
    finally:
        if postgres is not None:
            postgres.stop()
    results = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "engine": f"fsrs-rs-python {metadata.version('fsrs-rs-python')}",
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "runs": runs,
    }
    RESULTS_JSON.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    RESULTS_MD.write_text(markdown(results), encoding="utf-8")
    log(f"wrote {RESULTS_MD.relative_to(ROOT)} and {RESULTS_JSON.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
