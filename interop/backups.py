"""Backups of Rappel's data: every row of its own models, as gzipped JSON lines, and back.

Django's JSON serializer cuts datetimes to milliseconds; review logs and scores depend on exact
times, so rows go through the python serializer and are written with full microseconds. The
order loads parents first; Django's bookkeeping (content types, permissions, migrations) comes
from migrate, so the few rows that point at it (a group's permissions, the admin's log) name it
by natural key, which does not depend on the order migrations ran in.

Nothing is lost, whatever fails:

- `write` reads in one transaction (one snapshot of the data), writes to a temporary file
  beside the target and renames it only when complete: a failure leaves no file that looks
  like a backup. Its last line, the trailer, holds the rows per model and a SHA-256 of every
  line before it.
- `restore` checks the whole file against its trailer before anything is deleted, then
  replaces the data in one transaction and checks the counts again before it commits.
- What is derived is never trusted from the file: the daily review rollup is summed again
  from the review log, and every stored HTML (prompts, explanations, notes, the HTML inside a
  question's spec) is rendered again from its Markdown, or sanitised where it has none.
"""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import hashlib
import json
import os
import tempfile
import uuid
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import Prefetch, QuerySet

from course.markdown import MarkdownRefused, render, sanitise
from quizzes import kinds
from review.cards import review_days_rebuild

FORMAT = "rappel-backup"
VERSION = 2

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
# Rows that point at migrate's bookkeeping (permissions, content types) name it by natural key.
NATURAL_KEYS = {"auth.group", "admin.logentry"}
# Derived from the rows above, rebuilt on restore, never read from a file.
DERIVED = ["review.reviewday"]


class BackupError(Exception):
    """A backup that cannot be written or restored; nothing was changed."""


def backup_models() -> list:
    return [apps.get_model(label) for label in ORDER]


def all_tables() -> list:
    """Every model whose rows a restore replaces: the backed-up ones, their many-to-many tables
    (a class's trainers, a user's groups) and the derived ones."""
    models = backup_models()
    through = [
        field.remote_field.through
        for model in models
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    ]
    return [*models, *through, *(apps.get_model(label) for label in DERIVED)]


def _default(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__}")


def _line(record: dict) -> bytes:
    return (json.dumps(record, default=_default, ensure_ascii=False) + "\n").encode()


def _snapshot(connection) -> None:
    """Make the transaction read one snapshot of the whole database."""
    if connection.vendor == "postgresql":
        # raw SQL: the ORM cannot choose a transaction's isolation; REPEATABLE READ makes every
        # query of the backup see the same snapshot, so no row points at one written later.
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    # SQLite (WAL): a read transaction already sees one snapshot from its first read.


def _totally_ordered(queryset: QuerySet) -> QuerySet:
    """In the model's order then by key, as the serializer lists many-to-many values."""
    return queryset.order_by(*queryset.model._meta.ordering, "pk")


def _with_keys(queryset: QuerySet) -> QuerySet:
    """The rows with those their foreign keys name, which a natural key reads (a permission's
    content type; a log entry's user)."""
    names = [field.name for field in queryset.model._meta.concrete_fields if field.is_relation]
    return queryset.select_related(*names) if names else queryset


def _rows(model, *, natural: bool) -> Iterator:
    """The rows of `model` in key order, with what the serializer reads of them fetched per chunk
    of rows rather than one query a row: each many-to-many field's rows (a user's groups) and,
    where keys are written as natural keys, the rows they name with what those keys are made
    of (a log entry's user and content type, a group's permissions with their content types)."""
    queryset = model._default_manager.order_by("pk")
    for field in model._meta.local_many_to_many:
        related = _totally_ordered(field.related_model._default_manager.all())
        queryset = queryset.prefetch_related(
            Prefetch(field.name, _with_keys(related) if natural else related)
        )
    return (_with_keys(queryset) if natural else queryset).iterator(chunk_size=2000)


