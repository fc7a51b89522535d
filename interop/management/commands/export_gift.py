"""Export the active questions as a Moodle GIFT file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from course.models import Section
from interop.gift import gift_dump
from quizzes.banks import question_to_raw
from quizzes.models import Question


class Command(BaseCommand):
    help = (
        "Write the active questions (of one section, or all) as a Moodle GIFT file; kinds GIFT "
        "cannot hold (ordering, cloze, yaml, command, flashcard) are listed as skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the GIFT file to write ('-' for standard output)")
        parser.add_argument("--section", help="export only this section")

    def handle(self, *args, file: Path, section: str | None, **options):
        questions = Question.objects.filter(active=True).select_related("section", "current_revision")
        if section:
            if not Section.objects.filter(slug=section).exists():
                raise CommandError(f"unknown section {section!r}")
            questions = questions.filter(section__slug=section)
        questions = questions.order_by("section__position", "position", "uid")
        raws = [{**question_to_raw(question), "section": question.section.slug} for question in questions]
        text, skipped = gift_dump(raws)
        if str(file) == "-":
            self.stdout.write(text, ending="")
            out = self.stderr
        else:
            file.write_text(text, encoding="utf-8")
            out = self.stdout
        for uid, reason in skipped:
            out.write(f"skipped {uid}: {reason}")
        out.write(f"{len(raws) - len(skipped)} question(s) written to {file}, {len(skipped)} skipped")
