"""Import a Moodle GIFT file as bank questions: all of it, or nothing."""

from __future__ import annotations

import tempfile
from bisect import bisect_right
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from course.models import Section
from course.yamlio import Problem, load_file
from interop.gift import GiftRead, gift_read
from quizzes.banks import BankError, LoadSummary, bank_load, dump_yaml


def load_gift(read: GiftRead, *, path: str, dry_run: bool = False) -> LoadSummary:
    """Validate and load what `gift_read` found, through the YAML bank loader (one transaction).

    The questions go through temporary bank files, one per section as in fixtures/banks (so a
    question's position is its rank in its section), and meet exactly the checks a YAML bank
    meets; problems found there are reported at the GIFT line of their question.
    """
    by_section: dict[str, list[tuple[dict, int]]] = {}
    for question, line in zip(read.questions, read.lines, strict=True):
        by_section.setdefault(question.get("section", ""), []).append((question, line))
    with tempfile.TemporaryDirectory() as directory:
        banks: dict[str, list[int]] = {}
        for index, items in enumerate(by_section.values()):
            bank = Path(directory) / f"gift-{index}.yaml"
            bank.write_text(dump_yaml({"questions": [q for q, _line in items]}), encoding="utf-8")
            banks[str(bank)] = [line for _, line in items]
        try:
            return bank_load(list(banks), dry_run=dry_run)
        except BankError as error:
            problems = []
            for problem in error.problems:
                line = 1
                if problem.path in banks:
                    data, _problems = load_file(problem.path)
                    index = bisect_right(data["questions"].item_lines, problem.line) - 1
                    line = banks[problem.path][max(index, 0)]
                message = problem.message
                for bank in banks:
                    message = message.replace(bank, path)
                problems.append(Problem(path, line, message))
            raise BankError(problems) from None


class Command(BaseCommand):
    help = (
        "Import a Moodle GIFT file into the question bank, atomically: any problem in the file "
        "is printed as file:line: problem and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--section", help="put every question in this section (the file's $CATEGORY lines are ignored)"
        )
        parser.add_argument("--check", action="store_true", help="validate and report, write nothing")

    def handle(self, *args, file: Path, section: str | None, check: bool, **options):
        if section and not Section.objects.filter(slug=section).exists():
            raise CommandError(_("unknown section %(section)s") % {"section": repr(section)})
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CommandError(f"{file}: {_('the file is not UTF-8 text')}") from None
        except OSError as error:
            raise CommandError(
                f"{file}: " + _("cannot read the file: %(reason)s") % {"reason": error.strerror}
            ) from None
        read = gift_read(text, path=str(file), section=section)
        for note in read.notes:
            self.stdout.write(_("%(note)s (note)") % {"note": note})
        problems = read.problems
        if not problems and not read.questions:
            problems = [Problem(str(file), 1, _("no question in this file"))]
        if not problems:
            try:
                summary = load_gift(read, path=str(file), dry_run=check)
            except BankError as error:
                problems = error.problems
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(
                ngettext(
                    "%(n)d problem: nothing was imported.",
                    "%(n)d problems: nothing was imported.",
                    len(problems),
                )
                % {"n": len(problems)}
            )
        done = _("Check passed (nothing written): %(summary)s") if check else _("GIFT imported: %(summary)s")
        self.stdout.write(done % {"summary": summary})
