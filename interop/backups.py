"""Backups of Rappel's data: every row of its own models, as gzipped JSON lines.

Django's JSON serializer cuts datetimes to milliseconds; review logs and scores depend on exact
times, so rows go through the python serializer and are written with full microseconds. The
order loads parents first; Django's bookkeeping (content types, permissions, migrations) comes
from migrate.
"""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.core import serializers

ORDER = [
    "auth.group",
    "auth.user",
    "admin.logentry",
    "course.course",
    "course.section",
    "classes.cohort",
    "classes.enrolment",
    "quizzes.question",
    "quizzes.revision",
    "quizzes.quiz",
    "quizzes.quizitem",
    "classes.assignment",
    "quizzes.attempt",
    "quizzes.answer",
    "quizzes.answerregrade",
    "review.reviewsettings",
    "review.card",
    "review.parameterset",  # before the reviews scheduled with them
    "review.review",
    "review.parameterchoice",
]


def backup_models() -> list:
    return [apps.get_model(label) for label in ORDER]


def _default(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__}")


def write(path: Path) -> int:
    """Write every row; returns how many."""
    count = 0
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        for model in backup_models():
            for record in serializers.serialize(
                "python", model._default_manager.order_by("pk").iterator(chunk_size=2000)
            ):
                stream.write(json.dumps(record, default=_default, ensure_ascii=False) + "\n")
                count += 1
    return count


def read(path: Path) -> Iterator:
    """Deserialized objects of a backup, in file order (raises on a damaged file)."""
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield from serializers.deserialize(
                    "python", [json.loads(line)], handle_forward_references=True
                )
