"""Review pages: the card queue (htmx swaps each step in place), progress, settings, adding cards.

Every step is also a plain form post that redirects, so reviewing works without JavaScript.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from course.models import Section
from course.templatetags.rappel import pct
from quizzes import kinds
from quizzes.attempts import STALE_REVISION
from quizzes.models import Question, Quiz
from quizzes.views import HtmxHttpRequest
from review import cards, optimizer, scheduling
from review.charts import bar_chart
from review.models import Card, ReviewSettings, normalised_steps
from review.progress import figures as progress_figures

SESSION_KEY = "review_session_start"
SESSION_IDLE = dt.timedelta(hours=1)
RATING_LABELS = {
    1: gettext_lazy("Again"),
    2: gettext_lazy("Hard"),
    3: gettext_lazy("Good"),
    4: gettext_lazy("Easy"),
}


def _session_start(request: HtmxHttpRequest) -> dt.datetime | None:
    stamp = request.session.get(SESSION_KEY)
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC) if stamp else None


def _session_summary(
    request: HtmxHttpRequest, now: dt.datetime, start: dt.datetime | None, reviews: dict | None
) -> dict:
    """Reviews of the current session (`reviews`: those since `start`, counted with the queue):
    since the first visit, and anew after an hour idle.

    The session start is kept in the Django session and written only when a session begins,
    so showing a card does not write the session row.
    """
    last = (reviews or {}).get("last") or start
    if start is None or now - last > SESSION_IDLE:
        request.session[SESSION_KEY] = now.timestamp()
        return {"reviewed": 0, "correct": 0, "time_ms": 0, "last": None, "time_label": "0 min 00 s"}
    minutes, seconds = divmod(round((reviews["time_ms"] or 0) / 1000), 60)
    return {**reviews, "time_label": f"{minutes} min {seconds:02d} s"}


def _card_context(
    card: Card,
    *,
    prefs: ReviewSettings,
    now: dt.datetime,
    stage: str,
    graded: dict | None = None,
    error: str = "",
) -> dict:
    question = card.question
    revision = question.current_revision
    kind = kinds.get(question.kind)
    context = {
        "card": card,
        "question": question,
        "revision": revision,
        "kind_template": kind.TEMPLATE,
        "graded_kind": kinds.is_graded(question.kind),
        "present": kind.present(revision.spec, seed=f"{card.pk}-{card.version}"),
        "stage": stage,  # "front": ask or show the front; "back": verdict or answer, then rate
        "error": error,
        "token": cards.card_token(card, shown_at=now, graded=graded),
    }
    if stage == "back":
        response = (graded or {}).get("response") or {}
        context["solution"] = kind.reveal(revision.spec, response)
        context["response"] = response
        context["graded"] = graded
        suggested = (
            scheduling.suggest_rating(
                correct=graded["correct"],
                score=graded["score"],
                seconds=graded.get("seconds"),
                state=card.state,
            )
            if graded
            else None  # a flashcard: the student judges their own recall
        )
        # Fuzz included, drawn from the card and its version as `cards.review_record` draws it:
        # each button shows the interval its rating stores.
        intervals = scheduling.next_intervals(
            card_id=card.pk,
            state=cards.card_state(card),
            now=now,
            options=cards.options_of(card.student_id, prefs),
            fuzz=cards.fuzz_enabled(),
            reps=card.version,
        )
        context["ratings"] = [
            {
                "value": r,
                "label": RATING_LABELS[r],
                "interval": scheduling.format_interval(intervals[r]),
                "delta": intervals[r],
                "suggested": r == suggested,
            }
            for r in scheduling.RATINGS
        ]
    return context


def _render_queue(
    request: HtmxHttpRequest, *, notice: str = "", status: int = 200, prefs: ReviewSettings | None = None
) -> HttpResponse:
    now = timezone.now()
    prefs = prefs or cards.settings_for(request.user)
    start = _session_start(request)
    queue = cards.next_card(student=request.user, now=now, prefs=prefs, since=start)
    summary = _session_summary(request, now, start, queue.since)
    context = {"queue": queue, "summary": summary, "notice": notice, "prefs": prefs}
    if queue.card is not None:
        context.update(_card_context(queue.card, prefs=prefs, now=now, stage="front"))
    return render(request, _template(request), context, status=status)


def _render_card(request: HtmxHttpRequest, card: Card, *, status: int = 200, **shown) -> HttpResponse:
    """One card without the queue and the session summary: its back once revealed or answered,
    or its front again with an error (`shown`: the arguments of `_card_context`)."""
    context = _card_context(card, **shown)
    context.update(queue=None, summary=None)
    return render(request, _template(request), context, status=status)


def _template(request: HtmxHttpRequest) -> str:
    """The review page, or for htmx only its card part, swapped in place."""
    return "review/session.html#card" if request.htmx else "review/session.html"


@require_GET
@login_required
def session(request: HtmxHttpRequest) -> HttpResponse:
    return _render_queue(request)


def _own_card(request: HtmxHttpRequest, pk: int) -> Card:
    card = cards.own_card(request.user, pk)
    if card is None:
        raise Http404(cards.NO_SUCH_CARD)
    return card


@require_POST
@login_required
def card_reveal(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Flashcard: show the back and the rating buttons (nothing is saved)."""
    card = _own_card(request, pk)
    try:
        cards.read_token(request.POST.get("token", ""), card_id=card.pk)
    except cards.ReviewError as error:
        return _render_queue(request, notice=error.message, status=400)
    prefs = cards.settings_for(request.user)
    return _render_card(request, card, prefs=prefs, now=timezone.now(), stage="back")


