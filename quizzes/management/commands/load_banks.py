from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
            count = len(error.problems)
            raise CommandError(
                ngettext("%(n)d problem: nothing was loaded.", "%(n)d problems: nothing was loaded.", count)
                % {"n": count}
            ) from None
        done = _("Check passed (nothing written): %(summary)s") if check else _("Banks loaded: %(summary)s")
        self.stdout.write(done % {"summary": summary})
