"""Load the course outline (fixtures/course/course.yaml + notes/<slug>.md) into the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from course.models import Course, Section
from course.yamlio import LineDict, Problem, load_file

SLUG_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


class OutlineError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class OutlineSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def default_outline_path() -> Path:
    return Path(settings.FIXTURES_DIR) / "course" / "course.yaml"


def _read(path: Path) -> tuple[dict, list[dict]]:
    data, problems = load_file(path)
    name = str(path)
    if data is not None and not isinstance(data, dict):
        problems.append(Problem(name, 1, "the outline must be a mapping with course and sections"))
    if problems:
        raise OutlineError(problems)
    course = data.get("course")
    sections = data.get("sections")
    if not isinstance(course, dict) or not course.get("slug") or not course.get("title"):
        problems.append(Problem(name, data.line_of("course"), "course needs a slug and a title"))
    if not isinstance(sections, list) or not sections:
        problems.append(Problem(name, data.line_of("sections"), "sections must be a non-empty list"))
        raise OutlineError(problems)
    seen: set[str] = set()
    notes_dir = path.parent / "notes"
    parsed = []
    for index, item in enumerate(sections):
        line = sections.line_of(index)
        if not isinstance(item, LineDict):
            problems.append(Problem(name, line, "each section must be a mapping"))
            continue
        slug = item.get("slug")
        if not isinstance(slug, str) or not slug or not set(slug) <= SLUG_CHARS:
            problems.append(Problem(name, line, f"invalid section slug {slug!r}"))
            continue
        if slug in seen:
            problems.append(Problem(name, line, f"duplicate section slug {slug!r}"))
        seen.add(slug)
        if not item.get("title"):
            problems.append(Problem(name, line, f"section {slug!r} needs a title"))
        notes_file = notes_dir / f"{slug}.md"
        notes = notes_file.read_text(encoding="utf-8") if notes_file.exists() else ""
        parsed.append(
            {
                "slug": slug,
                "position": index + 1,
                "title": str(item.get("title", "")),
                "title_en": str(item.get("title_en", "")),
                "central": bool(item.get("central", False)),
                "notes": notes,
            }
        )
    if problems:
        raise OutlineError(problems)
    return dict(course), parsed


def outline_load(path: Path | None = None) -> OutlineSummary:
    """Upsert the course and its sections by slug, atomically. Idempotent."""
    path = Path(path or default_outline_path())
    course_data, sections = _read(path)
    summary = OutlineSummary()
    with transaction.atomic():
        course, _ = Course.objects.update_or_create(
            slug=course_data["slug"],
            defaults={
                "title": str(course_data["title"]),
                "title_en": str(course_data.get("title_en", "")),
                "description": str(course_data.get("description", "")).strip(),
            },
        )
        existing = {s.slug: s for s in Section.objects.filter(course=course)}
        # Move positions out of the way first so reordering never hits the unique constraint.
        offset = len(existing) + len(sections) + 1
        for section in existing.values():
            Section.objects.filter(pk=section.pk).update(position=section.position + offset)
        for data in sections:
            section = existing.get(data["slug"]) or Section.objects.filter(slug=data["slug"]).first()
            if section is None:
                Section(course=course, **data).save()
                summary.created.append(data["slug"])
                continue
            changed = (
                any(getattr(section, key) != value for key, value in data.items() if key != "position")
                or section.position != data["position"]
                or section.course_id != course.pk
            )
            for key, value in data.items():
                setattr(section, key, value)
            section.course = course
            section.save()
            (summary.updated if changed else summary.unchanged).append(data["slug"])
    return summary
