"""Rappel's benchmark at school scale: seed, time the key pages, load test, write the results.

    .venv/bin/python bench/run.py [--db sqlite|postgres|both] [--scales 1.0,0.1] [--load-seconds 60]

For each database and scale: a fresh database (a SQLite file under bench/out/, or a database in a
throwaway PostgreSQL cluster on 127.0.0.1 started as in .ci/run and stopped at exit), seeded with
`manage.py seed_school`; the key pages timed through the Django test client beside a baseline
view (bench/measure.py); then gunicorn with 2 workers on a free port of 127.0.0.1 and a bounded
Locust load test (bench/loadtest.py, bench/locustfile.py; Locust in bench/.venv-locust, made on
first use). Also runs the kind micro-benchmarks (bench/bench_yaml.py, bench/bench_command.py).
Writes bench/results.json and bench/results.md; the tables show beside each figure the one of
the R8 run (bench/results-r8.json).
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

from bench import loadtest  # noqa: E402

SEED_TARGET_SECONDS = 120
STUDENT_FACTOR = 4  # [R9]: student pages within 4x the baseline (2x in [R3], [R7], up to R8)
R8_RESULTS = ROOT / "bench" / "results-r8.json"
# R8's name of a component timed under another name now (the same entry point).
R8_COMPONENT_NAMES = {"progress.figures (from the snapshot)": "progress.figures"}


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


def fresh_database(name: str, *, db: str, postgres: Postgres | None) -> dict:
    """A new, migrated database called `name` (a file under bench/out, or a database of the
    throwaway cluster): the environment that points the project's commands at it."""
    if db == "sqlite":
        path = OUT / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = postgres.create(name.replace("-", "_").replace(".", "_"))
    env = django_env(url)
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=600)
    return env


def one_run(*, db: str, scale: float, args, postgres: Postgres | None) -> dict:
    label = f"{db}-{scale:g}"
    log(f"== {label}")
    env = fresh_database(label if db == "sqlite" else f"bench_{label}", db=db, postgres=postgres)
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
        result["load_average_before_load"] = [round(x, 2) for x in os.getloadavg()]
        server = Gunicorn(env, OUT / f"gunicorn-{label}.log")
        try:
            log(f"load test against gunicorn -w 2 on 127.0.0.1:{server.port}")
            result["load"] = loadtest.run(
                port=server.port,
                plan=plan_file,
                out=OUT,
                label=label,
                seconds=args.load_seconds,
                users=[int(n) for n in args.users.split(",") if n.strip()],
                think=args.think,
                max_requests=args.max_requests,
            )
        finally:
            server.stop()
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
    if target in {"2x", "4x"}:  # 2x: the target up to R8
        factor = int(target[:-1])
        base = page.get("baseline_median_ms")
        if not base:
            return f"≤ {factor}× baseline", "—"
        return f"≤ {factor}× baseline", "met" if median <= factor * base else "not met"
    if target in {"300ms", "200ms"}:
        limit = int(target[:-2])
        if scale != 1.0:
            return f"< {limit} ms at scale 1", "—"
        return f"< {limit} ms", "met" if median < limit else "not met"
    return "", "—"


def _num(value) -> str:
    return "—" if value is None else (f"{value:,.1f}" if isinstance(value, float) else str(value))


def _times(page: dict | None) -> float | None:
    """A page's median over its paired baseline's, or None."""
    if not page:
        return None
    base = page.get("baseline_median_ms")
    return page["median_ms"] / base if base and page.get("median_ms") else None


def _ratio(page: dict | None) -> str:
    value = _times(page)
    return "—" if value is None else f"{value:.1f}"


def r8_results() -> dict:
    """The R8 run (bench/results-r8.json), by (db, scale): its pages by name and its load test."""
    if not R8_RESULTS.exists():
        return {}
    data = json.loads(R8_RESULTS.read_text())
    return {
        (run["db"], run["scale"]): {
            "pages": {p["page"]: p for p in run["pages"]},
            "load": run.get("load"),
            "components": {
                (c["page"], R8_COMPONENT_NAMES.get(c["component"], c["component"])): c
                for c in run.get("components", [])
            },
        }
        for run in data["runs"]
    }


