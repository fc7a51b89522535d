"""Time the command kind: grading one typed docker or kubectl command.

Run: .venv/bin/python bench/bench_command.py [calls]
Grades a mix of right and wrong commands (flags reordered, aliases, unknown flags, wrong
resources, docker legacy verbs) against specs with one to three accepted answers, and prints
the median, p95 and max of ``grade`` and of ``reveal`` (what the feedback page computes).
The accepted answers are parsed once per process (cached); the student's command is parsed on
every call, as in production. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from quizzes.kinds import command  # noqa: E402

CASES: list[tuple[list[str], str]] = [
    (["kubectl get pods -n kube-system"], "kubectl -n kube-system get po"),
    (["kubectl get pods -n kube-system"], "kubectl get pods --namespaces kube-system"),
    (["kubectl get all -A", "kubectl get all --all-namespaces -o wide"], "kubectl get all"),
    (["kubectl describe node/k3s-server"], "kubectl describe no k3s-agent"),
    (
        ["kubectl run nginx-pod --image nginx:latest"],
        "kubectl run --image=nginx nginx-pod --dry-run=client -o yaml",
    ),
    (
        ["kubectl config set-context --current --namespace=formation"],
        "kubectl config set-context --namespace formation --current",
    ),
    (["kubectl explain pod.spec.containers"], "kubectl explain po.spec.containers"),
    (["kubectl --kubeconfig=/etc/rancher/k3s/k3s.yaml get pods"], "sudo k3s kubectl get pods"),
    (["docker ps -a"], "docker container list --all"),
    (
        ['docker commit -m "Ajout de curl" web monimage:v2'],
        "docker container commit --message 'Ajout' web monimage",
    ),
    (
        [
            "docker run -it --rm ubuntu bash",
            "docker run -ti --rm ubuntu:22.04 bash",
            "docker run --rm ubuntu",
        ],
        "docker container run -e A=1 -p 8080:80 -v data:/data --name web -d nginx",
    ),
    (["kubectl get po,svc"], "kubectl get services,pods,deployments -l app=web -w"),
]


def _timings(function, calls: int) -> list[float]:
    """Microseconds per call."""
    out: list[float] = []
    for index in range(calls):
        spec, text = SPECS[index % len(SPECS)]
        start = time.perf_counter_ns()
        function(spec, text)
        out.append((time.perf_counter_ns() - start) / 1000)
    return out


def _report(name: str, values: list[float]) -> None:
    ordered = sorted(values)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(
        f"{name:7} n={len(values):6}  median {statistics.median(values):7.1f} µs  "
        f"p95 {p95:7.1f} µs  max {ordered[-1]:8.1f} µs"
    )


SPECS = [(command.build_spec({"answers": answers}, uid="bench-cmd-1"), text) for answers, text in CASES]


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    _timings(lambda spec, text: command.grade(spec=spec, response={"command": text}), 200)  # warm up
    _report("grade", _timings(lambda spec, text: command.grade(spec=spec, response={"command": text}), calls))
    _report("reveal", _timings(lambda spec, text: command.reveal(spec, {"command": text}), calls))
    long_text = "kubectl get pods " + " ".join(f"-l k{n}=v{n}" for n in range(40))
    long_spec = command.build_spec({"answers": ["kubectl get pods"]}, uid="bench-cmd-2")
    values = []
    for _ in range(calls // 10):
        start = time.perf_counter_ns()
        command.grade(spec=long_spec, response={"command": long_text[: command.MAX_LENGTH]})
        values.append((time.perf_counter_ns() - start) / 1000)
    _report("500ch", values)


if __name__ == "__main__":
    main()
