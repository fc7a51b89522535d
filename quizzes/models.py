from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, F, FloatField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from course.models import Section
from quizzes import kinds


def _aggregate(rows: QuerySet, key: str, aggregate) -> Subquery:
    """`aggregate` over `rows`, all of which share one value of `key` (rows filtered on an
    `OuterRef`), as a subquery to annotate with: Django's "aggregates within a Subquery" idiom.
    NULL when there are no rows, even for a count."""
    return Subquery(rows.order_by().values(key).annotate(value=aggregate).values("value"))


class QuestionQuerySet(models.QuerySet["Question"]):
    def for_question_page(self, attempt: Attempt) -> QuestionQuerySet:
        """The questions as the question page of `attempt` shows them: with their section (but
        its study notes) and their current revision, and `answered`, how many of the attempt's
        questions have an answer."""
        return (
            self.select_related("section", "current_revision")
            .defer("section__notes", "section__notes_html")
            .annotate(answered=Coalesce(_aggregate(attempt.answers.all(), "attempt", Count("pk")), 0))
        )


class QuestionManager(models.Manager.from_queryset(QuestionQuerySet)):
    def get_by_natural_key(self, uid: str) -> Question:
        return self.get(uid=uid)


class Question(models.Model):
    """A question of the bank, known forever by its `uid`. Its content lives in revisions."""

    uid = models.SlugField(_("uid"), max_length=120, unique=True)
    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, related_name="questions", verbose_name=_("section")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=kinds.CHOICES)
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), default=2)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    erratum = models.JSONField(
        _("course erratum"),
        default=dict,
        blank=True,
        help_text=_("What the course text says and the real fact this question teaches."),
    )
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position in its bank"), default=0)
    current_revision = models.ForeignKey(
        "Revision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current revision"),
    )

    objects = QuestionManager()

    class Meta:
        ordering = ["section__position", "position", "uid"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.uid

    def natural_key(self) -> tuple[str]:
        return (self.uid,)


class Revision(models.Model):
    """An immutable snapshot of a question's content. Answers point at the one they were shown."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("question")
    )
    number = models.PositiveIntegerField(_("number"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    prompt = models.TextField(_("prompt (Markdown)"))
    prompt_html = models.TextField(editable=False)
    explanation = models.TextField(_("explanation (Markdown)"))
    explanation_html = models.TextField(editable=False)
    spec = models.JSONField(_("kind-specific content"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["question", "number"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [models.UniqueConstraint(fields=["question", "number"], name="revision_unique_number")]

    def __str__(self) -> str:
        return f"{self.question_id} r{self.number}"


class QuizQuerySet(models.QuerySet["Quiz"]):
    def listed(self) -> QuizQuerySet:
        """The quizzes students can take (those with questions), in order, as the home and the
        quiz page list them: with their section (but its study notes) and `question_count`."""
        return (
            self.select_related("section")
            .defer("section__notes", "section__notes_html")
            .annotate(question_count=Count("items"))
            .filter(question_count__gt=0)
            .order_by("position", "slug")  # said again: a query that groups leaves out Meta.ordering
        )


class Quiz(models.Model):
    class Kind(models.TextChoices):
        SECTION = "section", _("Section quiz")
        ASSESSMENT = "assessment", _("Assessment")

    slug = models.SlugField(_("slug"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    section = models.OneToOneField(
        Section, on_delete=models.CASCADE, null=True, blank=True, related_name="quiz"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    questions = models.ManyToManyField(Question, through="QuizItem", related_name="quizzes")

    objects = QuizQuerySet.as_manager()

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("quizzes:quiz-detail", kwargs={"slug": self.slug})


class QuizItem(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="items", verbose_name=_("quiz"))
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="quiz_items", verbose_name=_("question")
    )
    position = models.PositiveIntegerField(_("position"))

    class Meta:
        ordering = ["quiz", "position"]
        constraints = [models.UniqueConstraint(fields=["quiz", "question"], name="quizitem_unique_question")]


class AttemptQuerySet(models.QuerySet["Attempt"]):
    def visible_to(self, user) -> AttemptQuerySet:
        """The attempts a user may open as a student: only their own."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(student=user)

    def for_attempt_pages(self, user) -> AttemptQuerySet:
        """The user's own attempts as the attempt's pages (question, result) show them: with the
        quiz and its section (but its study notes), which their headings name."""
        return (
            self.visible_to(user)
            .select_related("quiz__section")
            .defer("quiz__section__notes", "quiz__section__notes_html")
        )


class Attempt(models.Model):
    """One student's go at a quiz. Its question list is fixed when it starts."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("student")
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("quiz"))
    question_ids = models.JSONField(_("questions drawn"), default=list)
    seed = models.PositiveIntegerField(_("shuffle seed"))
    # Set by `attempts.attempt_start` (now, or the `now` it is given: the demo's past days).
    started_at = models.DateTimeField(_("started at"), default=timezone.now, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    score = models.FloatField(null=True, blank=True, help_text=_("0..1, set when finished"))
    # Played in a live class session (the `live` app records it when the session ends).
    live = models.BooleanField(_("live session"), default=False)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        indexes = [models.Index(fields=["student", "quiz", "finished_at"])]
        constraints = [
            # Two "start" posts at once (a double click, two tabs) open one attempt: the second
            # insert fails and attempt_start returns the first.
            models.UniqueConstraint(
                # a live session's attempt is opened and finished in one transaction, beside
                # whatever attempt the student has open at that quiz
                fields=["student", "quiz"],
                condition=Q(finished_at__isnull=True, live=False),
                name="attempt_one_open_per_quiz",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.quiz}"

    @property
    def total(self) -> int:
        return len(self.question_ids)

    def get_absolute_url(self) -> str:
        return reverse("quizzes:attempt-detail", kwargs={"pk": self.pk})

    def get_result_url(self) -> str:
        return reverse("quizzes:attempt-result", kwargs={"pk": self.pk})

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None


class AnswerQuerySet(models.QuerySet["Answer"]):
    def for_regrade(self, question: Question) -> AnswerQuerySet:
        """Every answer to `question` as the regrade (`quizzes.regrade`) reads it: with its
        attempt and student, `revision_number`, the number of the revision it was graded
        against, and `other_points`, the sum of the scores of its attempt's other answers (0 when
        there are none), from which the attempt's score is worked out again. By student, then
        attempt. One query."""
        others = Answer.objects.filter(attempt=OuterRef("attempt")).exclude(question=question)
        return (
            self.filter(question=question)
            .select_related("attempt__student")
            .annotate(
                revision_number=F("revision__number"),
                other_points=Coalesce(
                    _aggregate(others, "attempt", Sum("score")), Value(0.0), output_field=FloatField()
                ),
            )
            .order_by("attempt__student__username", "attempt__started_at", "pk")
        )


class Answer(models.Model):
    """A graded response to one question of an attempt, against the revision that was shown,
    or, once the question is regraded (`quizzes.regrade`), against the revision current then."""

    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="answers", verbose_name=_("attempt")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    revision = models.ForeignKey(
        Revision, on_delete=models.PROTECT, related_name="answers", verbose_name=_("revision")
    )
    position = models.PositiveIntegerField(_("position"), help_text=_("0-based position in the attempt"))
    response = models.JSONField(_("response"))
    correct = models.BooleanField(_("right"))
    score = models.FloatField(_("score"))
    feedback = models.JSONField(_("feedback"), default=list, blank=True)
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now, editable=False)
    # `kinds.picked_json(response)`, kept by a pre_save signal (quizzes.signals), so that item
    # analysis counts the picks of thousands of answers from an index, not their responses.
    picked = models.TextField(null=True, blank=True, editable=False)

    objects = AnswerQuerySet.as_manager()

    class Meta:
        ordering = ["attempt", "position"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="answer_once_per_attempt"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=1), name="answer_score_in_range"),
        ]
        # Item analysis reads the scores and the picked choices of thousands of attempts from
        # this index alone, and the heatmap the right answers of a class: whatever the order of
        # the table's rows (PostgreSQL scanned the whole table for the heatmap once they were
        # no longer in attempt order).
        indexes = [
            models.Index(
                fields=["attempt", "question", "score", "picked", "correct"], name="answer_attempt_covering"
            )
        ]

    def __str__(self) -> str:
        return _("answer %(position)s of attempt %(attempt)s") % {
            "position": self.position + 1,
            "attempt": self.attempt_id,
        }


class AnswerRegrade(models.Model):
    """What one regrade changed in one answer (`quizzes.regrade.answers_regrade`): the answer's
    revision, verdict and feedback before and after, and its attempt's score. Append-only; the
    rows of one regrade share `regraded_at`."""

    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, related_name="regrades", verbose_name=_("answer")
    )
    old_revision = models.ForeignKey(
        Revision, on_delete=models.PROTECT, related_name="+", verbose_name=_("old revision")
    )
    new_revision = models.ForeignKey(
        Revision, on_delete=models.PROTECT, related_name="+", verbose_name=_("new revision")
    )
    old_score = models.FloatField(_("old score"))
    new_score = models.FloatField(_("new score"))
    old_correct = models.BooleanField(_("correct before"))
    new_correct = models.BooleanField(_("correct after"))
    old_feedback = models.JSONField(_("old feedback"), default=list, blank=True)
    old_attempt_score = models.FloatField(_("old attempt score"), null=True, blank=True)
    new_attempt_score = models.FloatField(_("new attempt score"), null=True, blank=True)
    regraded_at = models.DateTimeField(_("regraded at"), default=timezone.now)
    regraded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("regraded by"),
    )

    class Meta:
        ordering = ["-regraded_at", "answer"]
        verbose_name = _("regraded answer")
        verbose_name_plural = _("regraded answers")

    def __str__(self) -> str:
        return f"{self.answer_id}: {self.old_score:g} -> {self.new_score:g}"