def _fits(data: dict) -> bool:
    return data["errors"] == 0 and (data["total"]["p95_ms"] or 1e9) < loadtest.P95_TARGET_MS


def _best(run: dict) -> dict | None:
    load = run.get("load") or {}
    return next((s for s in load.get("capacity", []) if s["label"] == load.get("at_target")), None)


def _live_summary(path: Path = ROOT / "bench" / "results-live.json") -> list[str]:
    """The live class's figures, from the last `make bench-live` (bench/results-live.json)."""
    from bench.live import TARGET_MS

    if not path.exists():
        return []
    live = json.loads(path.read_text())
    lines = [
        "## Live sessions ([R14])",
        "",
        "From the last `make bench-live` (bench/results-live.md has the run's machine, each question "
        "and any repeated runs): question shown -> player has it, and answer sent -> counted on the "
        f"projector, p95 against < {TARGET_MS} ms; answers lost or double-counted against 0.",
        "",
    ]
    scenarios = [(f"1 session × {live['players']}", live.get("one_session", {}))]
    scenarios += [
        (f"3 sessions at once, #{n} × {live['players'] // 3}", figures)
        for n, figures in enumerate(live.get("three_sessions", []), start=1)
    ]
    for name, figures in scenarios:
        if "shown_p95_ms" not in figures:
            lines.append(f"- {name}: failed ({figures.get('error', 'no figures')})")
            continue
        met = max(figures["shown_p95_ms"], figures["counted_p95_ms"]) < TARGET_MS and not (
            figures["lost"] or figures["double_counted"]
        )
        lines.append(
            f"- {name}: shown {figures['shown_p95_ms']} ms, counted {figures['counted_p95_ms']} ms, "
            f"{figures['lost']} lost, {figures['double_counted']} double: **{'met' if met else 'missed'}**"
        )
    return [*lines, ""]


