from django.urls import path

from review import views

app_name = "review"

urlpatterns = [
    path("", views.session, name="session"),
    path("add/", views.cards_add, name="cards-add"),
    path("progress/", views.progress, name="progress"),
    path("settings/", views.settings_view, name="settings"),
    path("cards/<id:pk>/reveal/", views.card_reveal, name="card-reveal"),
    path("cards/<id:pk>/answer/", views.card_answer, name="card-answer"),
    path("cards/<id:pk>/rate/", views.card_rate, name="card-rate"),
]
