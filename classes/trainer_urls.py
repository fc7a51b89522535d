from django.urls import path

from classes import trainer_views as views

app_name = "trainer"

urlpatterns = [
    path("", views.cohort_list, name="cohort-list"),
    path("cohorts/new/", views.cohort_create, name="cohort-create"),
    path("cohorts/<id:pk>/", views.cohort_detail, name="cohort-detail"),
    path("cohorts/<id:pk>/assignments/", views.assignment_add, name="assignment-add"),
    path(
        "cohorts/<id:pk>/assignments/<id:assignment_id>/answer-key/",
        views.assignment_answer_key,
        name="assignment-answer-key",
    ),
    path("cohorts/<id:pk>/trainers/", views.trainer_add, name="trainer-add"),
    path("cohorts/<id:pk>/students/<id:student_id>/remove/", views.student_remove, name="student-remove"),
    path("cohorts/<id:pk>/students/<id:student_id>/", views.report_student, name="report-student"),
    path("cohorts/<id:pk>/overview/", views.report_overview, name="report-overview"),
    path("cohorts/<id:pk>/heatmap/", views.report_heatmap, name="report-heatmap"),
    path("cohorts/<id:pk>/activity/", views.report_activity, name="report-activity"),
    path("cohorts/<id:pk>/errata/", views.report_errata, name="report-errata"),
    path("cohorts/<id:pk>/quizzes/<slug:slug>/items/", views.report_items, name="report-items"),
]