def _summary(runs: list[dict]) -> list[str]:
    """One line per target of the issues, per database, at scale 1 (and the load test at every scale)."""
    lines = ["## Against the targets", ""]
    for run in runs:
        pages = run["pages"]
        student = [p for p in pages if p.get("target") in {"2x", "4x"}]
        full = run["scale"] == 1.0
        within = [p["page"] for p in student if verdict(p, run["scale"])[1] == "met"]
        over = [f"{p['page']} {_ratio(p)}×" for p in student if verdict(p, run["scale"])[1] != "met"]
        lines.append(
            f"- **{run['db']} at scale {run['scale']:g}**: student pages within {STUDENT_FACTOR}× "
            f"the baseline ([R9]; 2× until R8): {len(within)} of {len(student)}; "
            f"over: {', '.join(over) or 'none'}."
        )
        for p in pages:
            if full and p.get("target") in {"300ms", "200ms"}:
                lines.append(
                    f"  - {p['page']} ({p.get('note', '')}): {_num(p['median_ms'])} ms median, target "
                    f"{verdict(p, 1.0)[0]}: **{verdict(p, 1.0)[1]}** ([R5])"
                )
        if run["db"] == "sqlite" and full:
            met = "met" if run["seed_seconds"] < SEED_TARGET_SECONDS else "not met"
            lines.append(
                f"  - seeding: {run['seed_seconds']} s, target < {SEED_TARGET_SECONDS} s: **{met}** ([R7])"
            )
        load = run.get("load")
        if load:
            targets = load["targets"]
            best = _best(run)
            if best:
                total = best["total"]
                met = total["rps"] >= targets["requests_per_second"] and load["errors"] == 0
                lines.append(
                    f"  - load test: {total['rps']} req/s at p95 {_num(total['p95_ms'])} ms "
                    f"({best['users']} Locust user{'s' if best['users'] != 1 else ''}, no think time), "
                    f"{load['errors']} errors in all its runs; "
                    f"target ≥ {targets['requests_per_second']} req/s at p95 < {targets['p95_ms']} ms, "
                    f"0 errors: **{'met' if met else 'not met'}** ([R9])"
                )
            else:
                lines.append(
                    f"  - load test: no capacity step had p95 < {targets['p95_ms']} ms without errors "
                    f"({load['errors']} errors in all its runs): **not met** ([R9])"
                )
            derived = load.get("students_at_once")
            if derived:
                check = load.get("check") or {}
                checked = (
                    f"; checked with {check['users']} students thinking "
                    f"{_num(float(derived['think_seconds']))} s: "
                    f"{check['total']['rps']} req/s, p95 {_num(check['total']['p95_ms'])} ms, "
                    f"{check['errors']} errors: **{'held' if _fits(check) else 'did not hold'}**"
                    if check
                    else ""
                )
                held = load.get("students_held")
                if held is not None:  # the figure is the largest check that held
                    lines.append(
                        f"  - **students active at once with {derived['think_seconds']:g} s think time: "
                        f"{held:,}**{checked}; Little's law at the best step's rate gives a ceiling of "
                        f"{derived['students']:,} (how: see Load test)"
                    )
                else:
                    lines.append(
                        f"  - students active at once with {derived['think_seconds']:g} s think time: "
                        f"{derived['students']:,} by Little's law{checked} (how: see Load test)"
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
    r8 = r8_results()
    lines = [
        "# Rappel benchmark results",
        "",
        f"Generated {results['generated_at']} by `python bench/run.py {results['arguments']}` in "
        f"{results['seconds']:.0f} s on {machine['cpus']} CPUs ({machine['platform']}), "
        f"Python {machine['python']}, "
        f"Django {machine['django']}, SQLite {machine['sqlite']}"
        + (f", PostgreSQL {machine['postgres']}" if machine.get("postgres") else "")
        + (f", {machine['locust']}" if machine.get("locust") else "")
        + f"; git {machine['git']}. Times are server time in process (Django test client, no network) in ms; "
        "'× baseline' divides a page's median by the median of the baseline requests made just before each "
        "of its requests. 'R8' columns are the figures of the previous run (bench/results-r8.md, "
        "bench/results-r8.json) for the same page, database and scale. How to read them: bench/README.md.",
        "",
    ]
    if machine.get("code_changed_during_run"):
        lines += [
            f"**Warning**: application files changed while the benchmark ran: "
            f"{', '.join(machine['code_changed_during_run'])}.",
            "",
        ]
    lines += _summary(runs)
    lines += _live_summary()
    lines += [
        "## Seeding",
        "",
        "| db | scale | seconds | R8 seconds | students | cohorts | questions (+deck) | answers | cards "
        "| reviews |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        s = run["seed"]
        old = r8.get((run["db"], run["scale"]))
        lines.append(
            f"| {run['db']} | {run['scale']:g} | {run['seed_seconds']} | "
            f"{'—' if not old else _r8_seed(run)} | {s['students']:,} | {s['cohorts']} "
            f"| {s['questions']} (+{s['deck_questions']}) | {s['answers']:,} | {s['cards']:,} "
            f"| {s['reviews']:,} |"
        )
    lines += [
        "",
        "## Pages",
        "",
        "| page | db | scale | median ms | R8 median ms | p95 ms | queries | R8 queries | old × (R8) | new × "
        "| target | met | notes |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        old_pages = (r8.get((run["db"], run["scale"])) or {}).get("pages", {})
        for page in run["pages"]:
            target, met = verdict(page, run["scale"])
            old = old_pages.get(page["page"])
            note = page.get("note", "") + (f" ERROR: {page['error']}" if page.get("error") else "")
            lines.append(
                f"| {page['page']} | {run['db']} | {run['scale']:g} | {_num(page['median_ms'])} "
                f"| {_num(old.get('median_ms')) if old else '—'} | {_num(page['p95_ms'])} "
                f"| {_num(page['queries'])} | {_num(old.get('queries')) if old else '—'} "
                f"| {_ratio(old)} | {_ratio(page)} | {target} | {met} | {note} |"
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
        "| page | function | db | scale | median ms | R8 median ms |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        old_components = (r8.get((run["db"], run["scale"])) or {}).get("components", {})
        for c in run.get("components", []):
            old = old_components.get((c["page"], c["component"]))
            lines.append(
                f"| {c['page']} | {c['component']} | {run['db']} | {run['scale']:g} "
                f"| {_num(c['median_ms'])} | {_num(old['median_ms']) if old else '—'} |"
            )
    skipped = {(c["component"], c["reason"]) for run in runs for c in run.get("components_skipped", [])}
    if skipped:
        lines += ["", "Not timed any more (the function is gone or changed):", ""]
        lines += [f"- {name}: {reason}" for name, reason in sorted(skipped)]
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
    lines += _load_section([r for r in runs if r.get("load")], r8)
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
            + (
                f", before the load test {run['load_average_before_load']}"
                if run.get("load_average_before_load")
                else ""
            )
        )
    return "\n".join(lines) + "\n"


def _r8_seed(run: dict) -> str:
    data = json.loads(R8_RESULTS.read_text())
    old = next((r for r in data["runs"] if r["db"] == run["db"] and r["scale"] == run["scale"]), None)
    return _num(old["seed_seconds"]) if old else "—"


def _load_section(loaded: list[dict], r8: dict) -> list[str]:
    if not loaded:
        return []
    first = loaded[0]["load"]
    targets = first["targets"]
    lines = [
        "",
        "## Load test",
        "",
        f"{first['tool']}, headless, against gunicorn (2 sync workers) on 127.0.0.1, on the same CPUs. "
        "Each Locust user is one seeded student, signed in, going from activity to activity: a whole quiz "
        "(start, each question and its htmx answer, finish, result), review (the queue, then per card the "
        "answer or reveal and the rating), home, progress, and now and then a trainer's reports of a "
        "cohort (overview, item analysis, heatmap). An *action* is one page a person looks at "
        "(opening a quiz follows two redirects: 3 requests). Capacity steps: no think time; "
        "the step at target is the one with the most req/s among those with p95 < "
        f"{targets['p95_ms']} ms and no error. Latency as the client sees it, queueing included; figures "
        "from Locust's CSV files (bench/out/locust-*_stats.csv, _failures.csv, _exceptions.csv). "
        f"Target ([R9]): ≥ {targets['requests_per_second']} req/s at p95 < {targets['p95_ms']} ms, 0 errors.",
        "",
        "| db | scale | run | users | think s | seconds | requests | req/s | p50 ms | p95 ms | p99 ms "
        "| errors | requests / action |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in loaded:
        load = run["load"]
        rows = [("warm-up (not judged)", load.get("warmup"))]
        rows += [
            (f"capacity{' ← at target' if s['label'] == load['at_target'] else ''}", s)
            for s in load["capacity"]
        ]
        checks = load.get("checks") or ([load["check"]] if load.get("check") else [])
        rows += [("students thinking", check) for check in checks]
        rows += [("baseline view", load.get("baseline"))]
        for name, data in rows:
            if not data:
                continue
            total = data["total"]
            lines.append(
                f"| {run['db']} | {run['scale']:g} | {name} | {data['users']} | {data['think_seconds']:g} "
                f"| {data['seconds']} | {total['requests']:,} | {total['rps']} | {_num(total['p50_ms'])} "
                f"| {_num(total['p95_ms'])} | {_num(total['p99_ms'])} | {data['errors']} "
                f"| {_num(data['requests_per_action'])} |"
            )
    lines += ["", "### Students active at once", ""]
    for run in loaded:
        load = run["load"]
        derived = load.get("students_at_once")
        if not derived:
            lines.append(
                f"- {run['db']} {run['scale']:g}: not derived (no capacity step met the p95 target)."
            )
            continue
        check = load.get("check")
        lines.append(
            f"- {run['db']} {run['scale']:g}: ceiling {derived['students']:,} students. At target the server "
            f"gave {derived['requests_per_second']} req/s; one action took {derived['requests_per_action']} "
            "requests on average (counted in the run: requests ÷ actions), so "
            f"{derived['actions_per_second']} actions/s. A student thinking {derived['think_seconds']:g} s "
            f"between actions, each answered in {derived['response_seconds_per_action']} s (requests per "
            "action × mean response time), makes one "
            f"action every {derived['think_seconds'] + derived['response_seconds_per_action']:.2f} s; by "
            f"Little's law {derived['actions_per_second']} × "
            f"{derived['think_seconds'] + derived['response_seconds_per_action']:.2f} = "
            f"{derived['students']:,} students at once: a ceiling, the server then being as busy as in "
            "that step."
            + (
                f" Checked: {check['users']} students"
                + (
                    " (every seeded student: the derived number is larger)"
                    if check.get("capped_by_seeded_students")
                    else ""
                )
                + f" thinking {check['think_seconds']:g} s (uniform {check['think_seconds'] / 2:g}–"
                f"{check['think_seconds'] * 1.5:g} s) gave {check['total']['rps']} req/s, p95 "
                f"{_num(check['total']['p95_ms'])} ms, {check['errors']} errors"
                + (
                    f" (after {len(load.get('checks', []))} checks, each with a quarter fewer students"
                    " than the one before while p95 missed the target)."
                    if len(load.get("checks", [])) > 1
                    else "."
                )
                if check
                else ""
            )
        )
    lines += [
        "",
        "Per request type at the step at target, or the last step when none was (count, p50 / p95 ms):",
        "",
    ]
    for run in loaded:
        best = _best(run) or (run["load"]["capacity"] or [None])[-1]
        if not best:
            continue
        parts = [
            f"{name} {v['requests']}× {_num(v['p50_ms'])}/{_num(v['p95_ms'])}"
            + (f" **{v['failures']} failed**" if v["failures"] else "")
            for name, v in sorted(best["per_request"].items())
        ]
        lines.append(f"- {run['db']} {run['scale']:g} ({best['users']} users): " + "; ".join(parts))
    problems = [
        (run, data)
        for run in loaded
        for data in [
            run["load"].get("warmup"),
            *run["load"]["capacity"],
            run["load"].get("check"),
            run["load"].get("baseline"),
        ]
        if data and (data["failures"] or data["exceptions"])
    ]
    if problems:
        lines += ["", "Failures and exceptions (Locust's _failures.csv and _exceptions.csv):", ""]
        for run, data in problems:
            where = f"- {run['db']} {run['scale']:g} {data['label']}"
            lines += [f"{where}: {f['request']}: {f['error']} × {f['count']}" for f in data["failures"]]
            lines += [f"{where}: exception {e['message']} × {e['count']}" for e in data["exceptions"]]
    old = [(run, (r8.get((run["db"], run["scale"])) or {}).get("load")) for run in loaded]
    old = [(run, o) for run, o in old if o]
    if old:
        lines += [
            "",
            "R8, for comparison (the hand-made generator it replaced: 6 threads, no think time, quizzes and "
            "ratings only, latency percentiles of its own):",
            "",
        ]
        for run, o in old:
            app, base = o["app"], o["baseline"]
            lines.append(
                f"- {run['db']} {run['scale']:g}: {app['requests_per_second']} req/s, "
                f"p50 {app['p50_ms']} ms, p95 {app['p95_ms']} ms, {app['errors']} errors; "
                f"baseline view {base['requests_per_second']} req/s"
            )
    return lines


APPS = ("course", "quizzes", "review", "classes", "interop")


def code_fingerprint() -> dict[str, str]:
    """Hashes of the application's files, to flag changes made while the benchmark runs."""
    files = [
        *(f for app in APPS for f in ROOT.glob(f"{app}/**/*.py")),
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
    parser.add_argument(
        "--load-seconds",
        type=float,
        default=60,
        help="scale of the load test: each capacity step lasts a quarter (10 s at least); 0 skips it",
    )
    parser.add_argument(
        "--users",
        default="1,2,4,8",
        help="Locust users of the capacity steps (no think time), comma-separated",
    )
    parser.add_argument(
        "--think", type=float, default=5.0, help="think time of the students-at-once check, s"
    )
    parser.add_argument("--max-requests", type=int, default=200_000, help="request budget of one Locust run")
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
    if args.load_seconds > 0:
        loadtest.ensure_venv()
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
            "locust": loadtest.version() if loadtest.LOCUST.exists() else None,
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
