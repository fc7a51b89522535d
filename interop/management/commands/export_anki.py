from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from course.models import Section
from interop import anki
from interop.exports import exportable_questions


class Command(BaseCommand):
    help = (
        "Write the active questions as an Anki deck (.apkg) to FILE: the whole course, "
        "or one section with --section SLUG. Re-importing an updated deck updates the notes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--section", metavar="SLUG", help="export this section only")

    def handle(self, *args, file: Path, section: str | None, **options):
        if section is not None:
            try:
                found = Section.objects.get(slug=section)
            except Section.DoesNotExist:
                raise CommandError(f"unknown section {section!r}") from None
            questions = list(exportable_questions(section=found))
        else:
            questions = list(exportable_questions())
        package = anki.deck_build(questions, title=anki.DECK_ROOT)
        with file.open("wb") as stream:
            anki.write_apkg(package, stream)
        sections = len({q.section_id for q in questions})
        self.stdout.write(f"wrote {file}: {len(questions)} notes in {sections} section deck(s)")
