"""Spaced repetition: a student's settings, cards, the append-only review log and its daily rollup."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Avg, Count, Max, Min, Q, Sum
from django.utils.translation import gettext_lazy as _

from quizzes import kinds
from quizzes.models import Question, Revision
from review import scheduling

# New cards have never been reviewed; studied ones have, once at least.
NEW = Q(last_review__isnull=True)
STUDIED = Q(last_review__isnull=False)

#: Long columns the review pages do not show (they show the rendered HTML, not the Markdown).
UNSHOWN = (
    "question__tags",
    "question__erratum",
    "question__section__notes",
    "question__section__notes_html",
    "question__current_revision__prompt",
    "question__current_revision__explanation",
)


def learning_due(now: dt.datetime) -> Q:
    """Studied cards in learning or relearning whose next step is due now."""
    return STUDIED & Q(state__in=[Card.State.LEARNING, Card.State.RELEARNING], due__lte=now)


def review_due(day_end: dt.datetime) -> Q:
    """Studied cards in review state due before the review day ends."""
    return STUDIED & Q(state=Card.State.REVIEW, due__lt=day_end)


class CardQuerySet(models.QuerySet):
    def of_active_questions(self, student) -> CardQuerySet:
        """A student's cards, but for those of retired questions (kept, never shown)."""
        return self.filter(student=student, question__active=True)

    def of_review_kinds(self, review_kinds: str) -> CardQuerySet:
        """The cards of the kinds a student reviews (`ReviewSettings.review_kinds`): all of them,
        the flashcards only (the ungraded kinds) or the graded questions only. The queue's reads
        (`due_counts`, `learning_steps_due`, `reviews_due`, `new_for_review`, `next_due`) start
        from this queryset, so the counts and the card shown leave out the same cards."""
        if review_kinds == ReviewSettings.ReviewKinds.FLASHCARDS:
            return self.filter(question__kind__in=kinds.UNGRADED_KINDS)
        if review_kinds == ReviewSettings.ReviewKinds.GRADED:
            return self.exclude(question__kind__in=kinds.UNGRADED_KINDS)
        return self.all()

    def for_review_page(self) -> CardQuerySet:
        """With what a review page shows of a card: its question, section and current revision."""
        return self.select_related("question__section", "question__current_revision").defer(*UNSHOWN)

    def _due_for_review_page(self, student, due: Q) -> CardQuerySet:
        """A student's `due` cards as the review page shows them, the longest due first."""
        return self.of_active_questions(student).filter(due).for_review_page().order_by("due", "pk")

    def learning_steps_due(self, *, student, now: dt.datetime) -> CardQuerySet:
        """The learning and relearning cards whose step is due now, the longest due first. The
        review page shows them before any review, so that a step comes back on time rather than
        behind the day's overdue reviews."""
        return self._due_for_review_page(student, learning_due(now))

    def reviews_due(self, *, student, day_end: dt.datetime) -> CardQuerySet:
        """The review cards due before the review day ends, the longest due first (read in that
        order from the (student, due) index)."""
        return self._due_for_review_page(student, review_due(day_end))

    def new_for_review(self, *, student) -> CardQuerySet:
        """The new cards in the order the review page introduces them, once no card is due:
        missed in a quiz first, then in the order they were added."""
        return (
            self.of_active_questions(student)
            .filter(NEW)
            .for_review_page()
            .order_by("source", "created_at", "pk")
        )

    def due_counts(self, *, student, now: dt.datetime, day_end: dt.datetime) -> dict[str, int]:
        """The review page's counts of cards left: `learning` (due now), `review` (due before the
        day ends) and `new`, before the day's limits."""
        return (
            self.of_active_questions(student)
            .filter(Q(due__lt=day_end) | NEW)
            .aggregate(
                learning=Count("pk", filter=learning_due(now)),
                review=Count("pk", filter=review_due(day_end)),
                new=Count("pk", filter=NEW),
            )
        )

    def next_due(self, *, student) -> dt.datetime | None:
        """When the student's next studied card is due (the review page, once nothing is left)."""
        return self.of_active_questions(student).filter(STUDIED).aggregate(next_due=Min("due"))["next_due"]

    def for_progress(
        self, *, student, now: dt.datetime, day_ends: list[dt.datetime], parameters=None
    ) -> dict[int, dict]:
        """The progress page's figures of a student's cards, by section id: cards by state
        (`new`, `learning`, `review`, `relearning`), the mean predicted `recall` now of the
        studied ones (None if none), and `due_0`, `due_1`... the studied cards due on each review
        day ending at `day_ends` (`due_0`, today's, counts the overdue ones too). `parameters`: the
        student's FSRS parameters (the library's defaults if None)."""
        recall = scheduling.retrievability_expression(now=now, parameters=parameters)
        forecast = {}
        for index, end in enumerate(day_ends):
            due = STUDIED & Q(due__lt=end)
            if index:
                due &= Q(due__gte=day_ends[index - 1])
            forecast[f"due_{index}"] = Count("pk", filter=due)
        rows = (
            self.of_active_questions(student)
            .values("question__section_id")
            .annotate(
                new=Count("pk", filter=NEW),
                learning=Count("pk", filter=STUDIED & Q(state=Card.State.LEARNING)),
                review=Count("pk", filter=Q(state=Card.State.REVIEW)),
                relearning=Count("pk", filter=Q(state=Card.State.RELEARNING)),
                recall=Avg(recall),  # NULL for new cards: only studied ones count
                **forecast,
            )
            .order_by()
        )
        return {row.pop("question__section_id"): row for row in rows}


