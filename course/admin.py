from django.contrib import admin

from course.models import Course, Section


class SectionInline(admin.TabularInline):
    model = Section
    fields = ("position", "slug", "title", "central")
    extra = 0
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "slug")
    search_fields = ("title", "slug")
    inlines = [SectionInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("position", "title", "slug", "central", "course")
    list_display_links = ("title",)
    list_filter = ("course", "central")
    search_fields = ("title", "slug", "notes")
    ordering = ("course", "position")
