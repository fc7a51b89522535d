"""The course pages: the syllabus and each section's study notes.

The course app is the ground floor and imports no other app of ours: a section's quiz is reached
through the reverse relation that `quizzes.Quiz.section` declares (`section.quiz`).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from course.models import Course, Section


@login_required
def syllabus(request: HttpRequest) -> HttpResponse:
    course = Course.objects.order_by("pk").first()
    sections = (
        Section.objects.filter(course=course)
        .select_related("quiz")
        .annotate(question_count=Count("questions", filter=Q(questions__active=True)))
        .order_by("position")
        if course
        else Section.objects.none()
    )
    return render(request, "course/syllabus.html", {"course": course, "sections": sections})


@login_required
def section_detail(request: HttpRequest, slug: str) -> HttpResponse:
    section = get_object_or_404(
        Section.objects.select_related("course", "quiz").annotate(quiz_items=Count("quiz__items")), slug=slug
    )
    siblings = list(
        Section.objects.filter(course=section.course)
        .order_by("position")
        .only("slug", "title", "title_en", "position")
    )
    index = next(i for i, s in enumerate(siblings) if s.pk == section.pk)
    quiz = section.quiz if section.quiz_items else None
    return render(
        request,
        "course/section.html",
        {
            "section": section,
            "quiz": quiz,
            "previous": siblings[index - 1] if index > 0 else None,
            "next": siblings[index + 1] if index + 1 < len(siblings) else None,
        },
    )
