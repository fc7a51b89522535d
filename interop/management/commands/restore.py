import json
import zlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from interop import backups
from quizzes.models import Question
from review.cards import review_days_rebuild


class Command(BaseCommand):
    help = "Replace all of Rappel's data with a backup written by `backup`, in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask before replacing the data")

    def handle(self, *args, path: Path, yes: bool, **options):
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        if not yes and input("This replaces every row of the database. Type 'yes' to go on: ") != "yes":
            raise CommandError("Nothing was changed.")
        connection = connections[DEFAULT_DB_ALIAS]
        models = backups.backup_models()
        try:
            with transaction.atomic():
                # A question points at its current revision (protected): let go of it, so that the
                # revisions can go before their questions, in the reverse order of the backup.
                Question.objects.update(current_revision=None)
                for model in reversed(models):
                    model._default_manager.all().delete()
                count = 0
                with connection.constraint_checks_disabled():
                    for item in backups.read(path):
                        item.save()
                        count += 1
                    # Rows that referred forward (a question to its current revision) get their keys now.
                connection.check_constraints()
                # The backend's own statements move each table's id sequence past the restored ids,
                # as loaddata does; the ORM has no call for it.
                # raw SQL: statements the backend writes (sequence_reset_sql), run as they are.
                with connection.cursor() as cursor:
                    for sql in connection.ops.sequence_reset_sql(self.style, models):
                        cursor.execute(sql)
                # The daily rollup is not in the backup: it is summed again from the review log.
                review_days_rebuild()
        except (OSError, EOFError, zlib.error, json.JSONDecodeError, DeserializationError) as error:
            raise CommandError(f"{path}: not a readable backup ({error}); nothing was changed.") from None
        self.stdout.write(f"{count} rows restored from {path}")
