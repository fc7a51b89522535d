"""Time the input bounds of [R13]: how fast hostile input is refused, and what a bank costs.

Run: .venv/bin/python bench/bench_limits.py
Prints the time to refuse a "billion laughs" bank, a bank nested 10,000 deep and a Markdown
text of 10,000 nested brackets, then to read a bank of MAX_BANK_QUESTIONS single-choice
questions and to parse a file of tiny items at MAX_BANK_BYTES: the figures behind the limits
in quizzes/banks.py. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from course import markdown, yamlio  # noqa: E402
from quizzes import banks  # noqa: E402

LAUGHS = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
QUESTION = """\
  - uid: q-{n}
    kind: single
    prompt: "Question {n} : quel objet garde la configuration ?"
    explanation: "Une `ConfigMap`."
    choices:
      - {{text: ConfigMap, correct: true}}
      - {{text: Secret}}
      - {{text: Pod}}
"""


def timed(label: str, function) -> object:
    start = time.perf_counter()
    result = function()
    print(f"{label}: {time.perf_counter() - start:.3f} s")
    return result


def refused_markdown() -> str:
    try:
        markdown.render("[" * 10_000 + "x" + "]" * 10_000)
    except markdown.MarkdownRefused as refused:
        return refused.message
    raise AssertionError("not refused")


def main() -> None:
    _data, problems = timed(
        f"billion laughs ({len(LAUGHS)} bytes) refused",
        lambda: yamlio.load_text("section: a\nquestions: []\n" + LAUGHS, path="laughs.yaml"),
    )
    print("  ", problems[0])
    _data, problems = timed(
        "bank nested 10,000 deep refused",
        lambda: yamlio.load_text("section: a\nquestions:\n" + "  - " * 10_000 + "x\n", path="deep.yaml"),
    )
    print("  ", problems[0])
    print("  ", timed("Markdown with 10,000 nested brackets refused", refused_markdown))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bank.yaml"
        questions = "".join(QUESTION.format(n=n) for n in range(banks.MAX_BANK_QUESTIONS))
        path.write_text("section: s\nquestions:\n" + questions, encoding="utf-8")
        read = timed(
            f"bank_read of {banks.MAX_BANK_QUESTIONS} questions ({path.stat().st_size // 1000} KB)",
            lambda: banks.bank_read([path], sections={"s"}),
        )
        assert len(read.questions) == banks.MAX_BANK_QUESTIONS and not read.problems, read.problems
        item, items = "  - {uid: q-%06d, kind: single}\n", []
        size = 0
        while size + len(item) + 1 < banks.MAX_BANK_BYTES:
            items.append(item % len(items))
            size += len(items[-1])
        path.write_text("section: s\nquestions:\n" + "".join(items), encoding="utf-8")
        timed(f"load_file of {path.stat().st_size // 1000} KB of tiny items", lambda: yamlio.load_file(path))


if __name__ == "__main__":
    main()
