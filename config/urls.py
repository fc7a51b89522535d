from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from classes import views as classes_views
from config import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", RedirectView.as_view(pattern_name="landing", permanent=False)),
    # Where signing in lands: each role on its own desk (classes.views.landing).
    path("start/", classes_views.landing, name="landing"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's): send them ours.
    path("favicon.ico", health.favicon),
    path("accounts/", include("classes.auth_urls")),
    path("course/", include("interop.urls")),
    path("course/", include("course.urls")),
    path("join/", classes_views.join, name="join"),
    path("join/<str:code>/", classes_views.join, name="join-code"),
    path("trainer/", include("classes.trainer_urls")),
    # The student's home: their quizzes and the work their trainers assigned.
    path("quizzes/", classes_views.home, name="home"),
    path("quizzes/", include("quizzes.urls")),
    path("review/", include("review.urls")),
    path("live/", include("live.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
