import datetime as dt

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.utils import timezone

from classes import demo
from classes.models import Cohort, Enrolment
from course.bulkload import statistics_refresh
from course.models import Course
from quizzes.models import Quiz

# Demo accounts for a local run. The README lists them; never use them in production.
DEMO_ACCOUNTS = [
    # username, password, groups, is_staff, is_superuser
    ("etudiant", "rappel-etudiant", [], False, False),
    ("formateur", "rappel-formateur", ["trainers"], False, False),
    ("editeur", "rappel-editeur", ["editors"], True, False),
    ("admin", "rappel-admin", [], True, True),
]
DEMO_COHORT = "Démo — Jour 1"
DEMO_CODE = "KUBEJ234"
DEMO_QUIZZES = ["images-layers", "resources", "evaluation-matin"]


class Command(BaseCommand):
    help = (
        "Create the demo accounts and a demo class with two weeks of work by its students "
        "(idempotent: existing accounts are reset, the class's work is seeded once)."
    )

    def handle(self, *args, **options):
        users = {}
        for username, password, groups, is_staff, is_superuser in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username)
            if created or not user.check_password(password):
                user.set_password(password)
            user.is_staff = is_staff
            user.is_superuser = is_superuser
            user.save()
            user.groups.set(Group.objects.filter(name__in=groups))
            users[username] = user
            self.stdout.write(f"  {username:<10} / {password:<18} {'created' if created else 'ok'}")
        course = Course.objects.order_by("pk").first()
        if course is None:
            return
        today = timezone.localdate()
        cohort, _created = Cohort.objects.get_or_create(
            join_code=DEMO_CODE,
            defaults={
                "name": DEMO_COHORT,
                "course": course,
                "starts_on": today - dt.timedelta(days=14),
                "ends_on": today + dt.timedelta(days=4),
            },
        )
        cohort.trainers.add(users["formateur"])
        Enrolment.objects.get_or_create(cohort=cohort, student=users["etudiant"])
        now = timezone.now()
        # demo_seed assigns these quizzes, and the demo quiz, on the demo's schedule (demo.SCHEDULE).
        quizzes = Quiz.objects.filter(slug__in=DEMO_QUIZZES).order_by("position")
        demo.demo_seed(
            cohort=cohort, account=users["etudiant"], now=now, quizzes=quizzes, log=self.stdout.write
        )
        statistics_refresh()  # its reports are read at once, before autovacuum has looked
        self.stdout.write(f"Demo class “{cohort.name}”: join code {cohort.join_code}")
