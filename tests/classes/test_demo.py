import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from quizzes.models import Question, Revision

pytestmark = pytest.mark.django_db


def test_bootstrap_twice_duplicates_nothing():
    call_command("bootstrap")
    counts = (User.objects.count(), Question.objects.count(), Revision.objects.count())
    call_command("bootstrap")
    assert (User.objects.count(), Question.objects.count(), Revision.objects.count()) == counts
    assert counts[0] == 4
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="editeur").groups.filter(name="editors").exists()
    assert User.objects.get(username="formateur").groups.filter(name="trainers").exists()
    assert User.objects.get(username="etudiant").check_password("rappel-etudiant")
    from classes.models import Assignment, Cohort

    cohort = Cohort.objects.get(join_code="KUBEJ234")
    assert list(cohort.students.values_list("username", flat=True)) == ["etudiant"]
    assert Assignment.objects.filter(cohort=cohort).count() == 3


def test_bootstrap_refuses_a_database_migrated_before_the_apps_were_split():
    from django.core.management.base import CommandError
    from django.db.migrations.recorder import MigrationRecorder

    from classes.management.commands.bootstrap import OLD_LAYOUT

    MigrationRecorder.Migration.objects.create(app="quizzes", name="0009_progress_snapshot")
    with pytest.raises(CommandError) as raised:
        call_command("bootstrap")
    assert str(raised.value) == OLD_LAYOUT
    assert not User.objects.exists()  # stopped before it wrote anything
