from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes.banks import BankError, bank_load


class Command(BaseCommand):
    help = (
        "Load question banks (YAML) as one atomic upsert by uid. With no path, loads "
        "fixtures/banks/*.yaml and fixtures/quizzes.yaml and deactivates questions no longer there."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="bank files or folders")
        parser.add_argument(
            "--check", action="store_true", help="validate and report, write nothing (a dry run)"
        )

    def handle(self, *args, paths, check, **options):
        try:
            summary = bank_load(paths or None, dry_run=check)
        except BankError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(error.problems)} problem(s): nothing was loaded.") from None
        prefix = "Check passed (nothing written): " if check else "Banks loaded: "
        self.stdout.write(prefix + str(summary))