def write(path: Path) -> dict[str, int]:
    """Write every row to `path` (atomically); returns the rows per model."""
    path = Path(path)
    counts: Counter[str] = Counter()
    digest = hashlib.sha256()
    handle, partial_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    partial = Path(partial_name)
    try:
        with os.fdopen(handle, "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb") as stream:
                connection = connections[DEFAULT_DB_ALIAS]
                outermost = not connection.in_atomic_block  # else the caller's transaction rules
                with transaction.atomic():
                    if outermost:
                        _snapshot(connection)
                    for model in backup_models():
                        label = model._meta.label_lower
                        natural = label in NATURAL_KEYS
                        rows = _rows(model, natural=natural)
                        for record in serializers.serialize("python", rows, use_natural_foreign_keys=natural):
                            line = _line(record)
                            digest.update(line)
                            stream.write(line)
                            counts[label] += 1
                trailer = {"format": FORMAT, "version": VERSION, "counts": dict(counts)}
                stream.write(_line({"trailer": trailer | {"sha256": digest.hexdigest()}}))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return dict(counts)


def _lines(path: Path) -> Iterator[bytes]:
    try:
        with gzip.open(path, "rb") as stream:
            yield from stream
    except (OSError, EOFError, zlib.error) as error:
        raise BackupError(f"{path}: not a readable backup ({error})") from None


def verify(path: Path) -> dict[str, int]:
    """Check a backup against its trailer (complete, unchanged, rows per model); returns the
    counts. Raises BackupError, saying what is wrong, before anything is touched."""
    digest = hashlib.sha256()
    counts: Counter[str] = Counter()
    trailer = None
    for line in _lines(path):
        if not line.strip():
            continue
        if trailer is not None:
            raise BackupError(f"{path}: rows after the trailer: the file was altered")
        try:
            record = json.loads(line)
        except ValueError as error:
            raise BackupError(f"{path}: not a readable backup ({error})") from None
        if not isinstance(record, dict):
            raise BackupError(f"{path}: not a backup written by `backup`")
        if "trailer" in record:
            trailer = record["trailer"]
            continue
        digest.update(line)
        counts[str(record.get("model"))] += 1
    if not isinstance(trailer, dict) or trailer.get("format") != FORMAT:
        raise BackupError(
            f"{path}: no trailer: the backup is incomplete (or older than version {VERSION} of the "
            "format), so it cannot be checked; nothing was changed"
        )
    if trailer.get("version") != VERSION:
        raise BackupError(
            f"{path}: backup format version {trailer.get('version')}, this Rappel reads {VERSION}"
        )
    if trailer.get("sha256") != digest.hexdigest():
        raise BackupError(f"{path}: the checksum does not match: the file was damaged or altered")
    if trailer.get("counts") != dict(counts):
        raise BackupError(f"{path}: the rows per model do not match the trailer")
    unknown = set(counts) - set(ORDER)
    if unknown:
        raise BackupError(f"{path}: unknown models {sorted(unknown)}")
    return dict(counts)


def read(path: Path) -> Iterator:
    """Deserialized objects of a backup, in file order (the trailer left out)."""
    for line in _lines(path):
        if line.strip():
            record = json.loads(line)
            if "trailer" not in record:
                yield from serializers.deserialize("python", [record], handle_forward_references=True)


def _renewed(stored: Any, rebuilt: Any) -> Any:
    """`stored` with each `*_html` value taken from `rebuilt` (the same data rendered again),
    where `rebuilt` has it at the same place; any other `*_html` is sanitised."""
    if isinstance(stored, dict):
        other = rebuilt if isinstance(rebuilt, dict) else {}
        out = {}
        for key, value in stored.items():
            if isinstance(key, str) and key.endswith("_html") and isinstance(value, str):
                fresh = other.get(key)
                out[key] = fresh if isinstance(fresh, str) else sanitise(value)
            else:
                out[key] = _renewed(value, other.get(key))
        return out
    if isinstance(stored, list):
        other = rebuilt if isinstance(rebuilt, list) and len(rebuilt) == len(stored) else [None] * len(stored)
        return [_renewed(value, fresh) for value, fresh in zip(stored, other, strict=True)]
    return stored


def _again(source: str, stored: str) -> str:
    try:
        return render(source)
    except MarkdownRefused:  # over today's bounds, from before them: keep it, sanitised
        return sanitise(stored)


