from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from course.markdown import render


class CourseManager(models.Manager["Course"]):
    def get_by_natural_key(self, slug: str) -> Course:
        return self.get(slug=slug)


class Course(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)

    objects = CourseManager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class SectionManager(models.Manager["Section"]):
    def get_by_natural_key(self, slug: str) -> Section:
        return self.get(slug=slug)


class Section(models.Model):
    """An ordered part of the course, with study notes that quiz feedback links back to."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sections")
    slug = models.SlugField(_("slug"), unique=True)
    position = models.PositiveIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    central = models.BooleanField(
        _("central"), default=False, help_text=_("Central sections need more questions.")
    )
    notes = models.TextField(_("notes (Markdown)"), blank=True)
    notes_html = models.TextField(editable=False, blank=True)

    objects = SectionManager()

    class Meta:
        ordering = ["course", "position"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [models.UniqueConstraint(fields=["course", "position"], name="section_unique_position")]

    def __str__(self) -> str:
        return self.display_title

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    @property
    def display_title(self) -> str:
        return self.title_in(get_language())

    def title_in(self, language: str | None) -> str:
        """The title shown in `language`: the English one if there is one, in English."""
        if self.title_en and (language or "fr").startswith("en"):
            return self.title_en
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.notes_html = render(self.notes)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("course:section", kwargs={"slug": self.slug})
