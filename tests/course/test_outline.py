import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from course.models import Section
from course.outline import OutlineError, outline_load

pytestmark = pytest.mark.django_db


def test_the_real_outline_loads_every_section_in_order_with_notes():
    summary = outline_load()
    slugs = list(Section.objects.values_list("slug", flat=True))
    assert slugs[:3] == ["images-layers", "docker-commit", "instances"]
    assert len(summary.created) == len(slugs) == 16
    assert all(s.notes_html for s in Section.objects.all())
    assert not outline_load().created and not outline_load().updated  # idempotent


def test_reordering_sections_does_not_hit_the_unique_position(tmp_path):
    (tmp_path / "course.yaml").write_text(
        "course: {slug: c, title: C}\nsections:\n  - {slug: a, title: A}\n  - {slug: b, title: B}\n"
    )
    outline_load(tmp_path / "course.yaml")
    (tmp_path / "course.yaml").write_text(
        "course: {slug: c, title: C}\nsections:\n  - {slug: b, title: B}\n  - {slug: a, title: A}\n"
    )
    summary = outline_load(tmp_path / "course.yaml")
    assert list(Section.objects.order_by("position").values_list("slug", flat=True)) == ["b", "a"]
    assert sorted(summary.updated) == ["a", "b"]


def test_a_broken_outline_names_its_line_and_loads_nothing(tmp_path, capsys):
    path = tmp_path / "course.yaml"
    path.write_text(
        "course: {slug: c, title: C}\nsections:\n  - {slug: a, title: A}\n  - {slug: 'Bad Slug'}\n"
    )
    with pytest.raises(OutlineError) as error:
        outline_load(path)
    assert f"{path}:4: invalid section slug" in str(error.value)
    with pytest.raises(CommandError):
        call_command("load_course", str(path))
    assert Section.objects.count() == 0
