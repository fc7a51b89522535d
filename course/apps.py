from django.apps import AppConfig
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _


class CourseConfig(AppConfig):
    name = "course"
    verbose_name = _("Course")

    def ready(self) -> None:
        from course.inputs import IdConverter

        # Before any URL conf is read: every app's routes name ids `<id:pk>`.
        register_converter(IdConverter, "id")
