"""Pages every student sees from the classes app: signing up (with a class code), joining a
class, and the home that lists their quizzes beside the work their trainers assigned."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from classes import access, cohorts, throttle
from classes.forms import JoinForm, SignupForm
from classes.models import Assignment
from quizzes import attempts


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(
        request.POST or None,
        initial={"join_code": request.GET.get("code", "")},
        address=throttle.client_address(request),
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
                if form.cohort is not None:
                    cohorts.enrolment_add(cohort=form.cohort, student=user)
                    messages.success(request, _("Welcome to %(name)s!") % {"name": form.cohort.name})
        except IntegrityError:
            # Another signup took this username between the form's check and the insert.
            form.add_error("username", form.instance.unique_error_message(User, ["username"]))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("home")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, code: str = "") -> HttpResponse:
    """Join a class with its code: typed in a form, or from the link a trainer shared."""
    if not request.user.is_authenticated:
        return redirect(
            f"{reverse('signup')}?code={cohorts.normalise_code(code)}" if code else reverse("login")
        )
    form = JoinForm(request.POST or None, initial={"code": code}, address=throttle.client_address(request))
    if request.method == "POST" and form.is_valid():
        joined = cohorts.enrolment_add(cohort=form.cohort, student=request.user)
        message = _("You joined %(name)s.") if joined else _("You are already in %(name)s.")
        messages.success(request, message % {"name": form.cohort.name})
        return redirect("home")
    return render(request, "classes/join.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """Where signing in lands, by role: a trainer on their class (their list of classes when
    they teach several or none), an editor or an admin on the question bank in the admin, a
    student on their quizzes. `LOGIN_REDIRECT_URL` names it; a `next` given to the login wins."""
    user = request.user
    if access.is_trainer(user) and not user.is_superuser:
        taught = list(access.trainer_cohorts(user).values_list("pk", flat=True)[:2])
        if len(taught) == 1:
            return redirect("trainer:cohort-detail", pk=taught[0])
        return redirect("trainer:cohort-list")
    if user.is_staff and user.has_perm("quizzes.change_question"):
        return redirect("admin:quizzes_question_changelist")
    return redirect("home")


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The student's quizzes beside the work their trainers assigned, each assignment with
    `done_at`, when the student first finished its quiz."""
    quizzes, figures = attempts.student_quizzes(request.user)
    assignments = list(Assignment.objects.for_student_home(request.user))
    for assignment in assignments:
        assignment.done_at = (
            figures[assignment.quiz_id].first_finished if assignment.quiz_id in figures else None
        )
    context = {"quizzes": quizzes, "assignments": assignments, "now": timezone.now()}
    return render(request, "classes/home.html", context)
