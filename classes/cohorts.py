"""Classes: create a cohort, join it with a code, leave or be removed, assign quizzes."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from classes.models import Assignment, Cohort, Enrolment
from course.models import Course

UNKNOWN_CODE = _("No class has this code. Check it with your trainer.")


class CohortError(Exception):
    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()


def cohort_create(*, trainer, name: str, course: Course, starts_on: dt.date, ends_on: dt.date) -> Cohort:
    with transaction.atomic():
        for _attempt in range(5):  # a join code collision is rare; draw again
            try:
                with transaction.atomic():
                    cohort = Cohort.objects.create(
                        name=name, course=course, starts_on=starts_on, ends_on=ends_on
                    )
                break
            except IntegrityError:
                continue
        else:  # pragma: no cover - five collisions in a 31^8 space
            raise CohortError(_("Could not draw a join code; try again."))
        cohort.trainers.add(trainer)
        return cohort


def cohort_join(*, student, code: str) -> tuple[Cohort, bool]:
    """Enrol a student with a join code. Returns (cohort, joined now?)."""
    cohort = Cohort.objects.filter(join_code=normalise_code(code)).first()
    if cohort is None:
        raise CohortError(UNKNOWN_CODE)
    return cohort, enrolment_add(cohort=cohort, student=student)


def enrolment_add(*, cohort: Cohort, student) -> bool:
    """Enrol a student in a class. Returns whether they joined now (False: already in it)."""
    _enrolment, created = Enrolment.objects.get_or_create(cohort=cohort, student=student)
    return created


def enrolment_remove(*, cohort: Cohort, student_id: int) -> bool:
    deleted, _rows = Enrolment.objects.filter(cohort=cohort, student_id=student_id).delete()
    return bool(deleted)


def assignment_release_key(*, cohort: Cohort, assignment_id: int, released: bool) -> Assignment:
    """Let the class download the answer key of an assigned quiz before finishing it, or not.
    The assignment comes with its quiz, which the caller names."""
    assignment = get_object_or_404(Assignment.objects.select_related("quiz"), cohort=cohort, pk=assignment_id)
    assignment.answer_key_released = released
    assignment.save(update_fields=["answer_key_released"])
    return assignment


def assignment_set(*, cohort: Cohort, quiz, opens_at: dt.datetime, due_at: dt.datetime) -> Assignment:
    assignment, _created = Assignment.objects.update_or_create(
        cohort=cohort, quiz=quiz, defaults={"opens_at": opens_at, "due_at": due_at}
    )
    return assignment
