from pathlib import Path

from django.core.management.base import BaseCommand

from interop import backups


class Command(BaseCommand):
    help = "Write all of Rappel's data (users, classes, banks, attempts, cards, reviews) to a gzipped file."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        path.parent.mkdir(parents=True, exist_ok=True)
        count = backups.write(path)
        self.stdout.write(f"{count} rows written to {path}")
