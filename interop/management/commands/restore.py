import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interop import backups

NO_TERMINAL = "No terminal to confirm on: pass --yes (make restore BACKUP=... YES=1). Nothing was changed."


class Command(BaseCommand):
    help = (
        "Replace all of Rappel's data with a backup written by `backup`, in one transaction. The file is "
        "checked against its trailer (rows per model, checksum) before anything is deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--yes",
            "--no-input",
            dest="yes",
            action="store_true",
            help="do not ask before replacing the data (needed without a terminal)",
        )
        parser.add_argument(
            "--check", action="store_true", help="only check the file against its trailer; change nothing"
        )

    def handle(self, *args, path: Path, yes: bool, check: bool, **options):
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            counts = backups.verify(path)  # before asking: a damaged file is refused at once
            if check:
                rows = ", ".join(f"{label} {n}" for label, n in counts.items())
                self.stdout.write(f"{path}: complete and unchanged, {sum(counts.values())} rows ({rows})")
                return
            if not yes:
                if not sys.stdin.isatty():
                    raise CommandError(NO_TERMINAL)
                answer = input(
                    f"{path}: {sum(counts.values())} rows, checked. This replaces every row of the database. "
                    "Type 'yes' to go on: "
                )
                if answer != "yes":
                    raise CommandError("Nothing was changed.")
            # Checked just now, unless a person took time to answer: the file may have changed since.
            counts = backups.restore(path, expected=counts if yes else None)
        except backups.BackupError as error:
            raise CommandError(f"{error}; nothing was changed.") from None
        self.stdout.write(f"{sum(counts.values())} rows restored from {path}")
