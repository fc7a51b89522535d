"""Time the yaml kind: grading a 200-line multi-document manifest, schema included.

Run: .venv/bin/python bench/bench_yaml.py [rounds]
Prints the cold first grade (schemas read from disk), then the median and p95 of warm grades,
and the same for a syntax error and a YAML bomb. Not a test: timings depend on the machine.
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

from course import yamlio  # noqa: E402
from quizzes.kinds import yamldoc  # noqa: E402

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{n}
  labels:
    app: web-{n}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web-{n}
  template:
    metadata:
      labels:
        app: web-{n}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 80
          resources:
            limits:
              cpu: 500m
              memory: 128Mi
          env:
            - name: MODE
              value: "prod"
---
apiVersion: v1
kind: Service
metadata:
  name: web-{n}
spec:
  type: NodePort
  selector:
    app: web-{n}
  ports:
    - port: 80
      targetPort: 80
"""


def manifest(lines: int = 200) -> str:
    parts: list[str] = []
    n = 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(DEPLOYMENT.format(n=n))
        n += 1
    return "---\n".join(parts)


SPEC = yamldoc.build_spec(
    {
        "kubernetes": True,
        "checks": [
            {"path": "kind", "equals": "Deployment", "explain": "."},
            {"path": "spec.replicas", "equals": 3, "explain": "."},
            {"path": "spec.template.spec.containers[0].image", "matches": "nginx(:.*)?", "explain": "."},
            {"selector_matches": {"service": "Service", "pod": "Deployment"}, "explain": "."},
            {"selector_matches": {"service": "Deployment", "pod": "Deployment"}, "explain": "."},
            {"path": "spec.type", "doc": "Service", "equals": "NodePort", "explain": "."},
        ],
    },
    uid="bench-yaml-1",
)


def timed(text: str, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        yamldoc.grade(spec=SPEC, response={"yaml": text})
        out.append((time.perf_counter() - start) * 1000)
    return out


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"{name:<42} median {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms   (n={len(ordered)})")


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    text = manifest()
    lines = text.count("\n")
    pure = yamlio.SafeLoader is yamlio.PurePythonSafeLoader
    loader = "pure Python SafeLoader" if pure else "libyaml (CSafeLoader)"
    print(f"{lines}-line manifest, {text.count('---') + 1} documents, {len(text)} characters; {loader}")
    start = time.perf_counter()
    verdict = yamldoc.grade(spec=SPEC, response={"yaml": text})
    print(
        f"{'cold first grade (schemas read once)':<42} {(time.perf_counter() - start) * 1000:7.2f} ms   "
        f"score {verdict.score}"
    )
    report("warm grade, schema + 6 checks", timed(text, rounds))
    broken = text.replace("  replicas: 3", "\treplicas: 3", 1)
    report("warm grade, syntax error", timed(broken, rounds))
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    report("warm grade, billion laughs", timed(bomb, rounds))
    start = time.perf_counter()
    reveal = yamldoc.reveal(SPEC, {"yaml": text})
    print(
        f"{'reveal (feedback data)':<42} {(time.perf_counter() - start) * 1000:7.2f} ms   "
        f"{len(reveal['listing'])} lines"
    )


if __name__ == "__main__":
    main()
