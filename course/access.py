"""The one place that answers "may this user see this?"."""

from __future__ import annotations

from django.db.models import QuerySet

from quizzes.models import Attempt


def visible_attempts(user) -> QuerySet[Attempt]:
    """Attempts a user may open as a student: only their own."""
    if not user.is_authenticated:
        return Attempt.objects.none()
    return Attempt.objects.filter(student=user)
