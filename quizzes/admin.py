from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from quizzes.models import Answer, Attempt, Question, Quiz, QuizItem, Revision


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = ("number", "prompt", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("uid", "section", "kind", "difficulty", "active", "answer_count", "revision_number")
    list_filter = ("section", "kind", "difficulty", "active")
    search_fields = ("uid", "current_revision__prompt", "current_revision__explanation")
    list_select_related = ("section", "current_revision")
    readonly_fields = ("current_revision", "preview")
    inlines = [RevisionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(answer_total=Count("answers"))

    @admin.display(description=_("answers"), ordering="answer_total")
    def answer_count(self, obj: Question) -> int:
        return obj.answer_total

    @admin.display(description=_("revision"))
    def revision_number(self, obj: Question) -> int | None:
        return obj.current_revision.number if obj.current_revision else None

    @admin.display(description=_("prompt"))
    def preview(self, obj: Question) -> str:
        if not obj.current_revision:
            return "-"
        return format_html('<div class="prose">{}</div>', obj.current_revision.prompt_html)


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ("question", "number", "created_at")
    list_select_related = ("question",)
    search_fields = ("question__uid", "prompt")
    readonly_fields = [f.name for f in Revision._meta.fields]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # revisions are immutable


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
    fields = ("position", "question", "revision", "correct", "score", "response")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("student", "quiz", "started_at", "finished_at", "score")
    list_filter = ("quiz",)
    list_select_related = ("student", "quiz")
    search_fields = ("student__username", "quiz__title")
    readonly_fields = ("student", "quiz", "question_ids", "seed", "started_at", "finished_at", "score")
    inlines = [AnswerInline]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ("attempt", "question", "correct", "score", "answered_at")
    list_filter = ("correct", "question__section")
    list_select_related = ("attempt__student", "attempt__quiz", "question")
    raw_id_fields = ("attempt", "question", "revision")
