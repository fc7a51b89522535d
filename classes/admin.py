from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from classes.models import Assignment, Cohort, Enrolment
from course.dates import validate_typed_date


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    raw_id_fields = ("student",)
    extra = 0


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("name", "course", "starts_on", "ends_on", "join_code", "student_count")
    list_filter = ("course",)
    search_fields = ("name", "join_code", "trainers__username")
    filter_horizontal = ("trainers",)
    readonly_fields = ("join_code", "created_at")
    inlines = [EnrolmentInline, AssignmentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(enrolled=Count("enrolments"))

    @admin.display(description=_("students"), ordering="enrolled")
    def student_count(self, obj) -> int:
        return obj.enrolled


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ("student", "cohort", "joined_at")
    list_filter = ("cohort",)
    list_select_related = ("student", "cohort")
    search_fields = ("student__username", "cohort__name")
    raw_id_fields = ("student",)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("quiz", "cohort", "opens_at", "due_at", "answer_key_released")
    list_filter = ("cohort", "quiz", "answer_key_released")
    list_select_related = ("quiz", "cohort")


class BoundedDatesUserAdmin(UserAdmin):
    """Django's user admin, with its typed dates (last login, date joined) held to the range
    every date a person types is held to (course/dates.py)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in {"last_login", "date_joined"}:
            field.validators.append(validate_typed_date)
        return field


admin.site.unregister(User)
admin.site.register(User, BoundedDatesUserAdmin)
