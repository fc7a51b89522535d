"""The one place that answers "may this user see this?".

Students see only their own attempts, cards and progress. Trainers (group `trainers`) see the
cohorts they teach and those cohorts' students, nothing else: anything outside is a 404, so a
trainer cannot even learn that another cohort's id exists.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404

from classes.models import Cohort

TRAINERS = "trainers"
EDITORS = "editors"


def is_trainer(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_trainer", None)
    if cached is None:
        cached = user._is_trainer = user.groups.filter(name=TRAINERS).exists()
    return cached


def trainer_cohorts(user) -> QuerySet[Cohort]:
    """Cohorts this trainer teaches (a superuser sees every cohort)."""
    if not is_trainer(user):
        return Cohort.objects.none()
    return Cohort.objects.all() if user.is_superuser else Cohort.objects.taught_by(user)


def cohort_for_trainer(user, pk: int) -> Cohort:
    cohort = trainer_cohorts(user).select_related("course").filter(pk=pk).first()
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort


def student_of_cohort(cohort: Cohort, student_id: int) -> User:
    student = User.objects.filter(pk=student_id, enrolments__cohort=cohort).first()
    if student is None:
        raise Http404("No such student in this cohort.")
    return student
