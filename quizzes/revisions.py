"""Revisions: the one place where a question's content changes.

Content (prompt, explanation, kind-specific spec) is never edited in place: a change makes a
new immutable Revision and moves the question's `current_revision` to it, so answers and
reviews keep the revision they were given, with their scores. The bank loader and the admin
both go through `revision_apply`.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Max

from course.markdown import render
from quizzes import kinds
from quizzes.models import Question, Revision


def content_hash(*, kind: str, prompt: str, explanation: str, spec: dict[str, Any]) -> str:
    payload = json.dumps(
        {"kind": kind, "prompt": prompt, "explanation": explanation, "spec": spec},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def revision_apply(
    *, question: Question, prompt: str, explanation: str, spec: dict[str, Any]
) -> Revision | None:
    """Make `spec` etc. the question's current content. Returns the new revision, or None when
    the content is unchanged (no revision is made). The question must be saved already."""
    digest = content_hash(kind=question.kind, prompt=prompt, explanation=explanation, spec=spec)
    current = question.current_revision
    if current is not None and current.content_hash == digest:
        return None
    with transaction.atomic():
        last = question.revisions.aggregate(n=Max("number"))["n"] or 0
        revision = Revision.objects.create(
            question=question,
            number=last + 1,
            content_hash=digest,
            prompt=prompt,
            prompt_html=render(prompt),
            explanation=explanation,
            explanation_html=render(explanation),
            spec=spec,
        )
        question.current_revision = revision
        Question.objects.filter(pk=question.pk).update(current_revision=revision)
    return revision


def revision_fields(revision: Revision, kind: str) -> dict[str, Any]:
    """The bank fields of a revision (prompt, explanation and the kind's own)."""
    return {
        "prompt": revision.prompt,
        "explanation": revision.explanation,
        **kinds.get(kind).to_raw(revision.spec),
    }


def revision_diff(old: Revision, new: Revision, kind: str) -> str:
    """A unified diff of two revisions, as YAML text an editor can read."""

    def text(revision: Revision) -> list[str]:
        return yaml.safe_dump(
            revision_fields(revision, kind), allow_unicode=True, sort_keys=False, width=100
        ).splitlines()

    return "\n".join(
        difflib.unified_diff(text(old), text(new), f"r{old.number}", f"r{new.number}", lineterm="", n=2)
    )
