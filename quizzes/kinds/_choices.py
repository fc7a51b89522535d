"""Shared by the choice kinds (single and multiple): a list of texts, some marked correct."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext

from course.markdown import render_inline
from quizzes.kinds import UnreadableResponse, item_key, require_text, shuffled


def build_choices(raw: Mapping[str, Any], *, uid: str, problems: list[tuple[str, str]]) -> list[dict]:
    items = raw.get("choices")
    if not isinstance(items, list) or len(items) < 2:
        problems.append(("choices", gettext("choices must be a list of at least 2 items")))
        return []
    choices: list[dict] = []
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, Mapping):
            problems.append(
                ("choices", gettext("choice %(number)s must be a mapping with text") % {"number": index})
            )
            continue
        unknown = set(item) - {"text", "correct", "feedback"}
        if unknown:
            problems.append(
                (
                    "choices",
                    gettext("choice %(number)s: unknown field(s) %(fields)s")
                    % {"number": index, "fields": ", ".join(sorted(map(str, unknown)))},
                )
            )
        text = require_text(item, "text", [])
        if not text:
            problems.append(("choices", gettext("choice %(number)s has no text") % {"number": index}))
            continue
        if text in seen:
            problems.append(
                (
                    "choices",
                    gettext("choice %(number)s repeats %(text)s") % {"number": index, "text": repr(text)},
                )
            )
        seen.add(text)
        correct = item.get("correct", False)
        if not isinstance(correct, bool):
            problems.append(
                ("choices", gettext("choice %(number)s: correct must be true or false") % {"number": index})
            )
            correct = False
        feedback = str(item.get("feedback") or "").strip()
        choices.append(
            {
                "key": item_key(uid, text),
                "text": text,
                "html": render_inline(text),
                "correct": correct,
                "feedback": feedback,
                "feedback_html": render_inline(feedback) if feedback else "",
            }
        )
    return choices


def choices_to_raw(spec: Mapping[str, Any]) -> dict:
    out = []
    for choice in spec["choices"]:
        item: dict[str, Any] = {"text": choice["text"]}
        if choice["correct"]:
            item["correct"] = True
        if choice["feedback"]:
            item["feedback"] = choice["feedback"]
        out.append(item)
    return {"choices": out}


def present_choices(spec: Mapping[str, Any], *, seed: int | str) -> dict:
    return {"choices": [{"key": c["key"], "html": c["html"]} for c in shuffled(spec["choices"], seed)]}


def chosen(spec: Mapping[str, Any], keys: list[Any]) -> list[dict]:
    """The spec's choices that ``keys`` name, in their order; ``UnreadableResponse`` for a key
    the spec does not hold (a tampered response)."""
    by_key = {c["key"]: c for c in spec["choices"]}
    if not keys or not all(isinstance(key, str) and key in by_key for key in keys):
        raise UnreadableResponse("choices")
    return [by_key[key] for key in keys]
