"""Included under ``course/`` by config/urls.py: ``/course/export/anki/``, ``/course/<slug>/export/csv/``."""

from django.urls import path

from interop import views as export_views

app_name = "exports"

urlpatterns = [
    path("export/anki/", export_views.course_anki, name="course-anki"),
    path("export/csv/", export_views.course_csv, name="course-csv"),
    path("<slug:slug>/export/anki/", export_views.section_anki, name="section-anki"),
    path("<slug:slug>/export/csv/", export_views.section_csv, name="section-csv"),
]
