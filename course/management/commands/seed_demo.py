from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand

# Demo accounts for a local run. The README lists them; never use them in production.
DEMO_ACCOUNTS = [
    # username, password, groups, is_staff, is_superuser
    ("etudiant", "rappel-etudiant", [], False, False),
    ("formateur", "rappel-formateur", ["trainers"], False, False),
    ("editeur", "rappel-editeur", ["editors"], True, False),
    ("admin", "rappel-admin", [], True, True),
]


class Command(BaseCommand):
    help = "Create the demo accounts (idempotent: existing ones are reset to the demo settings)."

    def handle(self, *args, **options):
        for username, password, groups, is_staff, is_superuser in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username)
            if created or not user.check_password(password):
                user.set_password(password)
            user.is_staff = is_staff
            user.is_superuser = is_superuser
            user.save()
            user.groups.set(Group.objects.filter(name__in=groups))
            state = "created" if created else "ok"
            self.stdout.write(f"  {username:<10} / {password:<18} {state}")
