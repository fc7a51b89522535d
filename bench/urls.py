"""The app's URLs plus the benchmark's baseline view (never part of the app itself)."""

from django.urls import path

from bench import views
from config.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    path("bench/baseline/", views.baseline, name="bench-baseline"),
    *app_urlpatterns,
]
