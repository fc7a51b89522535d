from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.db import transaction
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from course import cohorts
from course.forms import JoinForm, SignupForm
from course.models import Course, Section
from quizzes.models import Quiz


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
    section = get_object_or_404(Section.objects.select_related("course"), slug=slug)
    siblings = list(
        Section.objects.filter(course=section.course)
        .order_by("position")
        .only("slug", "title", "title_en", "position")
    )
    index = next(i for i, s in enumerate(siblings) if s.pk == section.pk)
    quiz = Quiz.objects.filter(section=section, items__isnull=False).distinct().first()
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


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("quizzes:home")
    form = SignupForm(request.POST or None, initial={"join_code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            if form.cleaned_data["join_code"]:
                cohort, _joined = cohorts.cohort_join(student=user, code=form.cleaned_data["join_code"])
                messages.success(request, _("Welcome to %(name)s!") % {"name": cohort.name})
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("quizzes:home")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, code: str = "") -> HttpResponse:
    """Join a class with its code: typed in a form, or from the link a trainer shared."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('signup')}?code={cohorts.normalise_code(code)}" if code else reverse("login"))
    form = JoinForm(request.POST or None, initial={"code": code})
    if request.method == "POST" and form.is_valid():
        try:
            cohort, joined = cohorts.cohort_join(student=request.user, code=form.cleaned_data["code"])
        except cohorts.CohortError as error:
            form.add_error("code", error.message)
        else:
            message = _("You joined %(name)s.") if joined else _("You are already in %(name)s.")
            messages.success(request, message % {"name": cohort.name})
            return redirect("quizzes:home")
    return render(request, "course/join.html", {"form": form}, status=400 if form.errors else 200)
