"""Classes: cohorts of students, their trainers, and the quizzes assigned to them."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from course.dates import validate_typed_date
from course.models import Course


def new_join_code() -> str:
    """Eight characters a trainer can read aloud: no 0/O, 1/I/L confusion."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class CohortQuerySet(models.QuerySet["Cohort"]):
    def taught_by(self, user) -> CohortQuerySet:
        return self.filter(trainers=user)


class Cohort(models.Model):
    """A class of students following the course, taught by one or more trainers."""

    name = models.CharField(_("name"), max_length=120)
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("course")
    )
    starts_on = models.DateField(_("starts on"), validators=[validate_typed_date])
    ends_on = models.DateField(_("ends on"), validators=[validate_typed_date])
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="taught_cohorts", verbose_name=_("trainers")
    )
    students = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Enrolment", related_name="cohorts", verbose_name=_("students")
    )
    join_code = models.CharField(_("join code"), max_length=12, unique=True, default=new_join_code)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="cohort_dates_in_order")
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.join_code,)

    def get_absolute_url(self) -> str:
        return reverse("trainer:cohort-detail", kwargs={"pk": self.pk})


class Enrolment(models.Model):
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("class")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("student"),
    )
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["cohort", "student"], name="enrolment_once")]


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def for_student_home(self, student) -> AssignmentQuerySet:
        """The work assigned to the student's cohorts, by due date, as the student's home lists
        it: with its cohort, its quiz and the quiz's section (but its study notes)."""
        return (
            self.filter(cohort__enrolments__student=student)
            .select_related("cohort", "quiz__section")
            .defer("quiz__section__notes", "quiz__section__notes_html")
            .order_by("due_at", "pk")
        )


class Assignment(models.Model):
    """A quiz a trainer set for a cohort, with the window to take it in."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("class")
    )
    quiz = models.ForeignKey(
        "quizzes.Quiz", on_delete=models.CASCADE, related_name="assignments", verbose_name=_("quiz")
    )
    opens_at = models.DateTimeField(_("opens at"), validators=[validate_typed_date])
    due_at = models.DateTimeField(_("due at"), validators=[validate_typed_date])
    answer_key_released = models.BooleanField(
        _("answer key released"),
        default=False,
        help_text=_(
            "The class may download this quiz's questions with their answers (Anki, CSV) before "
            "finishing it. Otherwise each student gets them once they have finished the quiz."
        ),
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "quiz"], name="assignment_once_per_quiz"),
            models.CheckConstraint(condition=Q(due_at__gt=F("opens_at")), name="assignment_due_after_open"),
        ]


class Throttle(models.Model):
    """How many tries a key (a username from an address, an address) has used in its window:
    failed logins, class codes tried. Counted in the database, under a row lock, so parallel
    requests cannot all pass the check (classes/throttle.py)."""

    key = models.CharField(max_length=80, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_ends = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("throttle")
        verbose_name_plural = _("throttles")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
