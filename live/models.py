"""A live class session: the trainer shows a quiz on the projector, the room answers on phones.

The database holds the whole state (the phase, each question's start and end, every answer); the
channel layer only tells the connected screens that something changed.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from classes.models import Cohort
from quizzes.models import Attempt, Question, Quiz, Revision

# No 0/O, 1/I/L: a PIN read from the back of the room.
PIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PIN_LENGTH = 6
DEFAULT_SECONDS = 30


def new_pin() -> str:
    return "".join(secrets.choice(PIN_ALPHABET) for _ in range(PIN_LENGTH))


class LiveSessionQuerySet(models.QuerySet["LiveSession"]):
    def run_by(self, user) -> LiveSessionQuerySet:
        """The sessions a user may drive: their own (a superuser drives any)."""
        if not user.is_authenticated:
            return self.none()
        return self if user.is_superuser else self.filter(trainer=user)

    def joinable(self) -> LiveSessionQuerySet:
        return self.exclude(phase=LiveSession.Phase.ENDED)


class LiveSession(models.Model):
    class Phase(models.TextChoices):
        LOBBY = "lobby", _("Waiting for players")
        OPEN = "open", _("Question open")
        REVEAL = "reveal", _("Answer shown")
        PODIUM = "podium", _("Podium")
        ENDED = "ended", _("Ended")

    pin = models.CharField(_("PIN"), max_length=PIN_LENGTH, unique=True, default=new_pin)
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="live_sessions",
        verbose_name=_("trainer"),
    )
    quiz = models.ForeignKey(
        Quiz, on_delete=models.CASCADE, related_name="live_sessions", verbose_name=_("quiz")
    )
    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="live_sessions",
        verbose_name=_("class"),
    )
    phase = models.CharField(_("phase"), max_length=10, choices=Phase.choices, default=Phase.LOBBY)
    current = models.ForeignKey(
        "SessionQuestion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Seconds left on the current question while the trainer has paused it; None when running.
    paused_remaining = models.FloatField(null=True, blank=True)
    # Bumped on every change of phase or question: a screen ignores a state older than its own.
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = LiveSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")

    def __str__(self) -> str:
        return f"{self.pin} · {self.quiz_id}"

    @property
    def group(self) -> str:
        """The channel-layer group of every screen of the session."""
        return f"live-{self.pk}"

    @property
    def screen_group(self) -> str:
        """The group of the trainer's screens only (answer counts, players joining)."""
        return f"live-{self.pk}-screen"

    @property
    def paused(self) -> bool:
        return self.paused_remaining is not None

    def following(self) -> SessionQuestion | None:
        """The question "next" opens: the first one after the current question (from the lobby,
        the first of all), skipped ones left out. Reads `current` if it is not loaded yet."""
        after = self.current.position if self.current_id else -1
        return self.questions.filter(position__gt=after, skipped=False).order_by("position").first()

    def get_absolute_url(self) -> str:
        return reverse("live:screen", kwargs={"pk": self.pk})

    def get_join_url(self) -> str:
        return reverse("live:join-pin", kwargs={"pin": self.pin})


class SessionQuestion(models.Model):
    """One question of a session, with the revision shown and the server's clock for it."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    seconds = models.PositiveIntegerField(_("seconds to answer"), default=DEFAULT_SECONDS)
    opened_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)
    skipped = models.BooleanField(default=False)

    class Meta:
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="live_question_unique_position")
        ]

    def __str__(self) -> str:
        return f"{self.session_id} #{self.position + 1}"

    @property
    def number(self) -> int:
        return self.position + 1


class Player(models.Model):
    """Someone in the room: a signed-in user (then their answers become an attempt) or a guest
    known by a nickname and their browser session."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="players")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    nickname = models.CharField(_("nickname"), max_length=24)
    points = models.PositiveIntegerField(default=0)
    streak = models.PositiveIntegerField(default=0)
    removed = models.BooleanField(default=False)
    joined_at = models.DateTimeField(auto_now_add=True)
    attempt = models.OneToOneField(
        Attempt, on_delete=models.SET_NULL, null=True, blank=True, related_name="live_player"
    )

    class Meta:
        ordering = ["session", "joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "nickname"], name="live_player_unique_nickname"),
            models.UniqueConstraint(
                fields=["session", "user"], condition=Q(user__isnull=False), name="live_player_unique_user"
            ),
        ]

    def __str__(self) -> str:
        return self.nickname


class LiveAnswer(models.Model):
    """A player's answer to one question, graded by the question's kind when it arrived."""

    session_question = models.ForeignKey(SessionQuestion, on_delete=models.CASCADE, related_name="answers")
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="answers")
    response = models.JSONField()
    correct = models.BooleanField()
    score = models.FloatField()
    feedback = models.JSONField(default=list, blank=True)
    points = models.PositiveIntegerField(default=0)
    elapsed_ms = models.PositiveIntegerField()
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session_question", "answered_at"]
        constraints = [
            models.UniqueConstraint(fields=["session_question", "player"], name="live_answer_once"),
        ]
