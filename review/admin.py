"""The review log, cards, daily rollups and settings in the admin: read-only records."""

from django.contrib import admin

from review.models import Card, ParameterChoice, ParameterSet, Review, ReviewDay, ReviewSettings


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ("student", "question", "state", "due", "last_review", "stability", "source")
    list_filter = ("state", "source", "question__section")
    list_select_related = ("student", "question")
    search_fields = ("student__username", "question__uid")
    raw_id_fields = ("student", "question")
    readonly_fields = ("state", "step", "stability", "difficulty", "due", "last_review", "version")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """The review log is append-only: readable, never edited."""

    list_display = ("student", "question", "rating", "reviewed_at", "correct", "duration_ms")
    list_filter = ("rating", "correct")
    list_select_related = ("student", "question")
    search_fields = ("student__username", "question__uid")
    date_hierarchy = "reviewed_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class _KeptByTheApp(admin.ModelAdmin):
    """Rows the app keeps in step by itself: readable, never added or edited by hand."""

    list_select_related = ("student",)
    search_fields = ("student__username",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReviewDay)
class ReviewDayAdmin(_KeptByTheApp):
    """The daily rollup of the review log."""

    list_display = ("student", "day", "reviews", "new_cards", "recall_reviews", "recall_passed")
    date_hierarchy = "day"


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(admin.ModelAdmin):
    list_display = ("student", "desired_retention", "new_per_day", "max_reviews_per_day", "time_zone")
    search_fields = ("student__username",)
    raw_id_fields = ("student",)


@admin.register(ParameterSet)
class ParameterSetAdmin(_KeptByTheApp):
    """FSRS weights trained by `manage.py optimize_fsrs`: the record of what scheduled reviews."""

    list_display = (
        "scope",
        "student",
        "cohort_id",
        "reviews",
        "log_loss_before",
        "log_loss_after",
        "rmse_before",
        "rmse_after",
        "created_at",
    )
    list_filter = ("scope",)
    date_hierarchy = "created_at"


@admin.register(ParameterChoice)
class ParameterChoiceAdmin(_KeptByTheApp):
    """Which set schedules each student, as the last optimisation run chose."""

    list_display = ("student", "parameter_set", "chosen_at")
    list_select_related = ("student", "parameter_set")
