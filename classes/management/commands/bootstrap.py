from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Set up a working local site: migrate, load the course and the banks, create demo accounts."

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        self.stdout.write("Database migrated.")
        call_command("load_course")
        call_command("load_banks")
        self.stdout.write("Demo accounts (username / password):")
        call_command("seed_demo")