class ReviewQuerySet(models.QuerySet):
    def session_summary(self, *, student, since: dt.datetime) -> dict:
        """The review page's summary of the reviews from `since` on: how many (`reviewed`), how
        many remembered (`correct`: not rated Again), their time (`time_ms`, None if none) and
        the moment of the `last` one."""
        return self.filter(student=student, reviewed_at__gte=since).aggregate(
            reviewed=Count("pk"),
            correct=Count("pk", filter=Q(rating__gt=1)),
            time_ms=Sum("duration_ms"),
            last=Max("reviewed_at"),
        )


class ReviewDayQuerySet(models.QuerySet):
    def studied_on(self, *, student, day: dt.date) -> dict[str, int]:
        """What the review page's daily limits count on one review day: `new` cards studied and
        `reviews` of cards in review state (0 and 0 before the day's first review)."""
        row = self.filter(student=student, day=day).values("new_cards", "recall_reviews").first()
        return (
            {"new": row["new_cards"], "reviews": row["recall_reviews"]} if row else {"new": 0, "reviews": 0}
        )

    def for_progress(self, *, student, first: dt.date, last: dt.date) -> ReviewDayQuerySet:
        """The progress page's days, after `first` up to `last`: (day, reviews, recall reviews,
        recall passed) tuples."""
        return self.filter(student=student, day__gt=first, day__lte=last).values_list(
            "day", "reviews", "recall_reviews", "recall_passed"
        )


def normalised_steps(value: str) -> str:
    """Learning or relearning steps as `scheduling.parse_steps` reads them, written back in one
    form ("1m 10m 1h 1d") whatever spacing or unit was typed; ValidationError if they do not."""
    try:
        return scheduling.format_steps(scheduling.parse_steps(value))
    except scheduling.StepsError as error:
        raise ValidationError(error.message, code="steps") from None


def validate_steps(value: str) -> None:
    """Learning or relearning steps as `scheduling.parse_steps` reads them."""
    normalised_steps(value)


