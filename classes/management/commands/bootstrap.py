from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

OLD_LAYOUT = (
    "This database was made before Rappel's apps were split (it has quizzes' migration "
    "0009_progress_snapshot); the migrations started afresh since. Remove it and set up again: "
    "`make clean && make run` (or `make backup` first, on a copy of the old code, to keep its rows)."
)


class Command(BaseCommand):
    help = "Set up a working local site: migrate, load the course and the banks, create demo accounts."

    def handle(self, *args, **options):
        if _has_old_layout():
            raise CommandError(OLD_LAYOUT)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        self.stdout.write("Database migrated.")
        call_command("load_course")
        call_command("load_banks")
        self.stdout.write("Demo accounts (username / password):")
        call_command("seed_demo")


def _has_old_layout() -> bool:
    """Whether the database was migrated with the migrations from before the apps were split."""
    recorder = MigrationRecorder(connection)
    return (
        recorder.has_table()
        and recorder.migration_qs.filter(app="quizzes", name="0009_progress_snapshot").exists()
    )
