"""Pages every student sees from the classes app: signing up (with a class code), joining a
class, and the home that lists their quizzes beside the work their trainers assigned."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from classes import cohorts
from classes import home as home_rows
from classes.forms import JoinForm, SignupForm


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None, initial={"join_code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            if form.cleaned_data["join_code"]:
                cohort, _joined = cohorts.cohort_join(student=user, code=form.cleaned_data["join_code"])
                messages.success(request, _("Welcome to %(name)s!") % {"name": cohort.name})
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("home")
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
            return redirect("home")
    return render(request, "classes/join.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The student's quizzes and assigned work: their rows are made by `classes.home`, in the
    language of the request."""
    quizzes, assigned = home_rows.student_home(request.user)
    # One token for all the page's forms, as the `csrf` context processor's would be (it is
    # made once per page: masking it again would cost another 25 µs).
    csrf_token = get_token(request)
    csrf_input = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf_token)
    quiz_rows, assigned_items = home_rows.home_lists(quizzes, assigned, csrf_input)
    return render(request, "quizzes/home.html", {
        "quiz_rows": quiz_rows, "assigned_items": assigned_items, "csrf_token": csrf_token,
    })
