"""Student quiz pages: thin views that parse the request, call quizzes.attempts, render.

Every page works as plain links and form posts; with htmx, answering swaps the question card
for its feedback in place (the `card` partial of the same template).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from quizzes import attempts, kinds
from quizzes.models import Attempt, Quiz


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_GET
@login_required
def quiz_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    quizzes, _figures = attempts.student_quizzes(request.user, slug=slug)
    quiz = quizzes[0] if quizzes else None
    if quiz is None:
        raise Http404("No such quiz.")
    return render(request, "quizzes/quiz_detail.html", {"quiz": quiz})


@require_POST
@login_required
def quiz_start(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    quiz = get_object_or_404(Quiz, slug=slug)
    try:
        attempt = attempts.attempt_start(student=request.user, quiz=quiz)
    except attempts.AttemptError as error:
        return _error(request, error)
    return redirect(attempt)


@require_GET
@login_required
def attempt_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Resume: send the student to the first unanswered question, or to the result."""
    attempt = _attempt_for_page(request, pk)
    if attempt.finished_at:
        return redirect("quizzes:attempt-result", pk=attempt.pk)
    answered = attempts.answered_count(attempt)
    if answered >= attempt.total:
        return redirect("quizzes:attempt-question", pk=attempt.pk, number=attempt.total)
    return redirect("quizzes:attempt-question", pk=attempt.pk, number=answered + 1)


def _question_context(view: attempts.QuestionView, *, error: str = "") -> dict:
    kind = kinds.get(view.question.kind)
    spec = view.revision.spec
    context = {
        "view": view,
        "attempt": view.attempt,
        "question": view.question,
        "revision": view.revision,
        "answer": view.answer,
        "kind_template": kind.TEMPLATE,
        "present": kind.present(spec, seed=view.seed),
        "error": error,
    }
    if view.answer is not None:
        context["solution"] = kind.reveal(spec, view.answer.response)
        context["response"] = view.answer.response
    return context


@require_http_methods(["GET", "POST"])
@login_required
def attempt_question(request: HtmxHttpRequest, pk: int, number: int) -> HttpResponse:
    if request.method == "POST":
        return _answer(request, pk, number)
    attempt = _attempt_for_page(request, pk)
    view = attempts.question_view(attempt, number - 1)
    if view is None:
        raise Http404("No such question in this attempt.")
    if view.answer is None and view.answered < view.position:
        # Questions are answered in order: jump to the first unanswered one.
        return redirect("quizzes:attempt-question", pk=attempt.pk, number=view.answered + 1)
    return render(request, "quizzes/question.html", _question_context(view))


def _attempt_for_page(request: HtmxHttpRequest, pk: int) -> Attempt:
    # The heading names the quiz's section: fetched with the attempt, not in a query of its own.
    return get_object_or_404(Attempt.objects.for_attempt_pages(request.user), pk=pk)


def _answer(request: HtmxHttpRequest, pk: int, number: int) -> HttpResponse:
    """Answer a question: its feedback card for htmx, else a redirect to the question's page.

    answer_submit reads the attempt (locked) and returns what the card shows: nothing is read
    again to render it. A response that cannot be graded, or a form shown before the question
    was corrected, shows the question again (as it reads now), with why: 422, which htmx swaps.
    """
    try:
        view = attempts.answer_submit(
            student=request.user,
            attempt_id=pk,
            position=number - 1,
            revision_id=request.POST.get("revision"),
            form=dict(request.POST.lists()),
        )
    except Attempt.DoesNotExist:
        raise Http404("No such attempt.") from None
    except attempts.NoSuchQuestion:
        raise Http404("No such question in this attempt.") from None
    except (kinds.InvalidResponse, attempts.StaleRevision) as error:
        view = attempts.question_view(_attempt_for_page(request, pk), number - 1)
        context = _question_context(view, error=str(error))
        template = "quizzes/question.html#card" if request.htmx else "quizzes/question.html"
        return render(request, template, context, status=422)
    except attempts.AttemptError as error:
        return _error(request, error)
    if not request.htmx:
        return redirect("quizzes:attempt-question", pk=pk, number=number)
    return render(request, "quizzes/question.html#card", _question_context(view))


@require_POST
@login_required
def attempt_finish(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    try:
        attempt = attempts.attempt_finish(attempt=Attempt.objects.visible_to(request.user).filter(pk=pk))
    except Attempt.DoesNotExist:
        raise Http404("No such attempt.") from None
    except attempts.AttemptError as error:
        return _error(request, error)
    if request.htmx:
        return HttpResponseClientRedirect(attempt.get_result_url())
    return redirect(attempt.get_result_url())


@require_GET
@login_required
def attempt_result(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    attempt = _attempt_for_page(request, pk)
    if attempt.finished_at is None:
        return redirect(attempt)
    return render(
        request,
        "quizzes/result.html",
        {
            "attempt": attempt,
            "sections": attempts.section_scores(attempt),
            # with the revision shown: each answer is rendered from its spec, in this query
            "answers": attempt.answers.select_related("question", "revision").order_by("position"),
        },
    )


def _error(request: HtmxHttpRequest, error: attempts.AttemptError) -> HttpResponse:
    return render(request, "quizzes/error.html", {"message": error.message}, status=error.status)
