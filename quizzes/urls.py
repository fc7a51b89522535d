from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("attempts/<id:pk>/", views.attempt_detail, name="attempt-detail"),
    path("attempts/<id:pk>/q/<id:number>/", views.attempt_question, name="attempt-question"),
    path("attempts/<id:pk>/finish/", views.attempt_finish, name="attempt-finish"),
    path("attempts/<id:pk>/result/", views.attempt_result, name="attempt-result"),
    path("<slug:slug>/", views.quiz_detail, name="quiz-detail"),
    path("<slug:slug>/start/", views.quiz_start, name="quiz-start"),
]
