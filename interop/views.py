"""Downloads of the question bank for any signed-in student: an Anki deck or a CSV file,
of one section or of the whole course, holding the answers of a graded quiz only once the
student has finished it or a trainer released them (`exports.answer_key_open_to`).
Thin: find the questions, build, send."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from classes.spreadsheet import csv_response
from course.models import Course, Section
from interop import anki
from interop.exports import CSV_TITLES, exportable_questions, questions_csv_rows
from quizzes.models import Question

APKG_CONTENT_TYPE = "application/octet-stream"


def _section(slug: str) -> Section:
    return get_object_or_404(Section.objects.select_related("course"), slug=slug)


def _course() -> Course:
    course = Course.objects.order_by("pk").first()  # the course the syllabus shows
    if course is None:
        raise Http404
    return course


def _apkg_response(
    request: HttpRequest, questions: Iterable[Question], *, slug: str, description: str
) -> HttpResponse:
    package = anki.deck_build(
        questions,
        title=anki.DECK_ROOT,
        description=description,
        site_url=request.build_absolute_uri("/").rstrip("/"),
    )
    response = HttpResponse(anki.apkg_bytes(package), content_type=APKG_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="rappel-{slug}.apkg"'
    return response


@require_GET
@login_required
def section_anki(request: HttpRequest, slug: str) -> HttpResponse:
    section = _section(slug)
    questions = exportable_questions(section=section, student=request.user)
    return _apkg_response(request, questions, slug=section.slug, description=section.course.title)


@require_GET
@login_required
def course_anki(request: HttpRequest) -> HttpResponse:
    course = _course()
    questions = exportable_questions(course=course, student=request.user)
    return _apkg_response(request, questions, slug=course.slug, description=course.title)


def _csv(request: HttpRequest, questions: Iterable[Question], *, slug: str) -> HttpResponse:
    return csv_response(request, f"rappel-{slug}.csv", CSV_TITLES, questions_csv_rows(questions))


@require_GET
@login_required
def section_csv(request: HttpRequest, slug: str) -> HttpResponse:
    section = _section(slug)
    return _csv(request, exportable_questions(section=section, student=request.user), slug=section.slug)


@require_GET
@login_required
def course_csv(request: HttpRequest) -> HttpResponse:
    course = _course()
    return _csv(request, exportable_questions(course=course, student=request.user), slug=course.slug)
