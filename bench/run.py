"""Rappel's benchmark at school scale: seed, time the key pages, load test, write the results.

    .venv/bin/python bench/run.py [--db sqlite|postgres|both] [--scales 1.0,0.1] [--load-seconds 60]

For each database and scale: a fresh database (a SQLite file under bench/out/, or a database in a
throwaway PostgreSQL cluster on 127.0.0.1 started as in .ci/run and stopped at exit), seeded with
`manage.py seed_school`; the key pages timed through the Django test client beside a baseline
view (bench/measure.py); then gunicorn with 2 workers on a free port of 127.0.0.1 and a bounded
load test (bench/load.py). Also runs the kind micro-benchmarks (bench/bench_yaml.py,
bench/bench_command.py). Writes bench/results.json and bench/results.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
PY = sys.executable

from bench import load  # noqa: E402

SEED_TARGET_SECONDS = 120


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def django_env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL"}}
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_DEBUG": "1",  # read by config.settings before bench.settings turns DEBUG off
            "PYTHONPATH": str(ROOT),
            "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
        }
    )
    return env


# --- a throwaway PostgreSQL cluster (as .ci/run starts one) ---------------------------------------


class Postgres:
    def __init__(self) -> None:
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
        if not versions:
            raise SystemExit("PostgreSQL is not installed (apt-get install postgresql), or use --db sqlite")
        self.bin = versions[-1]
        self.dir = Path(tempfile.mkdtemp(prefix="rappel-bench-pg."))
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, command: str) -> None:
        if self.as_root:
            subprocess.run(
                ["su", "postgres", "-s", "/bin/sh", "-c", command], check=True, stdout=subprocess.DEVNULL
            )
        else:
            subprocess.run(["/bin/sh", "-c", command], check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        data = self.dir / "data"
        self._run(f"{self.bin}/initdb -D {data} -U postgres --auth=trust -E UTF8 --locale=C.UTF-8")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=200"
        self._run(f'{self.bin}/pg_ctl -D {data} -w -l {self.dir}/log -o "{options}" start')
        log(f"PostgreSQL {self.bin.parent.name} on 127.0.0.1:{self.port} ({self.dir})")

    def create(self, name: str) -> str:
        self._run(f"{self.bin}/createdb -h 127.0.0.1 -p {self.port} -U postgres {name}")
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def version(self) -> str:
        return self.bin.parent.name

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(f"{self.bin}/pg_ctl -D {self.dir / 'data'} -m fast stop")
        shutil.rmtree(self.dir, ignore_errors=True)
        log("PostgreSQL stopped")


# --- gunicorn ------------------------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, env: dict, logfile: Path) -> None:
        self.port = free_port()
        self.logfile = logfile
        self.process = subprocess.Popen(
            [
                PY,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--error-logfile",
                str(logfile),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"gunicorn exited: see {logfile}") from None
                time.sleep(0.3)
        self.stop()
        raise SystemExit(f"gunicorn did not answer on 127.0.0.1:{self.port}: see {logfile}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- one database at one scale ---------------------------------------------------------------------------


def one_run(*, db: str, scale: float, args, postgres: Postgres | None) -> dict:
    label = f"{db}-{scale:g}"
    log(f"== {label}")
    if db == "sqlite":
        path = OUT / f"{label}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = postgres.create(f"bench_{label.replace('-', '_').replace('.', '_')}")
    env = django_env(url)
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=600)
    log(f"seeding at scale {scale:g} (progress below)")
    start = time.perf_counter()
    seeded = subprocess.run(
        [PY, "manage.py", "seed_school", "--scale", str(scale), "--seed", str(args.seed)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=1800,
        stdout=subprocess.PIPE,
        text=True,
    )
    seed_seconds = time.perf_counter() - start
    summary = json.loads(seeded.stdout.strip().splitlines()[-1])
    log(f"seeded in {seed_seconds:.1f} s (command's own figure {summary['seconds']} s)")
    pages_file, plan_file = OUT / f"pages-{label}.json", OUT / f"load-plan-{label}.json"
    load_before = os.getloadavg()
    subprocess.run(
        [
            PY,
            "bench/measure.py",
            "--out",
            str(pages_file),
            "--load-plan",
            str(plan_file),
            "--scale",
            str(scale),
            "--repeat",
            str(args.repeat),
            "--page-seconds",
            str(args.page_seconds),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=3600,
    )
    measured = json.loads(pages_file.read_text())
    result = {
        "db": db,
        "scale": scale,
        "seed_seconds": round(seed_seconds, 1),
        "seed": summary,
        "load_average_before_pages": [round(x, 2) for x in load_before],
        **measured,
    }
    if args.load_seconds > 0:
        plan = json.loads(plan_file.read_text())
        server = Gunicorn(env, OUT / f"gunicorn-{label}.log")
        try:
            log(
                f"load test: 6 simulated students for {args.load_seconds:g} s against gunicorn -w 2 "
                f"on 127.0.0.1:{server.port}"
            )
            app = load.run(port=server.port, plan=plan, seconds=args.load_seconds, users=args.users)
            log(
                f"  {app['requests_per_second']} req/s, p50 {app['p50_ms']} ms, p95 {app['p95_ms']} ms, "
                f"{app['errors']} errors"
            )
            seconds = max(5.0, min(30.0, args.load_seconds / 3))
            base = load.run(port=server.port, plan=plan, seconds=seconds, users=args.users, baseline=True)
            rate, p50, errors = base["requests_per_second"], base["p50_ms"], base["errors"]
            log(f"  baseline: {rate} req/s, p50 {p50} ms, {errors} errors")
        finally:
            server.stop()
        result["load"] = {"app": app, "baseline": base, "users": args.users, "workers": 2}
    return result


def micro_benchmarks() -> dict:
    out = {}
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    for name in ("bench_yaml", "bench_command"):
        script = ROOT / "bench" / f"{name}.py"
        if not script.exists():
            continue
        log(f"micro-benchmark {script.name}")
        try:
            done = subprocess.run(
                [PY, str(script)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
            )
            out[name] = {
                "command": f"python bench/{script.name}",
                "returncode": done.returncode,
                "output": done.stdout.strip().splitlines() or done.stderr.strip().splitlines()[-5:],
            }
        except subprocess.TimeoutExpired:
            out[name] = {
                "command": f"python bench/{script.name}",
                "returncode": None,
                "output": ["timed out"],
            }
    return out


# --- results -----------------------------------------------------------------------------------------------


def verdict(page: dict, scale: float) -> tuple[str, str]:
    """(target, "met" / "not met" / "—" / "error") for a page row."""
    target, median = page.get("target"), page.get("median_ms")
    if page.get("error") or median is None:
        return target or "", "error"
    if target == "2x":
        base = page.get("baseline_median_ms")
        if not base:
            return "≤ 2× baseline", "—"
        return "≤ 2× baseline", "met" if median <= 2 * base else "not met"
    if target in {"300ms", "200ms"}:
        limit = int(target[:-2])
        if scale != 1.0:
            return f"< {limit} ms at scale 1", "—"
        return f"< {limit} ms", "met" if median < limit else "not met"
    return "", "—"


def _num(value) -> str:
    return "—" if value is None else (f"{value:,.1f}" if isinstance(value, float) else str(value))


def _ratio(page: dict) -> str:
    base = page.get("baseline_median_ms")
    return f"{page['median_ms'] / base:.1f}" if base and page.get("median_ms") else "—"


def _summary(runs: list[dict]) -> list[str]:
    """One line per target of the issues, per database, at scale 1."""
    lines = ["## Against the targets (scale 1)", ""]
    full = [r for r in runs if r["scale"] == 1.0]
    for run in full:
        pages = run["pages"]
        student = [p for p in pages if p.get("target") == "2x"]
        within = [p["page"] for p in student if verdict(p, 1.0)[1] == "met"]
        over = [f"{p['page']} {_ratio(p)}×" for p in student if verdict(p, 1.0)[1] != "met"]
        lines.append(
            f"- **{run['db']}**: student pages within 2× the baseline ([R3], [R7]): "
            f"{len(within)} of {len(student)}"
            + (f" (met: {', '.join(within)})" if within else "")
            + f"; over: {', '.join(over) or 'none'}."
        )
        for p in pages:
            if p.get("target") in {"300ms", "200ms"}:
                lines.append(
                    f"  - {p['page']} ({p.get('note', '')}): {_num(p['median_ms'])} ms median, target "
                    f"{verdict(p, 1.0)[0]}: **{verdict(p, 1.0)[1]}** ([R5])"
                )
        if run["db"] == "sqlite":
            met = "met" if run["seed_seconds"] < SEED_TARGET_SECONDS else "not met"
            lines.append(
                f"  - seeding: {run['seed_seconds']} s, target < {SEED_TARGET_SECONDS} s: **{met}** ([R7])"
            )
        if "load" in run:
            errors = run["load"]["app"]["errors"] + run["load"]["baseline"]["errors"]
            lines.append(
                f"  - load test: {run['load']['app']['requests_per_second']} req/s, "
                f"{errors} errors, target zero errors: **{'met' if errors == 0 else 'not met'}** ([R7])"
            )
    growing = []
    for db in sorted({r["db"] for r in runs}):
        counts: dict[str, set] = {}
        for run in (r for r in runs if r["db"] == db):
            for p in run["pages"]:
                if p["queries"] is not None:
                    counts.setdefault(p["page"], set()).add(p["queries"])
        growing += [f"{name} ({db}: {sorted(c)})" for name, c in counts.items() if len(c) > 1]
    if len({r["scale"] for r in runs}) > 1:
        lines.append(
            f"- query counts equal at every scale ([R7]): "
            f"{'**met**' if not growing else '**not met**: ' + ', '.join(growing)}"
        )
    return lines + [""]


def markdown(results: dict) -> str:
    runs = results["runs"]
    machine = results["machine"]
    lines = [
        "# Rappel benchmark results",
        "",
        f"Generated {results['generated_at']} by `python bench/run.py {results['arguments']}` in "
        f"{results['seconds']:.0f} s on {machine['cpus']} CPUs ({machine['platform']}), "
        f"Python {machine['python']}, "
        f"Django {machine['django']}, SQLite {machine['sqlite']}"
        + (f", PostgreSQL {machine['postgres']}" if machine.get("postgres") else "")
        + f"; git {machine['git']}. Times are server time in process (Django test client, no network) in ms; "
        "'× baseline' divides a page's median by the median of the baseline requests made just before each "
        "of its requests. How to read them: bench/README.md.",
        "",
    ]
    if machine.get("code_changed_during_run"):
        lines += [
            f"**Warning**: application files changed while the benchmark ran: "
            f"{', '.join(machine['code_changed_during_run'])}.",
            "",
        ]
    lines += _summary(runs)
    lines += [
        "## Seeding",
        "",
        "| db | scale | seconds | students | cohorts | questions (+deck) | answers | cards | reviews |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        s = run["seed"]
        lines.append(
            f"| {run['db']} | {run['scale']:g} | {run['seed_seconds']} | {s['students']:,} | {s['cohorts']} "
            f"| {s['questions']} (+{s['deck_questions']}) | {s['answers']:,} | {s['cards']:,} "
            f"| {s['reviews']:,} |"
        )
    lines += [
        "",
        "## Pages",
        "",
        "| page | db | scale | median ms | p95 ms | queries | × baseline | target | met | notes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for page in run["pages"]:
            target, met = verdict(page, run["scale"])
            note = page.get("note", "") + (f" ERROR: {page['error']}" if page.get("error") else "")
            lines.append(
                f"| {page['page']} | {run['db']} | {run['scale']:g} | {_num(page['median_ms'])} "
                f"| {_num(page['p95_ms'])} | {_num(page['queries'])} | {_ratio(page)} | {target} | {met} "
                f"| {note} |"
            )
    scales = sorted({r["scale"] for r in runs})
    lines += [
        "",
        "## Query counts against the data size",
        "",
        "| page | db | " + " | ".join(f"scale {s:g}" for s in scales) + " | constant |",
        "|---|---|" + "---|" * (len(scales) + 1),
    ]
    for db in sorted({r["db"] for r in runs}):
        by_scale = {r["scale"]: {p["page"]: p["queries"] for p in r["pages"]} for r in runs if r["db"] == db}
        names = [p["page"] for p in next(r for r in runs if r["db"] == db)["pages"]]
        for name in names:
            counts = [by_scale.get(s, {}).get(name) for s in scales]
            known = [c for c in counts if c is not None]
            constant = "—" if len(known) < 2 else ("yes" if len(set(known)) == 1 else "NO")
            lines.append(f"| {name} | {db} | " + " | ".join(_num(c) for c in counts) + f" | {constant} |")
    lines += [
        "",
        "## Where the time goes",
        "",
        "The functions behind the heavier pages, timed directly (median of 3, ms):",
        "",
        "| page | function | db | scale | median ms |",
        "|---|---|---|---|---|",
    ]
    for run in runs:
        for c in run.get("components", []):
            lines.append(
                f"| {c['page']} | {c['component']} | {run['db']} | {run['scale']:g} "
                f"| {_num(c['median_ms'])} |"
            )
    lines += [
        "",
        "One request of each page under cProfile: the share of its time spent executing and fetching "
        "SQL (not counting Django turning rows into values), rendering templates (the two overlap when a "
        "template evaluates a query), and the project's functions with the most cumulative time.",
        "",
        "| page | db | scale | SQL % | templates % | project functions (cumulative %) |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        for page in run["pages"]:
            prof = page.get("profile")
            if prof and page["group"] != "baseline":
                top = ", ".join(f"`{t['function']}` {t['pct']}" for t in prof["top"])
                lines.append(
                    f"| {page['page']} | {run['db']} | {run['scale']:g} | {prof['sql_pct']} "
                    f"| {prof['template_pct']} | {top} |"
                )
    lines += _load_section([r for r in runs if "load" in r])
    if results.get("micro"):
        lines += ["", "## Micro-benchmarks of the kinds (other developers' scripts)", ""]
        for data in results["micro"].values():
            lines += [f"`{data['command']}`:", "", "```", *data["output"], "```", ""]
    for fail in results.get("failed", []):
        lines += ["", f"**{fail['db']} at scale {fail['scale']:g} failed**: `{fail['error']}`"]
    lines += ["", "## Facts of each data set", ""]
    for run in runs:
        lines.append(
            f"- {run['db']} {run['scale']:g}: {json.dumps(run['facts'], ensure_ascii=False)}; "
            f"load average (1, 5, 15 min) before the pages {run['load_average_before_pages']}"
        )
    return "\n".join(lines) + "\n"


def _load_section(loaded: list[dict]) -> list[str]:
    if not loaded:
        return []
    lines = [
        "",
        "## Load test",
        "",
        f"gunicorn, 2 sync workers, on 127.0.0.1; {loaded[0]['load']['users']} simulated signed-in "
        "students with no think time (half take quizzes: start, question, answer with htmx, finish, "
        "result; half review: next card, rating with htmx), then as many hitting the baseline view. "
        "Latency as the client sees it, queueing included. Target: zero errors.",
        "",
        "| db | scale | run | seconds | requests | req/s | p50 ms | p95 ms | errors | req/s ÷ baseline's |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in loaded:
        app, base = run["load"]["app"], run["load"]["baseline"]
        rate = base["requests_per_second"]
        share = f"{app['requests_per_second'] / rate:.2f}" if rate else "—"
        for name, data, ratio in (("students", app, share), ("baseline", base, "1")):
            lines.append(
                f"| {run['db']} | {run['scale']:g} | {name} | {data['seconds']} | {data['requests']:,} "
                f"| {data['requests_per_second']} | {data['p50_ms']} | {data['p95_ms']} "
                f"| {data['errors']} | {ratio} |"
            )
    lines += ["", "Per request type (count, p50 / p95 ms):", ""]
    for run in loaded:
        parts = [
            f"{label} {v['n']}× {v['p50_ms']}/{v['p95_ms']}"
            for label, v in run["load"]["app"]["per_request"].items()
        ]
        lines.append(f"- {run['db']} {run['scale']:g}: " + "; ".join(parts))
        if run["load"]["app"]["error_kinds"]:
            lines.append(f"  - errors: {run['load']['app']['error_kinds']}")
    return lines


def code_fingerprint() -> dict[str, str]:
    """Hashes of the application's files, to flag changes made while the benchmark runs."""
    files = [
        *ROOT.glob("quizzes/**/*.py"),
        *ROOT.glob("course/**/*.py"),
        *ROOT.glob("config/*.py"),
        *ROOT.glob("templates/**/*.html"),
    ]
    return {
        str(f.relative_to(ROOT)): hashlib.sha1(f.read_bytes()).hexdigest()
        for f in sorted(files)
        if "migrations" not in f.parts
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Rappel's benchmark at school scale.")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--scales", default="1.0,0.1", help="comma-separated, e.g. 1.0,0.1")
    parser.add_argument("--load-seconds", type=float, default=60, help="0 skips the load test")
    parser.add_argument("--users", type=int, default=6, help="simulated students in the load test")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page (at most)")
    parser.add_argument("--page-seconds", type=float, default=15, help="time budget per page")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--skip-micro", action="store_true", help="do not run bench_yaml.py / bench_command.py"
    )
    args = parser.parse_args()
    scales = [float(s) for s in args.scales.split(",") if s.strip()]
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    fingerprint = code_fingerprint()
    postgres = None
    runs: list[dict] = []
    failed: list[dict] = []
    try:
        if "postgres" in dbs:
            postgres = Postgres()
            postgres.start()
        for db in dbs:
            for scale in scales:
                try:
                    runs.append(one_run(db=db, scale=scale, args=args, postgres=postgres))
                except (subprocess.SubprocessError, OSError, SystemExit, ValueError) as error:
                    log(f"{db} at scale {scale:g} failed: {error!r}")
                    failed.append({"db": db, "scale": scale, "error": repr(error)})
                write(
                    runs, failed, {}, args, started, postgres, fingerprint
                )  # keep what is done if a later run fails
    finally:
        if postgres is not None:
            postgres.stop()
    micro = {} if args.skip_micro else micro_benchmarks()
    write(runs, failed, micro, args, started, postgres, fingerprint)
    log(f"done in {time.perf_counter() - started:.0f} s: bench/results.md, bench/results.json")
    if failed:
        sys.exit(1)


def write(
    runs: list[dict], failed: list[dict], micro: dict, args, started: float, postgres, fingerprint: dict
) -> None:
    import sqlite3

    import django

    try:
        git = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        git = "?"
    results = {
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "arguments": " ".join(sys.argv[1:]),
        "seconds": round(time.perf_counter() - started, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "django": django.get_version(),
            "sqlite": sqlite3.sqlite_version,
            "postgres": postgres.version() if postgres else None,
            "git": git + " (+ working tree)",
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "code_changed_during_run": sorted(
                name for name, digest in code_fingerprint().items() if fingerprint.get(name) != digest
            ),
        },
        "runs": runs,
        "failed": failed,
        "micro": micro,
    }
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (ROOT / "bench" / "results.md").write_text(markdown(results))


if __name__ == "__main__":
    main()
