from django.urls import path

from classes import trainer_views as views

app_name = "trainer"

urlpatterns = [
    path("", views.cohort_list, name="cohort-list"),
    path("cohorts/new/", views.cohort_create, name="cohort-create"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort-detail"),
    path("cohorts/<int:pk>/assignments/", views.assignment_add, name="assignment-add"),
    path(
        "cohorts/<int:pk>/assignments/<int:assignment_id>/answer-key/",
        views.assignment_answer_key,
        name="assignment-answer-key",
    ),
    path("cohorts/<int:pk>/trainers/", views.trainer_add, name="trainer-add"),
    path("cohorts/<int:pk>/students/<int:student_id>/remove/", views.student_remove, name="student-remove"),
    path("cohorts/<int:pk>/students/<int:student_id>/", views.report_student, name="report-student"),
    path("cohorts/<int:pk>/overview/", views.report_overview, name="report-overview"),
    path("cohorts/<int:pk>/heatmap/", views.report_heatmap, name="report-heatmap"),
    path("cohorts/<int:pk>/activity/", views.report_activity, name="report-activity"),
    path("cohorts/<int:pk>/errata/", views.report_errata, name="report-errata"),
    path("cohorts/<int:pk>/quizzes/<slug:slug>/items/", views.report_items, name="report-items"),
]
