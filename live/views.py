"""The pages of live sessions. The projector needs JavaScript (it says so); a phone works with
it (a WebSocket) or without (plain forms and a page that refreshes itself)."""

from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from classes import access
from quizzes.models import Quiz

from . import broadcast, screens, sessions
from .models import DEFAULT_SECONDS, PIN_LENGTH, LiveSession

NOT_A_TRAINER = _("Live sessions are run by trainers.")


def _trainer_session(request: HttpRequest, pk: int) -> LiveSession:
    """The session `pk` if this user drives it; a 404 for anyone else (as for cohorts, another
    trainer cannot even learn that the session exists)."""
    session = LiveSession.objects.run_by(request.user).select_related("quiz", "cohort").filter(pk=pk).first()
    if session is None:
        raise Http404("No such live session.")
    return session


def _trainer_only(request: HttpRequest) -> None:
    if not access.is_trainer(request.user):
        raise PermissionDenied(NOT_A_TRAINER)


@login_required
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    """The trainer's sessions (each one's results can be opened again), and a form to start one."""
    _trainer_only(request)
    cohorts = list(access.trainer_cohorts(request.user).order_by("-starts_on", "name"))
    context = {
        "live_sessions": LiveSession.objects.run_by(request.user)
        .select_related("quiz", "cohort")
        .order_by("-created_at")[:50],
        "quizzes": Quiz.objects.listed(),
        "cohorts": cohorts,
        "default_seconds": DEFAULT_SECONDS,
        "picked_quiz": request.GET.get("quiz", ""),
        "picked_cohort": request.GET.get("cohort", ""),
    }
    return render(request, "live/session_list.html", context)


@login_required
@require_POST
def session_start(request: HttpRequest) -> HttpResponse:
    _trainer_only(request)
    quiz = Quiz.objects.filter(slug=request.POST.get("quiz", "")).first()
    if quiz is None:
        messages.error(request, _("Choose a quiz to play."))
        return redirect("live:session-list")
    cohort = None
    if request.POST.get("cohort"):
        cohort = (
            access.trainer_cohorts(request.user).filter(pk=sessions.as_int(request.POST["cohort"])).first()
        )
        if cohort is None:
            raise Http404("No such cohort.")
    try:
        session = sessions.session_start(
            trainer=request.user,
            quiz=quiz,
            cohort=cohort,
            seconds=sessions.as_int(request.POST.get("seconds") or DEFAULT_SECONDS),
        )
    except sessions.LiveError as error:
        messages.error(request, error.message)
        return redirect("live:session-list")
    return redirect(session)


@login_required
@require_GET
def screen(request: HttpRequest, pk: int) -> HttpResponse:
    """The projector. The trainer's reload only shows the state again: it never ends anything."""
    session = _trainer_session(request, pk)
    context = screens.screen_context(session)
    context["join_url"] = request.build_absolute_uri(session.get_join_url())
    following = context["session"].following()  # the session as the context read it
    context["next_seconds"] = following.seconds if following else DEFAULT_SECONDS
    return render(request, "live/screen.html", context)


@login_required
@require_POST
def control(request: HttpRequest, pk: int) -> HttpResponse:
    """A trainer's button posted as a form (the projector's script sends them over its socket)."""
    session = _trainer_session(request, pk)
    try:
        session = sessions.session_control(
            session=session,
            action=request.POST.get("action", ""),
            seconds=request.POST.get("seconds"),
            player_id=request.POST.get("player"),
        )
    except sessions.LiveError as error:
        messages.error(request, error.message)
    else:
        broadcast.changed(session)
    return redirect(session)


@login_required
@require_GET
def qr_code(request: HttpRequest, pk: int) -> HttpResponse:
    """The join link as a QR code, an SVG image drawn on the server (no script, no CDN)."""
    session = _trainer_session(request, pk)
    code = segno.make(request.build_absolute_uri(session.get_join_url()), error="m")
    svg = io.BytesIO()
    code.save(svg, kind="svg", scale=8, border=2, dark="#111", light="#fff", xmldecl=False)
    return HttpResponse(svg.getvalue(), content_type="image/svg+xml")


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, pin: str = "") -> HttpResponse:
    """Type the PIN (or open the link that carries it), then join: as yourself when signed in,
    with a nickname otherwise."""
    pin = (request.POST.get("pin") or pin or request.GET.get("pin") or "").strip().upper()
    session = LiveSession.objects.joinable().filter(pin=pin).first() if pin else None
    context = {"pin": pin, "session": session, "pin_length": PIN_LENGTH}
    if pin and session is None:
        context["error"] = sessions.NO_SUCH_SESSION
        return render(request, "live/join.html", context, status=404 if request.method == "GET" else 400)
    if session is None:
        return render(request, "live/join.html", context)
    if "pin" in request.POST:  # the PIN typed: on to the session's own join page
        return redirect("live:join-pin", pin=session.pin)
    player = sessions.player_for(session=session, user=request.user, browser_session=request.session)
    if player is not None and not player.removed:
        return redirect("live:play", pin=session.pin)
    if request.method == "POST":
        try:
            player = sessions.player_join(
                session=session, user=request.user, nickname=request.POST.get("nickname", "")
            )
        except sessions.LiveError as error:
            context["error"] = error.message
            context["nickname"] = request.POST.get("nickname", "")
            return render(request, "live/join.html", context, status=400)
        sessions.guest_remember(request.session, player)
        broadcast.screens_changed(session)
        return redirect("live:play", pin=session.pin)
    return render(request, "live/join.html", context)


def _player_session(request: HttpRequest, pin: str):
    session = get_object_or_404(LiveSession, pin=pin.upper())
    player = sessions.player_for(session=session, user=request.user, browser_session=request.session)
    return session, player


@require_GET
def play(request: HttpRequest, pin: str) -> HttpResponse:
    """The phone's page. With JavaScript, its socket keeps it up to date; without, it refreshes
    itself (at the end of the question's time while a question is open)."""
    session, player = _player_session(request, pin)
    if player is None:
        return redirect("live:join-pin", pin=session.pin)
    context = screens.phone_context(session, player)
    stage = context["stage"]
    if session.phase == LiveSession.Phase.ENDED:
        context["refresh"] = None
    elif session.phase == LiveSession.Phase.OPEN and not stage.session.paused and not context.get("mine"):
        context["refresh"] = max(int(stage.remaining or 0) + 1, 2)
    else:
        context["refresh"] = 3
    return render(request, "live/play.html", context)


@require_POST
def answer(request: HttpRequest, pin: str) -> HttpResponse:
    """A phone's answer posted as a plain form (without JavaScript)."""
    session, player = _player_session(request, pin)
    if player is None:
        return redirect("live:join-pin", pin=session.pin)
    form = {name: request.POST.getlist(name) for name in request.POST if name != "csrfmiddlewaretoken"}
    try:
        recorded = sessions.answer_record(
            player=player, session_question_id=sessions.as_int(request.POST.get("question")), form=form
        )
    except sessions.LiveError as error:
        messages.error(request, error.message)
    else:
        if recorded.created:
            broadcast.counted(session, recorded.answer.session_question_id)
    return redirect("live:play", pin=session.pin)
