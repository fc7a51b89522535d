"""Spaced repetition: a student's settings, cards, the append-only review log and its daily rollup."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from course.models import Section
from quizzes.models import Question, Revision


class ReviewSettings(models.Model):
    """A student's spaced-repetition preferences (created with defaults on first use)."""

    student = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_settings"
    )
    desired_retention = models.FloatField(
        _("desired retention"),
        default=0.9,
        validators=[MinValueValidator(0.70), MaxValueValidator(0.97)],
        help_text=_(
            "Higher retention means you forget less but review more often; 0.90 is a good balance."
        ),
    )
    new_per_day = models.PositiveSmallIntegerField(
        _("new cards per day"), default=20, validators=[MaxValueValidator(500)]
    )
    max_reviews_per_day = models.PositiveSmallIntegerField(
        _("maximum reviews per day"), default=200, validators=[MinValueValidator(1), MaxValueValidator(5000)]
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")

    class Meta:
        verbose_name = _("review settings")
        verbose_name_plural = _("review settings")


class Card(models.Model):
    """The FSRS memory state of one question for one student (explicit columns, no blob)."""

    class State(models.IntegerChoices):
        LEARNING = 1, _("Learning")
        REVIEW = 2, _("Review")
        RELEARNING = 3, _("Relearning")

    class Source(models.IntegerChoices):
        MISSED = 0, _("missed in a quiz")
        ADDED = 1, _("added by the student")

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cards")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="cards")
    state = models.PositiveSmallIntegerField(choices=State.choices, default=State.LEARNING)
    step = models.PositiveSmallIntegerField(null=True, blank=True, default=0)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField()
    last_review = models.DateTimeField(null=True, blank=True)
    source = models.PositiveSmallIntegerField(choices=Source.choices, default=Source.ADDED)
    version = models.PositiveIntegerField(default=0, help_text=_("bumped on every rating"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        constraints = [
            models.UniqueConstraint(fields=["student", "question"], name="card_once_per_question")
        ]
        indexes = [
            # due cards of a student, and new (never reviewed) cards in queue order
            models.Index(fields=["student", "due"], name="card_student_due"),
            models.Index(fields=["student", "last_review", "source", "created_at"], name="card_student_new"),
            # progress figures: every card of a student read from the index alone, not the table
            models.Index(
                fields=["student", "question", "state", "last_review", "due", "stability"],
                name="card_student_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.question_id}"

    @property
    def is_new(self) -> bool:
        return self.last_review is None


class Review(models.Model):
    """Append-only log of one rating: enough to replay the schedule or re-optimise FSRS later."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="reviews")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="reviews")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="reviews")
    rating = models.PositiveSmallIntegerField()
    reviewed_at = models.DateTimeField(db_index=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    correct = models.BooleanField(null=True, blank=True, help_text=_("verdict, for graded kinds"))
    score = models.FloatField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    state_before = models.JSONField()
    state_after = models.JSONField()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [models.Index(fields=["student", "reviewed_at"], name="review_student_time")]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=4), name="review_rating_1_4")
        ]


class ReviewDay(models.Model):
    """One student's reviews on one review day (04:00 to 04:00 in their time zone), summed.

    A rollup of `Review` that `review.review_record` keeps in step in the same transaction: the
    daily limits, the streak and true retention read a row a day instead of every review.
    """

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_days")
    day = models.DateField()
    reviews = models.PositiveIntegerField(default=0)
    new_cards = models.PositiveIntegerField(default=0, help_text=_("cards studied for the first time"))
    recall_reviews = models.PositiveIntegerField(default=0, help_text=_("reviews of cards in review state"))
    recall_passed = models.PositiveIntegerField(default=0, help_text=_("of those, not rated Again"))
    duration_ms = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("review day")
        verbose_name_plural = _("review days")
        constraints = [models.UniqueConstraint(fields=["student", "day"], name="review_day_once")]

    def __str__(self) -> str:
        return f"{self.student} {self.day}: {self.reviews}"


FORECAST_DAYS = 14  # the progress page's forecast: reviews due on each of the next 14 review days


class ProgressSnapshot(models.Model):
    """What one student's progress page shows, worked out once a review day (`review.progress`).

    The card figures live in one `ProgressSection` row a section, which `review_record` moves in
    step with each rating; this row says what the snapshot was built for and from, so that a
    page can tell whether it still holds: the same review day and settings, as many cards, and
    every review of the day counted (those at build time plus those the ratings applied since).
    """

    student = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="progress_snapshot"
    )
    day = models.DateField(help_text=_("the review day it was built for"))
    time_zone = models.CharField(max_length=64)
    desired_retention = models.FloatField()
    reviews = models.PositiveIntegerField(help_text=_("the day's reviews when it was built"))
    cards = models.PositiveIntegerField(help_text=_("the student's cards when it was built"))
    streak_before = models.PositiveIntegerField(help_text=_("review days in a row up to yesterday"))
    windows = models.JSONField(help_text=_("[days, reviews, passed] of true retention, before today"))
    built_at = models.DateTimeField()

    class Meta:
        verbose_name = _("progress snapshot")
        verbose_name_plural = _("progress snapshots")

    def __str__(self) -> str:
        return f"{self.student} {self.day}"


class ProgressSection(models.Model):
    """One student's cards of one section (of active questions), summed for the progress page:
    cards by state, the sum and count of their predicted recall by the end of the snapshot's
    review day, and the studied ones due on each of the next `FORECAST_DAYS` review days
    (`due_0` is today's, overdue cards included). `applied` counts the ratings added since the
    snapshot was built."""

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    new = models.IntegerField(default=0)
    learning = models.IntegerField(default=0)
    review = models.IntegerField(default=0)
    relearning = models.IntegerField(default=0)
    recall_sum = models.FloatField(default=0.0)
    recall_count = models.IntegerField(default=0)
    applied = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("progress by section")
        verbose_name_plural = _("progress by section")
        constraints = [models.UniqueConstraint(fields=["student", "section"], name="progress_section_once")]


# due_0 … due_13: one column a forecast day, so that a rating moves a card between two days in
# the same UPDATE that moves it between two states.
for _day in range(FORECAST_DAYS):
    ProgressSection.add_to_class(f"due_{_day}", models.IntegerField(default=0))
del _day
