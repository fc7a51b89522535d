from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from course.outline import OutlineError, outline_load


class Command(BaseCommand):
    help = "Load the course outline and section notes (idempotent upsert by slug)."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", type=Path, help="course.yaml (default: fixtures/course/course.yaml)"
        )

    def handle(self, *args, path=None, **options):
        try:
            summary = outline_load(path)
        except OutlineError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(error.problems)} problem(s): nothing was loaded.") from None
        self.stdout.write(
            f"Course outline: {len(summary.created)} created, {len(summary.updated)} updated, "
            f"{len(summary.unchanged)} unchanged sections."
        )
