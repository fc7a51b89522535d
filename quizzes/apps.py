from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = _("Quizzes")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from quizzes import signals

        # Connected here, not with @receiver: the admin (before auth in INSTALLED_APPS) may import
        # quizzes.signals while discovering admin modules, before auth connects the receiver that
        # creates permissions; apps are readied in order, so by now it has, and runs first.
        post_migrate.connect(signals.grant_editor_permissions, sender=self)
