from pathlib import Path

from django.core.management.base import BaseCommand

from interop import backups


class Command(BaseCommand):
    help = (
        "Write all of Rappel's data (users, classes, banks, attempts, cards, reviews) to a gzipped file, "
        "atomically: the file appears complete, with a checked trailer, or not at all."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        path.parent.mkdir(parents=True, exist_ok=True)
        counts = backups.write(path)
        self.stdout.write(f"{sum(counts.values())} rows written to {path}")
