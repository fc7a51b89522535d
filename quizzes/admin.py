"""The editor's desk: the question bank in the Django admin.

Editors (group `editors`, staff) edit questions with a form fitted to each kind, preview Markdown
as they type and the whole question as a student sees it, read the revision history, import a
YAML bank after a dry run, and export a selection. Saving changed content makes a new revision;
a question that has answers can be deactivated, never deleted. After correcting a key, an editor
regrades the question's past answers against it, again after a dry run (`quizzes.regrade`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Avg, Count
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from course.markdown import MarkdownRefused
from course.markdown import render as render_markdown
from course.models import Section
from quizzes import banks, kinds, regrade, revisions
from quizzes.admin_forms import QuestionForm
from quizzes.models import Answer, AnswerRegrade, Attempt, Question, Quiz, QuizItem, Revision

IMPORT_SALT = "rappel.admin.import"
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class AnsweredFilter(admin.SimpleListFilter):
    title = gettext_lazy("answers")
    parameter_name = "answered"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("with answers")), ("no", gettext_lazy("without answers"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(answer_total__gt=0)
        if self.value() == "no":
            return queryset.filter(answer_total=0)
        return queryset


class MoveForm(forms.Form):
    section = forms.ModelChoiceField(
        queryset=Section.objects.order_by("position"), label=gettext_lazy("Section")
    )


NEEDS_SECTION = gettext_lazy(
    "This file puts some questions in no section of the course (no $CATEGORY line, or a category "
    "that is not a section): choose the section they go to."
)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Bank file"),
        help_text=gettext_lazy("A YAML bank or a Moodle GIFT export (.gift or .txt): read by its content."),
    )
    section = forms.ModelChoiceField(
        queryset=Section.objects.order_by("position"),
        required=False,
        label=gettext_lazy("Section"),
        help_text=gettext_lazy(
            "Only for a GIFT file that names no section for some questions (no $CATEGORY line): they go here."
        ),
    )


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionForm
    list_display = (
        "uid",
        "prompt_start",
        "section",
        "kind",
        "difficulty",
        "active",
        "answer_count",
        "facility",
        "revision_number",
    )
    list_filter = ("section", "kind", "difficulty", "active", AnsweredFilter)
    search_fields = ("uid", "current_revision__prompt", "current_revision__explanation")
    list_select_related = ("section", "current_revision")
    list_per_page = 50
    actions = ["activate", "deactivate", "move_to_section", "export_yaml"]
    change_form_template = "admin/quizzes/question/change_form.html"
    change_list_template = "admin/quizzes/question/change_list.html"

    # --- list ----------------------------------------------------------------------------------

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(answer_total=Count("answers"), facility_value=Avg("answers__score"))
        )

    @admin.display(description=gettext_lazy("prompt"))
    def prompt_start(self, obj: Question) -> str:
        text = obj.current_revision.prompt if obj.current_revision else ""
        return text if len(text) <= 70 else text[:69] + "…"

    @admin.display(description=gettext_lazy("answers"), ordering="answer_total")
    def answer_count(self, obj: Question) -> int:
        return obj.answer_total

    @admin.display(description=gettext_lazy("facility index"), ordering="facility_value")
    def facility(self, obj: Question) -> str:
        return "—" if obj.facility_value is None else f"{100 * obj.facility_value:.0f} %"

    @admin.display(description=gettext_lazy("revision"))
    def revision_number(self, obj: Question) -> str:
        if not obj.current_revision:
            return "—"
        url = reverse("admin:quizzes_question_revisions", args=[obj.pk])
        return format_html('<a href="{}">r{}</a>', url, obj.current_revision.number)

    # --- form fitted to the kind ---------------------------------------------------------------

    def _kind(self, request: HttpRequest, obj: Question | None) -> str:
        if obj is not None:
            return obj.kind
        name = request.POST.get("kind") or request.GET.get("kind") or "single"
        return name if name in kinds.REGISTRY else "single"

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = ["uid", "section", "kind", "difficulty", "active", "erratum"]
        base = super().get_form(request, obj, change=change, **kwargs)
        return type("KindQuestionForm", (base,), {"kind_name": self._kind(request, obj), "request": request})

    def get_fieldsets(self, request, obj=None):
        form = self.get_form(request, obj)(instance=obj)
        fieldsets = [
            (None, {"fields": [("uid", "section"), ("difficulty", "active"), "tag_list", "kind"]}),
            (_("Content"), {"fields": ["prompt", "explanation"]}),
            *form.kind_fieldsets,
            (_("Course erratum"), {"fields": ["erratum"], "classes": ["collapse"]}),
        ]
        return fieldsets

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        kind = self._kind(request, obj)
        context.update(kind=kind, kinds=kinds.CHOICES, kind_label=kinds.get(kind).LABEL)
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def get_readonly_fields(self, request, obj=None):
        return ["uid"] if obj is not None and obj.answers.exists() else []

    def save_model(self, request, obj: Question, form, change):
        obj.tags = form.cleaned_data["tag_list"]
        obj.kind = form.kind_name
        super().save_model(request, obj, form, change)
        revision = revisions.revision_apply(
            question=obj,
            prompt=form.cleaned_data["prompt"],
            explanation=form.cleaned_data["explanation"],
            spec=form.spec,
        )
        if revision is not None and revision.number > 1:
            messages.info(
                request,
                _("Saved as revision %(n)s: past answers keep the revision they were given.")
                % {"n": revision.number},
            )
        banks.questions_changed()

    # --- deleting: only questions nobody answered ----------------------------------------------

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.answers.exists() or obj.reviews.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)  # answered questions are deactivated, never deleted
        return actions

    # --- bulk actions ----------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Activate the selected questions"), permissions=["change"])
    def activate(self, request, queryset):
        count = queryset.update(active=True)
        banks.questions_changed()
        self.message_user(request, _("%(n)d questions activated.") % {"n": count})

    @admin.action(description=gettext_lazy("Deactivate the selected questions"), permissions=["change"])
    def deactivate(self, request, queryset):
        count = queryset.update(active=False)
        banks.questions_changed()
        self.message_user(request, _("%(n)d questions deactivated.") % {"n": count})

    @admin.action(
        description=gettext_lazy("Move the selected questions to a section"), permissions=["change"]
    )
    def move_to_section(self, request, queryset):
        form = MoveForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            count = queryset.update(section=form.cleaned_data["section"])
            banks.questions_changed()
            self.message_user(request, _("%(n)d questions moved.") % {"n": count})
            return None
        return TemplateResponse(
            request,
            "admin/quizzes/question/move.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "questions": queryset,
                "title": _("Move questions to a section"),
                "opts": self.model._meta,
            },
        )

    @admin.action(description=gettext_lazy("Export the selected questions as YAML"), permissions=["view"])
    def export_yaml(self, request, queryset):
        items = queryset.select_related("section", "current_revision").order_by(
            "section__position", "position"
        )
        data = {"questions": [{**banks.question_to_raw(q), "section": q.section.slug} for q in items]}
        response = HttpResponse(banks.dump_yaml(data), content_type="application/x-yaml; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="rappel-questions.yaml"'
        return response

    # --- extra pages ----------------------------------------------------------------------------

    def get_urls(self):
        own = [
            path(
                "markdown-preview/",
                self.admin_site.admin_view(self.markdown_preview),
                name="quizzes_question_markdown_preview",
            ),
            path("import/", self.admin_site.admin_view(self.import_view), name="quizzes_question_import"),
            path(
                "<id:pk>/preview/",
                self.admin_site.admin_view(self.student_preview),
                name="quizzes_question_preview",
            ),
            path(
                "<id:pk>/revisions/",
                self.admin_site.admin_view(self.revisions_view),
                name="quizzes_question_revisions",
            ),
            path(
                "<id:pk>/regrade/",
                self.admin_site.admin_view(self.regrade_view),
                name="quizzes_question_regrade",
            ),
        ]
        return own + super().get_urls()

    def markdown_preview(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not self.has_view_permission(request):
            return HttpResponseBadRequest()
        field = request.POST.get("preview_field", "prompt")
        source = request.POST.get(field if field in {"prompt", "explanation"} else "prompt", "")
        try:
            html = render_markdown(source)
        except MarkdownRefused as error:
            # The preview shows why instead (422: htmx swaps it in); escaped, as any message.
            return HttpResponse(escape(error.message), status=422)
        return HttpResponse(html)

    def student_preview(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The question as a student sees it; answering shows the feedback, nothing is saved."""
        question = get_object_or_404(Question.objects.select_related("current_revision", "section"), pk=pk)
        if not self.has_view_permission(request, question):
            return HttpResponseBadRequest()
        revision = question.current_revision
        kind = kinds.get(question.kind)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": question,
            "question": question,
            "revision": revision,
            "kind_template": kind.TEMPLATE,
            "present": kind.present(revision.spec, seed="preview"),
            "title": _("Preview as a student"),
        }
        if request.method == "POST" and kinds.is_graded(question.kind):
            try:
                response = kind.parse_response(revision.spec, dict(request.POST.lists()))
            except kinds.InvalidResponse as error:
                context["error"] = str(error)
            else:
                context["verdict"] = kind.grade(spec=revision.spec, response=response)
                context["response"] = response
                context["solution"] = kind.reveal(revision.spec, response)
        elif request.method == "POST":
            context["solution"] = kind.reveal(revision.spec, {})
            context["revealed"] = True
        return TemplateResponse(request, "admin/quizzes/question/preview.html", context)

    def revisions_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        question = get_object_or_404(Question.objects.select_related("current_revision"), pk=pk)
        if not self.has_view_permission(request, question):
            return HttpResponseBadRequest()
        history = list(
            question.revisions.annotate(
                answer_count=Count("answers"), review_count=Count("reviews", distinct=True)
            ).order_by("-number")
        )
        compare = next((r for r in history if str(r.number) == request.GET.get("compare")), None)
        diff = revisions.revision_diff(compare, question.current_revision, question.kind) if compare else ""
        return TemplateResponse(
            request,
            "admin/quizzes/question/revisions.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": question,
                "question": question,
                "history": history,
                "compare": compare,
                "diff": diff,
                "title": _("Revision history of %(uid)s") % {"uid": question.uid},
            },
        )

    def regrade_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Regrade the question's past answers against its current revision: a dry run (how many
        answers and attempts change, old -> new score by student), then, on a POST of the
        revision the dry run was made with, the regrade, logged in the question's history."""
        question = get_object_or_404(Question.objects.select_related("current_revision"), pk=pk)
        if not self.has_change_permission(request, question):
            raise PermissionDenied
        url = reverse("admin:quizzes_question_regrade", args=[question.pk])
        if request.method == "POST":
            with transaction.atomic():
                # Locked here, so that the key the editor checked is the one graded against.
                locked = Question.objects.select_for_update().get(pk=question.pk)
                if request.POST.get("revision") != str(locked.current_revision_id):
                    messages.warning(request, REGRADE_OUTDATED)
                    return redirect(url)
                report = regrade.answers_regrade(question=locked, user=request.user, dry_run=False)
                if report.applied:
                    self.log_change(request, locked, _regrade_summary(report))
            if report.applied:
                messages.success(request, _regrade_summary(report))
            else:
                messages.info(request, REGRADE_NOTHING)
            return redirect("admin:quizzes_question_change", question.pk)
        report = regrade.answers_regrade(question=question, user=request.user, dry_run=True)
        return TemplateResponse(
            request,
            "admin/quizzes/question/regrade.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": question,
                "question": question,
                "report": report,
                "title": _("Regrade the past answers to %(uid)s") % {"uid": question.uid},
            },
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a YAML bank, or a file in another registered format (a Moodle GIFT export, often
        `.txt`), converted to one: a dry run lists new, changed (with a diff), unchanged and
        invalid questions; nothing is written until the editor confirms, then the import is
        atomic."""
        if not self.has_change_permission(request):
            return HttpResponseBadRequest()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import a question bank"),
        }
        if request.method == "POST" and "confirm" in request.POST:
            try:
                payload = signing.loads(request.POST.get("payload", ""), salt=IMPORT_SALT, max_age=3600)
            except signing.BadSignature:
                messages.error(request, _("This import form expired; upload the file again."))
                return redirect("admin:quizzes_question_import")
            with _bank_file(payload["name"], payload["text"]) as bank_path:
                try:
                    summary = banks.bank_load([bank_path])
                except banks.BankError as error:
                    context.update(form=ImportForm(), problems=error.problems)
                    return TemplateResponse(
                        request, "admin/quizzes/question/import.html", context, status=400
                    )
            messages.success(request, _("Bank imported: %(summary)s.") % {"summary": summary})
            return redirect("admin:quizzes_question_changelist")
        form = ImportForm(request.POST or None, request.FILES or None)
        context["form"] = form
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            name = Path(upload.name).name
            if upload.size > MAX_UPLOAD_BYTES:
                form.add_error("file", _("This file is larger than 2 MB."))
            else:
                try:
                    text = upload.read().decode("utf-8")
                except UnicodeDecodeError:
                    form.add_error("file", _("This file is not UTF-8 text."))
                else:
                    upload_format = banks.upload_format(text)
                    if upload_format:  # another format (Moodle GIFT): converted, then the same dry run
                        section = form.cleaned_data.get("section")
                        slugs = set(Section.objects.values_list("slug", flat=True))
                        questions, problems = upload_format.read(
                            text, name, section.slug if section else None, slugs
                        )
                        if section is None and upload_format.needs_section(problems):
                            form.add_error("section", NEEDS_SECTION)
                            return TemplateResponse(
                                request, "admin/quizzes/question/import.html", context, status=400
                            )
                        if problems:
                            context.update(problems=problems, new=[], changed=[], unchanged=[])
                            return TemplateResponse(
                                request, "admin/quizzes/question/import.html", context, status=400
                            )
                        text, name = banks.dump_yaml({"questions": questions}), f"{name}.yaml"
                    with _bank_file(name, text) as bank_path:
                        context.update(banks.bank_plan([bank_path], display_name=name))
                    if not context["problems"]:
                        context["payload"] = signing.dumps(
                            {"name": name, "text": text}, salt=IMPORT_SALT, compress=True
                        )
            status = 400 if form.errors or context.get("problems") else 200
            return TemplateResponse(request, "admin/quizzes/question/import.html", context, status=status)
        return TemplateResponse(request, "admin/quizzes/question/import.html", context)


REGRADE_OUTDATED = gettext_lazy(
    "The question changed since this dry run: check the new one before you confirm."
)
REGRADE_NOTHING = gettext_lazy("Nothing to regrade: every answer is graded against the current revision.")


def _regrade_summary(report: regrade.RegradeReport) -> str:
    return _(
        "Past answers regraded against r%(revision)s. Answers with a new score: %(rescored)d; "
        "attempts with a new score: %(attempts)d; answers changed in all: %(changed)d."
    ) % {
        "revision": report.revision_number,
        "rescored": len(report.rescored),
        "attempts": report.attempts_rescored,
        "changed": len(report.changes),
    }


class _bank_file:
    """A temporary copy of an uploaded bank, named as uploaded so problems read `name:line`."""

    def __init__(self, name: str, text: str) -> None:
        self.name, self.text = name, text

    def __enter__(self) -> Path:
        self.directory = tempfile.TemporaryDirectory()
        path = Path(self.directory.name) / (Path(self.name).name or "bank.yaml")
        path.write_text(self.text, encoding="utf-8")
        return path

    def __exit__(self, *exc) -> None:
        self.directory.cleanup()


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ("question", "number", "created_at")
    list_select_related = ("question",)
    search_fields = ("question__uid", "prompt")
    readonly_fields = [f.name for f in Revision._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # revisions come from editing a question

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # revisions are immutable

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class QuizItemInline(admin.TabularInline):
    model = QuizItem
    raw_id_fields = ("question",)
    extra = 0


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "kind", "section", "position")
    list_filter = ("kind",)
    search_fields = ("title", "slug")
    inlines = [QuizItemInline]


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ("position", "question", "revision", "correct", "score", "given")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("question", "revision")

    @admin.display(description=gettext_lazy("Response"))
    def given(self, answer: Answer) -> str:
        """The response as the student gave it (choice texts, pairs, command), not its JSON."""
        return kinds.response_text(
            kind=answer.question.kind, spec=answer.revision.spec, response=answer.response
        )


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("student", "quiz", "started_at", "finished_at", "score")
    list_filter = ("quiz",)
    list_select_related = ("student", "quiz")
    search_fields = ("student__username", "quiz__title")
    readonly_fields = ("student", "quiz", "question_ids", "seed", "started_at", "finished_at", "score")
    inlines = [AnswerInline]

    def has_add_permission(self, request) -> bool:
        return False  # attempts come from students taking quizzes (its seed and questions too)


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ("attempt", "question", "revision", "correct", "score", "answered_at")
    list_filter = ("correct", "question__section")
    list_select_related = ("attempt__student", "attempt__quiz", "question", "revision")
    raw_id_fields = ("attempt", "question", "revision")


@admin.register(AnswerRegrade)
class AnswerRegradeAdmin(admin.ModelAdmin):
    """The history of regrades: what each one replaced. Read only: it is written by a regrade."""

    list_display = (
        "regraded_at",
        "question",
        "student",
        "old_revision",
        "new_revision",
        "old_score",
        "new_score",
        "old_attempt_score",
        "new_attempt_score",
        "regraded_by",
    )
    list_select_related = (
        "answer__question",
        "answer__attempt__student",
        "old_revision",
        "new_revision",
        "regraded_by",
    )
    search_fields = ("answer__question__uid", "answer__attempt__student__username")
    date_hierarchy = "regraded_at"
    readonly_fields = [f.name for f in AnswerRegrade._meta.fields]

    @admin.display(description=gettext_lazy("question"), ordering="answer__question__uid")
    def question(self, obj: AnswerRegrade) -> str:
        return obj.answer.question.uid

    @admin.display(description=gettext_lazy("student"), ordering="answer__attempt__student__username")
    def student(self, obj: AnswerRegrade) -> str:
        return obj.answer.attempt.student.get_username()

    def has_add_permission(self, request) -> bool:
        return False  # rows come from a regrade

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a history is not edited

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(QuizItem)
class QuizItemAdmin(admin.ModelAdmin):
    list_display = ("quiz", "position", "question")
    list_filter = ("quiz",)
    list_select_related = ("quiz", "question")
    raw_id_fields = ("question",)
