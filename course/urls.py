from django.urls import path

from course import views

app_name = "course"

urlpatterns = [
    path("", views.syllabus, name="syllabus"),
    path("<slug:slug>/", views.section_detail, name="section"),
]
