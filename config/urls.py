from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from config import health
from course import views as course_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", RedirectView.as_view(pattern_name="quizzes:home", permanent=False)),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's): send them ours.
    path("favicon.ico", health.favicon),
    path("accounts/", include("course.auth_urls")),
    path("course/", include("quizzes.export_urls")),
    path("course/", include("course.urls")),
    path("join/", course_views.join, name="join"),
    path("join/<str:code>/", course_views.join, name="join-code"),
    path("trainer/", include("course.trainer_urls")),
    path("quizzes/", include("quizzes.urls")),
    path("review/", include("quizzes.review_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
