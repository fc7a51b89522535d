import pytest
from django.contrib.auth.models import User
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_syllabus_lists_sections_with_their_question_counts(student_client, loaded_banks):
    html = student_client.get(reverse("course:syllabus")).content.decode()
    assert html.index("Alpha") < html.index("Bêta")
    assert "3 questions" in html


def test_section_page_shows_notes_and_a_link_to_its_quiz(student_client, loaded_banks):
    html = student_client.get(reverse("course:section", args=["alpha"])).content.decode()
    assert "Notes de la section 1." in html
    assert reverse("quizzes:quiz-detail", args=["alpha"]) in html
    assert reverse("course:section", args=["beta"]) in html  # next section


def test_unknown_section_is_404(student_client, loaded_banks):
    assert student_client.get(reverse("course:section", args=["nope"])).status_code == 404


def test_signup_logs_the_new_student_in(client, db):
    response = client.post(
        reverse("signup"),
        {
            "username": "nouvelle",
            "email": "",
            "password1": "un-long-mot-de-passe-42",
            "password2": "un-long-mot-de-passe-42",
        },
    )
    assert response.status_code == 302 and response.url == reverse("home")
    assert User.objects.filter(username="nouvelle").exists()
    assert client.get(reverse("home")).status_code == 200


def test_signup_with_bad_input_explains_and_creates_nothing(client, db):
    response = client.post(reverse("signup"), {"username": "x", "password1": "a", "password2": "b"})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not User.objects.exists()


def test_login_and_logout(client, student):
    response = client.post(reverse("login"), {"username": "student", "password": "pass-word-123"})
    assert response.status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_password_change(student_client):
    response = student_client.post(
        reverse("password_change"),
        {
            "old_password": "pass-word-123",
            "new_password1": "encore-plus-long-77",
            "new_password2": "encore-plus-long-77",
        },
    )
    assert response.status_code == 302


def test_french_by_default_and_english_on_request(student_client, loaded_banks):
    assert "Mes quiz" in student_client.get(reverse("home")).content.decode()
    student_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "My quizzes" in student_client.get(reverse("home")).content.decode()


def test_groups_exist_after_migrate(db):
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {"trainers", "editors"}
    editors = Group.objects.get(name="editors")
    assert editors.permissions.filter(codename="change_question").exists()
    assert not editors.permissions.filter(content_type__app_label="auth").exists()


def test_every_model_is_in_the_admin():
    from django.apps import apps
    from django.contrib import admin

    ours = [
        m
        for m in apps.get_models()
        if m._meta.app_label in {"course", "quizzes"} and not m._meta.auto_created
    ]
    assert [m.__name__ for m in ours if not admin.site.is_registered(m)] == []