class ReviewSettings(models.Model):
    """A student's spaced-repetition preferences. No row until they first save theirs: until
    then `review.cards.settings_for` gives the defaults, unsaved."""

    class ReviewKinds(models.TextChoices):
        BOTH = "both", _("Flashcards and graded questions")
        FLASHCARDS = "flashcards", _("Flashcards only")
        GRADED = "graded", _("Graded questions only")

    student = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_settings"
    )
    desired_retention = models.FloatField(
        _("desired retention"),
        default=scheduling.DEFAULT_RETENTION,
        validators=[MinValueValidator(0.70), MaxValueValidator(0.97)],
        help_text=_("Higher retention means you forget less but review more often; 0.90 is a good balance."),
    )
    new_per_day = models.PositiveSmallIntegerField(
        _("new cards per day"),
        default=20,
        validators=[MaxValueValidator(500)],
        help_text=_("At most this many cards studied for the first time each day (0 to 500)."),
    )
    max_reviews_per_day = models.PositiveSmallIntegerField(
        _("maximum reviews per day"),
        default=200,
        validators=[MinValueValidator(1), MaxValueValidator(5000)],
        help_text=_("At most this many reviews of cards already learnt each day (1 to 5000)."),
    )
    new_ignores_review_limit = models.BooleanField(
        _("new cards ignore the review limit"),
        default=False,
        help_text=_(
            "Unticked, as in Anki, new cards count towards the maximum reviews per day: with a "
            "maximum of 200 and 190 reviews due, at most 10 new cards come; none once it is reached."
        ),
    )
    learning_steps = models.CharField(
        _("learning steps"),
        max_length=100,
        default=scheduling.DEFAULT_LEARNING_STEPS,
        blank=True,
        validators=[validate_steps],
        help_text=_(
            "Delays before a new card comes back, one per step, e.g. 1m 10m 1h 1d (m minutes, h hours, "
            "d days). Empty: a new card goes to review at once."
        ),
    )
    relearning_steps = models.CharField(
        _("relearning steps"),
        max_length=100,
        default=scheduling.DEFAULT_RELEARNING_STEPS,
        blank=True,
        validators=[validate_steps],
        help_text=_(
            "Delays before a forgotten card comes back, e.g. 10m. Empty: a forgotten card stays in "
            "review, due again in a day or more."
        ),
    )
    maximum_interval = models.PositiveIntegerField(
        _("maximum interval (days)"),
        default=scheduling.MAXIMUM_INTERVAL,
        validators=[MinValueValidator(1), MaxValueValidator(scheduling.MAXIMUM_INTERVAL)],
        help_text=_("A card is never scheduled further than this many days ahead (1 to 36500)."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default=scheduling.DEFAULT_TIME_ZONE)
    review_kinds = models.CharField(
        _("cards to review"),
        max_length=16,
        choices=ReviewKinds.choices,
        default=ReviewKinds.BOTH,
        help_text=_(
            "Flashcards ask you to recall the answer and rate yourself; graded questions check your "
            "answer. The cards left out stay scheduled and come back when you include them again."
        ),
    )

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

    objects = CardQuerySet.as_manager()

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        constraints = [models.UniqueConstraint(fields=["student", "question"], name="card_once_per_question")]
        indexes = [
            # due cards of a student, and new (never reviewed) cards in queue order
            models.Index(fields=["student", "due"], name="card_student_due"),
            models.Index(fields=["student", "last_review", "source", "created_at"], name="card_student_new"),
            # progress figures: a student's cards, their states and dues from the index alone
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


class ParameterSet(models.Model):
    """FSRS weights trained from the review log by `review.optimizer` (fsrs-rs-python), for one
    student, one class or the whole course, with how well they predict recall.

    Each optimisation run adds sets, and the reviews point at the set they were scheduled with
    (which keeps it: see `Review.parameter_set`). `ParameterChoice` says which set schedules whom;
    `optimizer.prune` deletes the sets of earlier runs that schedule no one and scheduled nothing.
    """

    class Scope(models.TextChoices):
        COURSE = "course", _("course default")
        COHORT = "cohort", _("class")
        STUDENT = "student", _("personal")

    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices)
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="fsrs_parameter_sets",
        help_text=_("the student, for a personal set"),
    )
    # A plain id: `review` comes before `classes` in the layers and may not refer to its models.
    cohort_id = models.PositiveIntegerField(_("class id"), null=True, blank=True)
    weights = models.JSONField(_("weights"), help_text=_("the FSRS parameters, a list of numbers"))
    students = models.PositiveIntegerField(_("students"), default=0, help_text=_("whose reviews trained it"))
    reviews = models.PositiveIntegerField(_("reviews"), default=0, help_text=_("reviews it was trained on"))
    # Recall predicted vs. remembered on the latest reviews, held out of training: with the FSRS
    # default weights (before) and with these weights trained on the earlier reviews (after).
    log_loss_before = models.FloatField(null=True, blank=True)
    log_loss_after = models.FloatField(null=True, blank=True)
    rmse_before = models.FloatField(null=True, blank=True)
    rmse_after = models.FloatField(null=True, blank=True)
    # ...and with the weights of the set the student or class would have otherwise (their
    # class's or the course's, trained on the same earlier reviews): a set is used only if it
    # beats both.
    log_loss_fallback = models.FloatField(null=True, blank=True)
    held_out = models.PositiveIntegerField(default=0, help_text=_("reviews the figures were measured on"))
    engine = models.CharField(max_length=40, help_text=_("the optimiser and its version"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("FSRS parameter set")
        verbose_name_plural = _("FSRS parameter sets")
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope="student") & Q(student__isnull=False) & Q(cohort_id__isnull=True))
                | (Q(scope="cohort") & Q(student__isnull=True) & Q(cohort_id__isnull=False))
                | (Q(scope="course") & Q(student__isnull=True) & Q(cohort_id__isnull=True)),
                name="parameter_set_scope_source",
            )
        ]
        indexes = [models.Index(fields=["scope", "created_at"], name="parameter_set_scope_time")]

    def __str__(self) -> str:
        source = self.student_id or self.cohort_id or ""
        return f"{self.get_scope_display()} {source} ({self.created_at:%Y-%m-%d})".replace("  ", " ")


class ParameterChoice(models.Model):
    """Which parameter set schedules a student's reviews: chosen by the last optimisation run
    (their own once they have enough reviews, else their class's, else the course default)."""

    student = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fsrs_parameters"
    )
    parameter_set = models.ForeignKey(ParameterSet, on_delete=models.CASCADE, related_name="choices")
    chosen_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("FSRS parameter choice")
        verbose_name_plural = _("FSRS parameter choices")


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
    # What the rating was scheduled with: the weights (None: the FSRS defaults) and the desired
    # retention (None on reviews logged before it was recorded). RESTRICT: a set that scheduled
    # reviews is part of their record and cannot be deleted on its own; deleting a student still
    # deletes their personal sets with their reviews (in the same cascade, which RESTRICT allows).
    parameter_set = models.ForeignKey(
        ParameterSet, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    desired_retention = models.FloatField(null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

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

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_days"
    )
    day = models.DateField()
    reviews = models.PositiveIntegerField(default=0)
    new_cards = models.PositiveIntegerField(default=0, help_text=_("cards studied for the first time"))
    recall_reviews = models.PositiveIntegerField(default=0, help_text=_("reviews of cards in review state"))
    recall_passed = models.PositiveIntegerField(default=0, help_text=_("of those, not rated Again"))
    duration_ms = models.PositiveBigIntegerField(default=0)

    objects = ReviewDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("review day")
        verbose_name_plural = _("review days")
        constraints = [models.UniqueConstraint(fields=["student", "day"], name="review_day_once")]

    def __str__(self) -> str:
        return f"{self.student} {self.day}: {self.reviews}"
