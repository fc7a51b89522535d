from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="quizzes:home", permanent=False)),
    path("accounts/", include("course.auth_urls")),
    path("course/", include("course.urls")),
    path("quizzes/", include("quizzes.urls")),
    path("review/", include("quizzes.review_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
