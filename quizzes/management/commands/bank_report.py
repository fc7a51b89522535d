"""Write the coverage section of fixtures/banks/README.md from the bank files.

The section sits between two markers; everything else in the README is left as it is.
`--check` writes nothing and fails when the section is not what the banks give now.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quizzes import kinds
from quizzes.banks import BankQuestion, bank_read, default_paths
from quizzes.lint import MIN_KINDS, SectionInfo, outline_sections

START = "<!-- coverage:start -->"
END = "<!-- coverage:end -->"
MISSING_MARKERS = f"the README needs the markers {START} and {END}, in that order"


def _cell(text: str) -> str:
    """One line of text that cannot break a Markdown table or list item."""
    return " ".join(text.split()).replace("|", "\\|")


def coverage_table(*, questions: Sequence[BankQuestion], sections: Sequence[SectionInfo]) -> list[str]:
    # The kinds the banks use, in the registry's order: a new kind module with no question yet
    # does not change the table.
    used_kinds = {q.kind for q in questions}
    names = [name for name in kinds.REGISTRY if name in used_kinds] + sorted(used_kinds - set(kinds.REGISTRY))
    counts = Counter((q.section, q.kind) for q in questions)
    lines = [
        "| section | " + " | ".join(names) + " | total | kinds | minimum | met |",
        "|---|" + "--:|" * (len(names) + 3) + ":-:|",
    ]
    for section in sections:
        row = [counts[(section.slug, name)] for name in names]
        total, used = sum(row), sum(1 for n in row if n)
        met = "yes" if total >= section.minimum and used >= MIN_KINDS else "**no**"
        label = f"`{section.slug}`" + (" (central)" if section.central else "")
        lines.append(
            f"| {label} | " + " | ".join(map(str, row)) + f" | {total} | {used} | {section.minimum} | {met} |"
        )
    totals = [sum(counts[(s.slug, name)] for s in sections) for name in names]
    lines.append("| **all sections** | " + " | ".join(map(str, totals)) + f" | **{sum(totals)}** | | | |")
    return lines


def errata_list(*, questions: Sequence[BankQuestion], sections: Sequence[SectionInfo]) -> list[str]:
    """Each course claim the banks correct, by section; questions correcting the same claim
    with the same fact and source are listed together."""
    lines: list[str] = []
    for section in sections:
        grouped: dict[tuple[str, str, str], list[str]] = {}
        for q in questions:
            if q.section == section.slug and q.erratum:
                key = (q.erratum["claim"], q.erratum["fact"], q.erratum["source"])
                grouped.setdefault(key, []).append(q.uid)
        if not grouped:
            continue
        lines += ["", f"#### {_cell(section.title) or section.slug} (`{section.slug}`)", ""]
        for (claim, fact, source), uids in grouped.items():
            lines += [
                f"- **Course:** {_cell(claim)}",
                f"  **Fact:** {_cell(fact)}",
                f"  **Source:** {_cell(source)}",
                f"  **Question{'s' if len(uids) > 1 else ''}:** " + ", ".join(f"`{u}`" for u in uids),
            ]
    return lines


def coverage_markdown(*, questions: Sequence[BankQuestion], sections: Sequence[SectionInfo]) -> str:
    """The whole generated section, markers excluded. Pure and deterministic."""
    claims = sum(1 for q in questions if q.erratum)
    lines = [
        "## Coverage",
        "",
        "Generated from the bank files by `python manage.py bank_report`; do not edit by hand",
        "(`python manage.py bank_report --check`, run by the tests, fails when it is out of date).",
        f"A section meets its minimum with at least that many questions in at least {MIN_KINDS} kinds;",
        "central sections need more.",
        "",
        f"{len(questions)} questions in {len(sections)} sections.",
        "",
        *coverage_table(questions=questions, sections=sections),
        "",
        "### Course claims the banks correct",
        "",
        f"{claims} questions carry an `erratum`: what the course says, the real fact, and where to check it.",
        *errata_list(questions=questions, sections=sections),
    ]
    return "\n".join(lines)


def replace_section(text: str, body: str) -> str:
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(MISSING_MARKERS)
    return f"{text[: start + len(START)]}\n{body}\n{text[end:]}"


class Command(BaseCommand):
    help = "Write the coverage table and the list of corrected course claims into fixtures/banks/README.md."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="write nothing; fail if the README is out of date"
        )
        parser.add_argument(
            "--readme",
            type=Path,
            default=None,
            help="the README to update (default: fixtures/banks/README.md)",
        )

    def handle(self, *args, check, readme, **options):
        readme = readme or Path(settings.FIXTURES_DIR) / "banks" / "README.md"
        sections, problems = outline_sections()
        read = bank_read(default_paths(), sections={s.slug for s in sections})
        problems += read.problems
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(problems)} problem(s) in the banks: fix them first (lint_banks).")
        current = readme.read_text(encoding="utf-8")
        try:
            updated = replace_section(current, coverage_markdown(questions=read.questions, sections=sections))
        except ValueError as error:
            raise CommandError(f"{readme}: {error}") from None
        if check:
            if updated != current:
                raise CommandError(f"{readme} is out of date: run python manage.py bank_report")
            self.stdout.write(f"{readme} is up to date.")
            return
        if updated == current:
            self.stdout.write(f"{readme} already up to date.")
            return
        readme.write_text(updated, encoding="utf-8")
        self.stdout.write(f"{readme}: coverage section written ({len(read.questions)} questions).")