def _render_again(obj: Any, questions: dict[int, tuple[str, str]]) -> None:
    """Never trust HTML from a file: render it again from the Markdown beside it."""
    label = obj._meta.label_lower
    if label == "course.section":
        obj.notes_html = _again(obj.notes, obj.notes_html)
    elif label == "quizzes.revision":
        obj.prompt_html = _again(obj.prompt, obj.prompt_html)
        obj.explanation_html = _again(obj.explanation, obj.explanation_html)
        kind, uid = questions.get(obj.question_id, ("", ""))
        try:
            module = kinds.get(kind)
            rebuilt = module.build_spec(module.to_raw(obj.spec), uid=uid)
        except (LookupError, TypeError, ValueError, kinds.SpecError):
            rebuilt = None  # a spec this version would not build: its HTML is sanitised
        obj.spec = _renewed(obj.spec, rebuilt)


def _counts() -> dict[str, int]:
    """Rows per backed-up model, as a trailer counts them (models without rows left out)."""
    counts = {model._meta.label_lower: model._default_manager.count() for model in backup_models()}
    return {label: count for label, count in counts.items() if count}


def restore(path: Path, *, expected: dict[str, int] | None = None) -> dict[str, int]:
    """Replace all data with the backup at `path`, in one transaction; returns the rows per model.
    Raises BackupError (nothing changed) when the file fails its check or does not load.
    `expected`: the counts `verify(path)` returned, when the caller has just checked the file
    (then it is read once less); without them it is checked here first."""
    path = Path(path)
    if expected is None:
        expected = verify(path)
    connection = connections[DEFAULT_DB_ALIAS]
    question_model = apps.get_model("quizzes.question")
    try:
        with transaction.atomic():
            # A question points at its current revision (protected): let go of it, so that the
            # revisions can go before their questions, in the reverse order of the backup.
            question_model.objects.update(current_revision=None)
            for model in reversed(all_tables()):
                model._default_manager.all().delete()
            questions: dict[int, tuple[str, str]] = {}
            with connection.constraint_checks_disabled():
                for item in read(path):
                    if item.object._meta.label_lower == "quizzes.question":
                        questions[item.object.pk] = (item.object.kind, item.object.uid)
                    _render_again(item.object, questions)
                    item.save()
            # Rows that referred forward (a question to its current revision) are checked now.
            connection.check_constraints()
            loaded = _counts()
            if loaded != expected:
                raise BackupError(f"{path}: {loaded} rows loaded, the trailer says {expected}")
            # The backend's own statements move each table's id sequence past the restored ids,
            # as loaddata does (many-to-many tables included); the ORM has no call for it.
            # raw SQL: statements the backend writes (sequence_reset_sql), run as they are.
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), all_tables()):
                    cursor.execute(sql)
            # The daily rollup is not in the backup: it is summed again from the review log.
            review_days_rebuild()
    except (DeserializationError, DatabaseError, ValueError) as error:
        raise BackupError(f"{path}: the backup does not load into this database ({error})") from None
    return loaded


def content_digest() -> str:
    """A SHA-256 of every row a restore replaces, in key order; the rows of many-to-many and
    derived tables (whose ids a restore renumbers) without their id, sorted; a key to migrate's
    bookkeeping (a permission, a content type) as its natural key. Equal digests, equal data."""
    digest = hashlib.sha256()
    kept = set(backup_models())
    tables = all_tables()
    natural: dict[Any, dict[Any, Any]] = {}  # model outside the backup -> {pk: natural key}
    for model in tables:
        fields = [f for f in model._meta.concrete_fields if not (model not in kept and f.primary_key)]
        for field in fields:
            target = field.related_model
            if target is not None and target not in tables and target not in natural:
                named = _with_keys(target._default_manager.all())
                natural[target] = {obj.pk: obj.natural_key() for obj in named}
        rows = []
        for row in (
            model._default_manager.order_by("pk").values_list(*(f.attname for f in fields)).iterator(2000)
        ):
            values = [
                natural[f.related_model].get(value) if f.related_model in natural else value
                for f, value in zip(fields, row, strict=True)
            ]
            rows.append(json.dumps(values, default=_default))
        digest.update(model._meta.label_lower.encode())
        for row in rows if model in kept else sorted(rows):
            digest.update(row.encode())
    return digest.hexdigest()
