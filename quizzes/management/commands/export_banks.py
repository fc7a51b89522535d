from pathlib import Path

from django.core.management.base import BaseCommand

from quizzes.banks import bank_dump


class Command(BaseCommand):
    help = "Write the active questions back as YAML bank files (one per section) into DIR."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory, **options):
        for path in bank_dump(directory):
            self.stdout.write(f"wrote {path}")