@require_POST
@login_required
def card_answer(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A graded kind: grade the answer, show the verdict and the suggested rating (nothing saved)."""
    card = _own_card(request, pk)
    now = timezone.now()
    try:
        data = cards.read_token(request.POST.get("token", ""), card_id=card.pk)
    except cards.ReviewError as error:
        return _render_queue(request, notice=error.message, status=400)
    prefs = cards.settings_for(request.user)
    if data.get("v") != card.version:
        return _render_queue(request, notice=cards.STALE_FORM, status=409, prefs=prefs)
    if data.get("rev") != card.question.current_revision_id:
        # Shown before the question was corrected: grading against the new key would judge an
        # answer to a question the student never saw. The card again, as it reads now.
        return _render_card(
            request, card, prefs=prefs, now=now, stage="front", error=str(STALE_REVISION), status=422
        )
    try:
        graded = cards.answer_grade(card=card, form=dict(request.POST.lists()))
    except kinds.InvalidResponse as error:
        return _render_card(request, card, prefs=prefs, now=now, stage="front", error=str(error), status=422)
    graded["seconds"] = round(now.timestamp() - data["t"], 1)
    return _render_card(request, card, prefs=prefs, now=now, stage="back", graded=graded)


@require_POST
@login_required
def card_rate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    prefs = cards.settings_for(request.user)
    try:
        cards.review_record(
            student=request.user,
            card_id=pk,
            rating=request.POST.get("rating"),
            token=request.POST.get("token", ""),
            prefs=prefs,
        )
    except cards.ReviewError as error:
        return _render_queue(request, notice=error.message, status=error.status, prefs=prefs)
    if request.htmx:
        return _render_queue(request, prefs=prefs)
    return redirect("review:session")


class AddForm(forms.Form):
    scope = forms.ChoiceField(choices=[("course", "course"), ("section", "section"), ("quiz", "quiz")])
    slug = forms.SlugField(required=False)


@require_POST
@login_required
def cards_add(request: HtmxHttpRequest) -> HttpResponse:
    form = AddForm(request.POST)
    if not form.is_valid():
        return render(request, "quizzes/error.html", {"message": _("Unknown selection.")}, status=400)
    scope, slug = form.cleaned_data["scope"], form.cleaned_data["slug"]
    questions = Question.objects.all()
    if scope == "section":
        questions = questions.filter(section=get_object_or_404(Section, slug=slug))
    elif scope == "quiz":
        questions = questions.filter(quizzes=get_object_or_404(Quiz, slug=slug))
    added = cards.cards_add(student=request.user, questions=cards.reviewable(questions))
    messages.success(
        request,
        _("%(n)d new cards added to your review.") % {"n": added}
        if added
        else _("These questions are already in your review."),
    )
    return redirect(request.POST.get("next") if _safe_next(request) else reverse("review:session"))


def _safe_next(request: HtmxHttpRequest) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    return bool(target) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})


@require_GET
@login_required
def progress(request: HtmxHttpRequest) -> HttpResponse:
    prefs = cards.settings_for(request.user)
    figures = progress_figures(student=request.user, now=timezone.now(), prefs=prefs)
    history = figures.days
    days = figures.cards.forecast
    chart = bar_chart(
        [(d["day"].strftime("%d/%m"), d["count"]) for d in days],
        title=_("Reviews due over the next 14 days"),
    )
    retention = [{**r, "percent": pct(r["rate"]) if r["rate"] is not None else ""} for r in history.retention]
    context = {
        "prefs": prefs,
        "states": figures.cards.states,
        "forecast": days,
        "chart": chart,
        "today": days[0]["count"],
        "tomorrow": days[1]["count"],
        "retention": retention,
        "streak": history.streak,
        "mastery": figures.cards.mastery,
    }
    return render(request, "review/progress.html", context)


class SettingsForm(forms.ModelForm):
    """A student's deck options, as Anki's: daily limits, steps, retention, maximum interval."""

    reschedule = forms.BooleanField(
        label=gettext_lazy("Reschedule my cards"),
        required=False,
        help_text=gettext_lazy(
            "When the desired retention or the maximum interval changes, move the due dates of the "
            "cards already in review to what the new values give, from their last review. "
            "Unticked, the new values apply from each card's next review."
        ),
    )

    class Meta:
        model = ReviewSettings
        fields = [
            "review_kinds",
            "new_per_day",
            "max_reviews_per_day",
            "new_ignores_review_limit",
            "learning_steps",
            "relearning_steps",
            "desired_retention",
            "maximum_interval",
            "time_zone",
        ]
        widgets = {
            "review_kinds": forms.RadioSelect,
            "desired_retention": forms.NumberInput(attrs={"step": "0.01", "min": "0.70", "max": "0.97"}),
            "learning_steps": forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
            "relearning_steps": forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        }

    #: The fields of each part of the page, in order (the template shows one box per part).
    PARTS = (
        (gettext_lazy("Cards"), ("review_kinds",)),
        (gettext_lazy("Daily limits"), ("new_per_day", "max_reviews_per_day", "new_ignores_review_limit")),
        (gettext_lazy("Steps"), ("learning_steps", "relearning_steps")),
        (gettext_lazy("Scheduling"), ("desired_retention", "maximum_interval", "reschedule", "time_zone")),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("max_reviews_per_day", "maximum_interval"):  # at least 1, not the column's 0
            self.fields[name].widget.attrs["min"] = "1"

    def parts(self) -> list[tuple[str, list]]:
        return [(title, [self[name] for name in names]) for title, names in self.PARTS]

    def clean_learning_steps(self) -> str:
        return normalised_steps(self.cleaned_data["learning_steps"])

    def clean_relearning_steps(self) -> str:
        return normalised_steps(self.cleaned_data["relearning_steps"])

    def clean_time_zone(self) -> str:
        from zoneinfo import available_timezones

        value = self.cleaned_data["time_zone"]
        if value not in available_timezones():
            raise forms.ValidationError(_("Unknown time zone: use a name such as Europe/Paris."))
        return value


@require_http_methods(["GET", "POST"])
@login_required
def settings_view(request: HtmxHttpRequest) -> HttpResponse:
    prefs = cards.settings_for(request.user)
    form = SettingsForm(request.POST or None, instance=prefs)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            prefs = cards.settings_save(form.save(commit=False))
            moved = (
                cards.cards_reschedule(student=request.user, prefs=prefs)
                if form.cleaned_data["reschedule"]
                else None
            )
        if moved is None:
            messages.success(request, _("Settings saved."))
        else:
            messages.success(
                request,
                ngettext(
                    "Settings saved; %(n)d card rescheduled.",
                    "Settings saved; %(n)d cards rescheduled.",
                    moved,
                )
                % {"n": moved},
            )
        return redirect("review:settings")
    context = {"form": form, **_parameters(request.user)}
    return render(request, "review/settings.html", context, status=400 if request.method == "POST" else 200)


def _parameters(student) -> dict:
    """The settings page's memory-model box: the parameter set scheduling the student, if any."""
    return {"parameter_set": optimizer.parameters_for(student), "min_reviews": optimizer.MIN_PERSONAL_REVIEWS}
