from django.urls import path

from review import views

app_name = "review"

urlpatterns = [
    path("", views.session, name="session"),
    path("add/", views.cards_add, name="cards-add"),
    path("progress/", views.progress, name="progress"),
    path("settings/", views.settings_view, name="settings"),
    path("cards/<int:pk>/reveal/", views.card_reveal, name="card-reveal"),
    path("cards/<int:pk>/answer/", views.card_answer, name="card-answer"),
    path("cards/<int:pk>/rate/", views.card_rate, name="card-rate"),
]
