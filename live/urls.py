from django.urls import path

from . import views

app_name = "live"

urlpatterns = [
    path("", views.join, name="join"),
    path("trainer/", views.session_list, name="session-list"),
    path("trainer/start/", views.session_start, name="session-start"),
    path("trainer/<id:pk>/", views.screen, name="screen"),
    path("trainer/<id:pk>/control/", views.control, name="control"),
    path("trainer/<id:pk>/qr.svg", views.qr_code, name="qr"),
    path("<str:pin>/", views.join, name="join-pin"),
    path("<str:pin>/play/", views.play, name="play"),
    path("<str:pin>/answer/", views.answer, name="answer"),
]
